// The details view's content: what `virsh dominfo` says, the devices (disks, NICs with
// their bridge and tap, consoles, VNC with its exposure warning), the boot method, and the
// command lines a start would run (the domxml-to-native preview).
import type {DomainDetails, DomainSummary} from '../../driver/client/connection.js';
import {formatMemory, secondsLeft} from './format.js';
import {blank, type PagerLine} from './pager-lines.js';

const label = (name: string) => name.padEnd(11);

function heading(text: string): PagerLine {
  return {text, bold: true};
}

export function detailsLines(details: DomainDetails, summary: DomainSummary | undefined, now: number): PagerLine[] {
  const lines: PagerLine[] = [];
  const state = details.state + (details.reason === undefined ? '' : ` (${details.reason})`);
  lines.push({text: `${label('State')}${state}${summary?.pid === undefined ? '' : `  pid ${summary.pid}`}`});
  if (summary?.state === 'in shutdown' && summary.shutdownDeadline !== undefined) {
    lines.push({
      text: `${label('')}ACPI shutdown requested — forced power-off in ${secondsLeft(summary.shutdownDeadline, now)} s`,
      color: 'yellow',
      bold: true,
    });
  }

  if (summary?.cpuPercent !== undefined || summary?.rssKiB !== undefined) {
    lines.push({
      text: `${label('Usage')}CPU ${summary.cpuPercent === undefined ? '-' : `${summary.cpuPercent.toFixed(1)}%`}  RSS ${formatMemory(summary.rssKiB)}`,
    });
  }

  lines.push(
    {text: `${label('vCPUs')}${details.vcpus}`},
    {text: `${label('Memory')}${formatMemory(details.memoryKiB)}`},
    {text: `${label('Autostart')}${details.autostart ? 'yes (started at host boot)' : 'no'}  (a toggles)`},
    {text: `${label('Boot')}${details.boot}`, hang: 11},
    {text: `${label('UUID')}${details.uuid}`, dim: true},
    {text: `${label('Definition')}${details.file}`, dim: true, hang: 11},
  );
  if (summary !== undefined && summary.problemCount > 0) {
    lines.push({text: `! ${summary.problemCount} problem${summary.problemCount === 1 ? '' : 's'} — e shows them`, color: 'red', bold: true});
  }

  lines.push(blank, heading(`Disks (${details.disks.length})`));
  if (details.disks.length === 0) {
    lines.push({text: '  none', dim: true});
  }

  for (const disk of details.disks) {
    const missing = disk.exists === false;
    lines.push({
      text: `  ${disk.target.padEnd(5)} ${disk.bus.padEnd(7)} ${disk.device.padEnd(6)} ${disk.source ?? '(no source)'}${missing ? '  ✘ missing' : ''}`,
      color: missing ? 'red' : undefined,
      hang: 23,
    });
  }

  lines.push(blank, heading(`Network (${details.nics.length})`));
  if (details.nics.length === 0) {
    lines.push({text: '  none', dim: true});
  }

  for (const nic of details.nics) {
    const where = nic.bridge === undefined ? nic.type : `bridge ${nic.bridge}`;
    const tap = nic.tap === undefined ? 'tap created at start' : `tap ${nic.tap}`;
    lines.push({text: `  ${(nic.model ?? '').padEnd(9)} ${where} ← ${tap}${nic.mac === undefined ? '' : `  mac ${nic.mac}`}`, hang: 12});
  }

  lines.push(blank, heading('Console'));
  if (details.consoles.length === 0) {
    lines.push({text: "  no serial console (<serial type='nmdm'>)", dim: true});
  }

  for (const console of details.consoles) {
    lines.push({text: `  ${console.slave}  (bhyve holds ${console.master}; c attaches, Ctrl-] leaves)`, hang: 4});
  }

  if (details.vnc !== undefined) {
    const vnc = details.vnc;
    lines.push(blank, heading('VNC'), {text: `  ${vnc.listen}:${vnc.port}  ${vnc.password ? 'password set' : 'no password'}`});
    if (vnc.warning !== undefined) {
      lines.push({text: `  ⚠ ${vnc.warning}`, color: 'yellow', bold: true, hang: 4});
    }
  }

  lines.push(blank, heading("A start would run (libvirt's domxml-to-native; bhyveload also gets the console)"));
  if (details.commands === undefined) {
    lines.push({text: `  ✘ ${details.commandsError ?? 'no preview available'}`, color: 'red', hang: 4});
  } else {
    if (details.commands.loader !== undefined) {
      lines.push({text: `  $ ${details.commands.loader}`, hard: true, hang: 4});
    }

    lines.push({text: `  $ ${details.commands.bhyve}`, hard: true, hang: 4});
  }

  return lines;
}
