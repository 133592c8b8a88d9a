// Host readiness, as `virt-host-validate bhyve` checks it: each kernel module bhyve needs
// (loaded, compiled in, missing, or loaded-but-failed, which means no hardware
// virtualization), net.link.tap.up_on_open and the CPU's virtualization support. A missing
// module shows the kldload line (K runs it after a confirmation) and the `sysrc kld_list+=`
// line that makes it persistent. Wide terminals get a side panel; narrow ones a strip
// under the list.
// This file holds what the panel says, as plain data; HostPanel.tsx draws it.
import type {HostCheck, HostStatus, ModuleStatus} from '../../driver/client/connection.js';
import {truncate, wrapWords} from './format.js';
import {errorStatus} from '../state/status.js';

export const HOST_PANEL_WIDTH = 38;

export interface HostLine {
  text: string;
  color?: string;
  bold?: boolean;
  dim?: boolean;
}

export type ModuleCondition = NonNullable<ModuleStatus['detail']>;

export function moduleCondition(module: ModuleStatus): ModuleCondition {
  return module.detail ?? (module.loaded ? 'loaded' : 'missing');
}

/** The module K offers to load: the first one that is missing (a failed one cannot be fixed by kldload). */
export function loadableModule(host: HostStatus | undefined): ModuleStatus | undefined {
  return host?.modules.find((module) => moduleCondition(module) === 'missing');
}

/** A module kldload cannot load: where its file was looked for. */
export function noFileText(module: ModuleStatus): string {
  return `no ${module.name}.ko in ${module.searched ?? 'kern.module_path'}`;
}

const conditionText: Record<ModuleCondition, string> = {
  loaded: 'loaded',
  'compiled in': 'compiled in',
  missing: 'missing',
  'no file': 'no module file',
  failed: 'failed',
};

function wrapped(text: string, width: number, style: Omit<HostLine, 'text'>, indent = ''): HostLine[] {
  return wrapWords(text, Math.max(1, width - indent.length)).map((line, index) => ({...style, text: (index === 0 ? '' : indent) + line}));
}

/** A block of lines two columns in (wrapped's first line is not indented). */
function indented(text: string, width: number, style: Omit<HostLine, 'text'>): HostLine[] {
  return wrapWords(text, Math.max(1, width - 2)).map((line) => ({...style, text: `  ${line}`}));
}

/** host-validate's checks other than the CPU and the modules (which have lines of their own). */
function otherChecks(host: HostStatus): HostCheck[] | undefined {
  return host.checks?.filter((check) => check.id !== 'cpu' && !check.id.startsWith('module:'));
}

/** A WARN or FAIL: its title, what was found (one line) and the fix. */
function problemLines(check: HostCheck, width: number): HostLine[] {
  const fail = check.status === 'FAIL';
  return [
    {text: `${fail ? '✘' : '!'} ${check.title}`, color: fail ? 'red' : 'yellow', bold: true},
    {text: truncate(`  ${check.detail}`, width), dim: true},
    ...(check.fix === undefined ? [] : wrapWords(check.fix, Math.max(1, width - 2)).map((line) => ({text: `  ${line}`, color: 'yellow'}))),
  ];
}

const unique = (items: string[]): string[] => [...new Set(items)];
const dirOf = (file: string): string => file.slice(0, Math.max(1, file.lastIndexOf('/')));
const baseOf = (file: string): string => file.slice(file.lastIndexOf('/') + 1);

/** Logs the daemon cannot write (a full disk): paused; the consoles keep working. */
function loggingLines(host: HostStatus, width: number): HostLine[] {
  const paused = host.loggingPaused ?? [];
  if (paused.length === 0) {
    return [];
  }

  const what = paused.length === 1 ? baseOf(paused[0]!.file) : `${paused.length} logs`;
  return [
    ...wrapped(`! Logging paused: ${what}`, width, {color: 'yellow', bold: true}, '  '),
    {text: truncate(`  ${unique(paused.map((p) => p.cause)).join('; ')}`, width), dim: true},
    ...wrapWords(`free space in ${unique(paused.map((p) => dirOf(p.file))).join(', ')}`, Math.max(1, width - 2)).map((line) => ({
      text: truncate(`  ${line}`, width),
      color: 'yellow',
    })),
    {text: '  the consoles keep working', dim: true},
  ];
}

/** The side panel's lines, each at most `width` cells. */
export function hostLines(host: HostStatus | undefined, error: unknown, width = HOST_PANEL_WIDTH - 4): HostLine[] {
  const lines: HostLine[] = [{text: 'Host', bold: true}];
  if (host === undefined) {
    lines.push(error === undefined ? {text: 'Checking…', dim: true} : {text: `✘ ${errorStatus(error).text}`, color: 'red'});
    return lines;
  }

  lines.push({text: `CPUs  ${host.ncpu ?? '?'}`});
  const cpu = host.checks?.find((check) => check.id === 'cpu');
  if (cpu !== undefined && cpu.status !== 'PASS') {
    lines.push(...problemLines(cpu, width));
  } else if (cpu !== undefined) {
    lines.push(...wrapped(`CPU   ${cpu.detail}`, width, {dim: true}, '      '));
  } else if (host.virtualization !== undefined) {
    lines.push(...wrapped(`CPU   ${host.virtualization}`, width, {dim: true}, '      '));
  }

  const labelWidth = Math.max(...host.modules.map((module) => module.label.length), 4);
  for (const module of host.modules) {
    const condition = moduleCondition(module);
    const ok = condition === 'loaded' || condition === 'compiled in';
    const label =
      module.label.length + 3 + conditionText[condition].length <= width
        ? module.label.padEnd(Math.min(labelWidth, width - 3 - conditionText[condition].length))
        : module.label;
    lines.push({text: `${ok ? '✔' : '✘'} ${label} ${conditionText[condition]}`, color: ok ? 'green' : 'red', bold: !ok});
    if (condition === 'missing') {
      lines.push(
        {text: `  ${module.fix ?? `kldload ${module.name}`}`, color: 'yellow'},
        {text: `  ${module.persist ?? `sysrc kld_list+=${module.name}`}`, dim: true},
      );
    } else if (condition === 'no file') {
      lines.push(...indented(noFileText(module), width, {dim: true}), ...indented(module.fix ?? '', width, {color: 'yellow'}));
    } else if (condition === 'failed') {
      lines.push(...wrapped('  no hardware virtualization (VT-x/AMD-V): bhyve cannot run', width, {color: 'yellow'}, '  '));
    }
  }

  const others = otherChecks(host);
  if (others !== undefined) {
    for (const check of others.filter((check) => check.status !== 'PASS')) {
      lines.push(...problemLines(check, width));
    }

    const passing = others.filter((check) => check.status === 'PASS').length;
    if (passing > 0) {
      lines.push({text: `✔ ${passing} more check${passing === 1 ? '' : 's'} pass`, color: 'green', dim: true});
    }
  } else if (host.tapUpOnOpen !== undefined) {
    if (host.tapUpOnOpen) {
      lines.push({text: '✔ tap up_on_open=1', color: 'green'});
    } else {
      lines.push({text: '! tap up_on_open=0', color: 'yellow', bold: true}, {text: '  sysctl net.link.tap.up_on_open=1', color: 'yellow'});
    }
  }

  lines.push(...loggingLines(host, width));

  if (loadableModule(host) !== undefined) {
    lines.push({text: 'K loads the missing module', dim: true});
  }

  if (error !== undefined) {
    lines.push({text: `✘ ${errorStatus(error).text}`, color: 'red'});
  }

  return lines;
}

/** The narrow form: one summary line, then one line per thing to fix. */
export function hostStripLines(host: HostStatus | undefined, error: unknown, width: number): HostLine[] {
  if (host === undefined) {
    return [error === undefined ? {text: 'Host: checking…', dim: true} : {text: `✘ Host: ${errorStatus(error).text}`, color: 'red'}];
  }

  const parts = host.modules.map((module) => {
    const condition = moduleCondition(module);
    return `${module.label} ${condition === 'loaded' || condition === 'compiled in' ? '✔' : '✘'}`;
  });
  const others = otherChecks(host);
  if (others !== undefined) {
    const problems = others.filter((check) => check.status !== 'PASS').length;
    parts.push(problems === 0 ? 'checks ✔' : `${problems} to fix`);
  } else if (host.tapUpOnOpen !== undefined) {
    parts.push(`up_on_open ${host.tapUpOnOpen ? '✔' : '✘'}`);
  }

  parts.push(`CPUs ${host.ncpu ?? '?'}`);
  const lines: HostLine[] = [{text: truncate(parts.join('  '), width), dim: true}];
  for (const module of host.modules) {
    const condition = moduleCondition(module);
    if (condition === 'missing') {
      lines.push(
        ...wrapped(
          `✘ ${module.label} missing: ${module.fix ?? `kldload ${module.name}`} (K) · at boot: ${module.persist ?? `sysrc kld_list+=${module.name}`}`,
          width,
          {color: 'red'},
          '  ',
        ),
      );
    } else if (condition === 'no file') {
      lines.push(...wrapped(`✘ ${module.label} missing: ${noFileText(module)}; ${module.fix ?? ''}`, width, {color: 'red'}, '  '));
    } else if (condition === 'failed') {
      lines.push(...wrapped(`✘ ${module.label} failed: no hardware virtualization (VT-x/AMD-V)`, width, {color: 'red'}, '  '));
    }
  }

  if (others !== undefined) {
    for (const check of [...(host.checks ?? []).filter((check) => check.id === 'cpu'), ...others].filter((check) => check.status !== 'PASS')) {
      const fail = check.status === 'FAIL';
      lines.push(...wrapped(`${fail ? '✘' : '!'} ${check.title}: ${check.fix ?? check.detail}`, width, {color: fail ? 'red' : 'yellow'}, '  '));
    }
  } else if (host.tapUpOnOpen === false) {
    lines.push({text: truncate('! taps stay down: sysctl net.link.tap.up_on_open=1', width), color: 'yellow'});
  }

  const paused = host.loggingPaused ?? [];
  if (paused.length > 0) {
    const codes = unique(paused.map((p) => /\(([A-Z0-9]+)\)$/.exec(p.cause)?.[1] ?? p.cause));
    lines.push(
      ...wrapped(
        `! logging paused (${codes.join(', ')}): free space in ${unique(paused.map((p) => dirOf(p.file))).join(', ')}`,
        width,
        {color: 'yellow'},
        '  ',
      ),
    );
  }

  if (error !== undefined) {
    lines.push({text: truncate(`✘ ${errorStatus(error).text}`, width), color: 'red'});
  }

  return lines;
}
