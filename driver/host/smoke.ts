// `bhyve-tui host-validate --smoke`: one throw-away guest through the whole product path,
// for anyone with a FreeBSD box to see that it works there. It needs no disk image:
// bhyveload boots the host's own kernel from `-h /`; with no disk to mount root from,
// the kernel stops at its mountroot> prompt, which is far enough to prove the VM, the
// loader, the console and supervision work. Then: ACPI shutdown, a second start and a
// destroy, undefine, and a check that nothing is left behind.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import type {Connection, DomainSummary} from '../client/connection.js';
import type {HostLayout} from './layout.js';
import {runTool} from './tools.js';
import type {CheckStatus} from './validate.js';

export interface SmokeStep {
  status: CheckStatus;
  title: string;
  detail: string;
}

/** Kernel messages: the copyright banner every FreeBSD kernel prints first. */
const kernelBanner = /FreeBSD is a registered trademark of The FreeBSD Foundation\.|Copyright \(c\) 1992-\d{4} The FreeBSD Project\./;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function firstBridge(layout: HostLayout): Promise<string | undefined> {
  const r = await runTool(layout, 'ifconfig', ['-l']);
  return r.exitCode === 0
    ? r.stdout
        .trim()
        .split(/\s+/)
        .find((n) => /^bridge\d+$/.test(n))
    : undefined;
}

/**
 * libvirt's bhyve driver wants a disk in every domain that has a loader (bhyve_command.c);
 * an empty scratch file is enough: the kernel comes from the host.
 */
function smokeDomainXml(name: string, consoleBase: string, scratch: string, bridge: string | undefined): string {
  const nic = bridge ? `    <interface type='bridge'>\n      <model type='virtio'/>\n      <source bridge='${bridge}'/>\n    </interface>\n` : '';
  return `<domain type='bhyve'>
  <name>${name}</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <bootloader_args>-m 256M -c ${consoleBase}A -h / -e autoboot_delay=0 ${name}</bootloader_args>
  <os>
    <type>hvm</type>
  </os>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <disk type='file' device='disk'>
      <driver name='file' type='raw'/>
      <source file='${scratch}'/>
      <target dev='vda' bus='virtio'/>
    </disk>
${nic}    <serial type='nmdm'>
      <source master='${consoleBase}A' slave='${consoleBase}B'/>
    </serial>
  </devices>
</domain>
`;
}

async function waitState(conn: Connection, name: string, ok: (d: DomainSummary) => boolean, ms: number): Promise<DomainSummary | undefined> {
  const deadline = Date.now() + ms;
  for (;;) {
    const d = (await conn.listDomains()).find((x) => x.name === name);
    if (d && ok(d)) return d;
    if (Date.now() > deadline) return d;
    await sleep(200);
  }
}

/** Runs the smoke test; each step is reported as it ends. Resolves with true when every step passed. */
export async function runSmoke(conn: Connection, layout: HostLayout, report: (s: SmokeStep) => void): Promise<boolean> {
  let failed = false;
  const step = (status: CheckStatus, title: string, detail: string) => {
    if (status === 'FAIL') failed = true;
    report({status, title, detail});
  };
  const name = `bhyve-tui-smoke-${crypto.randomBytes(3).toString('hex')}`;
  const consoleBase = `/dev/nmdm-${name}.1`;
  const bridge = await firstBridge(layout);
  const taps = new Set<string>();
  const scratch = `/var/tmp/${name}.img`;
  let defined = false;

  try {
    fs.mkdirSync(path.dirname(layout.resolve(scratch)), {recursive: true});
    const fd = fs.openSync(layout.resolve(scratch), 'wx', 0o600);
    fs.ftruncateSync(fd, 1024 * 1024);
    fs.closeSync(fd);
    await conn.define(smokeDomainXml(name, consoleBase, scratch, bridge));
    defined = true;
    step(
      'PASS',
      'define',
      `${name}: bhyveload -h / (the host's kernel), 256 MiB, an empty 1 MiB disk, console ${consoleBase}B${bridge ? `, a NIC on ${bridge}` : ''}`,
    );
    if (!bridge) step('WARN', 'network', 'no bridge on this host: taps not exercised (ifconfig bridge0 create up)');

    let t0 = Date.now();
    await conn.start(name);
    for (const tap of (await conn.domainDetails(name)).nics.map((n) => n.tap).filter((x): x is string => !!x)) taps.add(tap);
    step('PASS', 'start', `loader and bhyve up in ${((Date.now() - t0) / 1000).toFixed(1)} s${taps.size ? `; ${[...taps].join(', ')} on ${bridge}` : ''}`);

    // The console from the daemon: the scrollback holds what the kernel printed so far.
    const chan = await conn.openConsole(name, {readonly: true});
    let text = '';
    let ended = false;
    chan.onData((b) => (text += b.toString('latin1')));
    chan.onEnd(() => (ended = true));
    const deadline = Date.now() + 60_000;
    while (!kernelBanner.test(text) && !ended && Date.now() < deadline) await sleep(100);
    chan.close();
    const release = /^FreeBSD (\d+\.\d+-\S+) /m.exec(text)?.[1];
    if (kernelBanner.test(text)) step('PASS', 'console', `kernel messages on ${consoleBase}B${release ? ` (FreeBSD ${release})` : ''}`);
    else
      step(
        'FAIL',
        'console',
        ended ? 'the console ended before any kernel message' : `no kernel message within 60 s; last output: ${JSON.stringify(text.slice(-80))}`,
      );

    t0 = Date.now();
    const acpiS = 20;
    await conn.shutdown(name, {timeoutS: acpiS});
    const off = await waitState(conn, name, (d) => d.state === 'shut off' || d.state === 'crashed', 45_000);
    const tookS = (Date.now() - t0) / 1000;
    // A kernel at its mountroot> prompt powers off at once on the ACPI button.
    if (off?.state === 'shut off' && tookS < acpiS) step('PASS', 'shutdown', `ACPI power button: off in ${tookS.toFixed(1)} s`);
    else if (off?.state === 'shut off') step('WARN', 'shutdown', `the guest ignored the ACPI power button: forced off after ${tookS.toFixed(0)} s`);
    else step('FAIL', 'shutdown', `still ${off?.state ?? 'unknown'} 45 s after the ACPI power button`);

    await conn.start(name);
    for (const tap of (await conn.domainDetails(name)).nics.map((n) => n.tap).filter((x): x is string => !!x)) taps.add(tap);
    t0 = Date.now();
    await conn.destroy(name);
    const gone = await waitState(conn, name, (d) => d.state === 'shut off', 10_000);
    step(
      gone?.state === 'shut off' ? 'PASS' : 'FAIL',
      'destroy',
      gone?.state === 'shut off' ? `started again, destroyed in ${((Date.now() - t0) / 1000).toFixed(1)} s` : `still ${gone?.state}`,
    );
  } catch (e) {
    step('FAIL', 'run', (e as Error).message);
    // Leave the host as it was, whatever happened.
    await conn.destroy(name).catch(() => {});
  } finally {
    if (defined) {
      try {
        await conn.undefine(name);
        step('PASS', 'undefine', name);
      } catch (e) {
        step('FAIL', 'undefine', (e as Error).message);
      }
    }
    fs.rmSync(layout.resolve(scratch), {force: true});
  }
  step(...(await leftovers(layout, name, consoleBase, taps)));
  if (!failed) {
    // Throw-away logs of a run that went well.
    for (const f of [`${name}.log`, `${name}.console.log`, `${name}.console.log.1`]) fs.rmSync(path.join(layout.logDir, f), {force: true});
  }
  return !failed;
}

/** Whatever a stopped guest must not leave: its taps, its VM, its nmdm pair, its run files. */
async function leftovers(layout: HostLayout, name: string, consoleBase: string, taps: Set<string>): Promise<[CheckStatus, string, string]> {
  const left: string[] = [];
  // nmdm(4) destroys a pair once both sides are closed; give the last close a moment.
  const deadline = Date.now() + 5000;
  const nodes = () => ['A', 'B'].map((s) => `${consoleBase}${s}`).filter((p) => fs.existsSync(layout.resolve(p)));
  while (nodes().length > 0 && Date.now() < deadline) await sleep(200);
  left.push(...nodes());
  if (fs.existsSync(path.join(layout.vmmDir, name))) left.push(`/dev/vmm/${name}`);
  const ifaces = (await runTool(layout, 'ifconfig', ['-l'])).stdout.trim().split(/\s+/);
  for (const t of taps) if (ifaces.includes(t)) left.push(`tap ${t}`);
  let run: string[] = [];
  try {
    run = fs.readdirSync(layout.runDir).filter((f) => f.startsWith(`${name}.`) || f === `grub_bhyve-${name}-device.map`);
  } catch {
    // no run directory
  }
  left.push(...run.map((f) => path.posix.join('/var/run/bhyve-tui', f)));
  return left.length === 0
    ? ['PASS', 'cleanup', 'nothing left: no tap, /dev/vmm entry, nmdm device or run file']
    : ['FAIL', 'cleanup', `left behind: ${left.join(', ')}`];
}
