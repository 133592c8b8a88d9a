// The host's bhyve capabilities through real processes (audit item 9): the daemon probes
// the simulated bhyve once per start as libvirt does, keeps the answer keyed by the binary's
// identity, and start, domxml-to-native, the details view and domcapabilities use it — so
// the same domain gets libvirt's "unsupported configuration" on an older host.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import {spawnSync} from 'node:child_process';
import {cli, cliBundle, daemonPid, eventually, fastSimHost} from '../../helpers/sim-dir.js';
import {openConnection} from '../../../driver/client/daemon-client.js';
import {pidAlive} from '../../../driver/host/process-alive.js';
import {updateHostStateSync, type HostState} from '../../../driver/sim/host-state.js';
import {simLayout} from '../../../driver/sim/layout.js';
import type {DomainDetails, DomainSummary, HostCapabilities, HostStatus} from '../../../driver/client/connection.js';
import {capsFromProbeOutputs} from '../../../driver/bhyve/capabilities.js';

const ALL = ['RTC_UTC', 'AHCI32SLOT', 'NET_E1000', 'LPC_BOOTROM', 'FBUF', 'XHCI', 'CPUTOPOLOGY', 'SOUND_HDA', 'VNC_PASSWORD', 'VIRTIO_9P', 'VIRTIO_RND'];
const OF_10_4 = ['RTC_UTC', 'AHCI32SLOT', 'NET_E1000', 'LPC_BOOTROM', 'VIRTIO_RND'];
const TOPOLOGY_ERROR = 'unsupported configuration: Installed bhyve binary does not support defining CPU topology';

const domainsDir = (dir: string) => path.join(dir, 'usr/local/etc/bhyve-tui/domains');
const setRelease = (dir: string, osrelease: string) => updateHostStateSync(dir, (s) => void (s.osrelease = osrelease));

/** The CLI with its stderr also on success (warnings). */
function run(dir: string, args: string[]): {status: number; stdout: string; stderr: string} {
  const r = spawnSync(process.execPath, [cliBundle, '-c', `sim://${dir}`, ...args], {encoding: 'utf8', input: ''});
  return {status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr};
}

/** The daemon stops (SIGTERM); the next client starts a new one, which runs ensureSimHost. */
async function stopDaemon(dir: string): Promise<void> {
  const pid = daemonPid(dir);
  process.kill(pid, 'SIGTERM');
  await eventually('the daemon to exit', () => !pidAlive(pid));
}

/** How often bhyve was run as `bhyve -h`, libvirt's first probe, per the sim's own log. */
function probeRuns(dir: string): number {
  let text = '';
  try {
    text = fs.readFileSync(simLayout(dir).invocations, 'utf8');
  } catch {
    return 0;
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as {tool: string; argv: string[]})
    .filter((l) => l.tool === 'bhyve' && l.argv.join(' ') === '-h').length;
}

async function withConnection<T>(dir: string, fn: (c: Awaited<ReturnType<typeof openConnection>>) => Promise<T>): Promise<T> {
  const c = await openConnection(`sim://${dir}`);
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}

const capabilities = (dir: string) => withConnection(dir, (c) => c.capabilities()) as Promise<HostCapabilities>;
const hostStatus = (dir: string) => withConnection(dir, (c) => c.hostStatus()) as Promise<HostStatus>;
const details = (dir: string, name: string) => withConnection(dir, (c) => c.domainDetails(name)) as Promise<DomainDetails>;
const summary = (dir: string, name: string) => (JSON.parse(cli(dir, ['list', '--all', '--json']).stdout) as DomainSummary[]).find((d) => d.name === name)!;

/** web1 with two vCPUs as one socket of two cores: needs CPUTOPOLOGY. */
function defineTopologyDomain(dir: string): string {
  const xml = fs
    .readFileSync(path.join(domainsDir(dir), 'web1.xml'), 'utf8')
    .replace('<name>web1</name>', '<name>topo1</name>')
    .replace(/<uuid>[^<]*<\/uuid>/, '<uuid>5c0ad6d6-5e61-4b0d-9a43-59b1d2b0f0aa</uuid>')
    .replace('<vcpu>1</vcpu>', "<vcpu>2</vcpu>\n  <cpu>\n    <topology sockets='1' cores='2' threads='1'/>\n  </cpu>")
    .replaceAll('nmdm-web1.1', 'nmdm-topo1.1');
  const file = path.join(domainsDir(dir), 'topo1.xml');
  fs.writeFileSync(file, xml);
  return file;
}

/** A UEFI guest with a VNC framebuffer: needs LPC_BOOTROM and FBUF. */
function vncDomain(dir: string): string {
  const file = path.join(dir, 'vnc1.xml');
  fs.writeFileSync(
    file,
    `<domain type='bhyve'>
  <name>vnc1</name>
  <uuid>5c0ad6d6-5e61-4b0d-9a43-59b1d2b0f0ab</uuid>
  <memory unit='KiB'>524288</memory>
  <vcpu>1</vcpu>
  <os>
    <type>hvm</type>
    <loader readonly='yes' type='pflash'>/usr/local/share/uefi-firmware/BHYVE_UEFI.fd</loader>
  </os>
  <devices>
    <disk type='file' device='disk'>
      <source file='/vm/web1/disk0.img'/>
      <target dev='hda' bus='sata'/>
    </disk>
    <graphics type='vnc' port='5904'>
      <listen type='address' address='127.0.0.1'/>
    </graphics>
    <video>
      <model type='gop'/>
    </video>
  </devices>
</domain>
`,
  );
  return file;
}

/** Processes of this simulated host whose command line names the domain (a loader or bhyve). */
function processesFor(dir: string, name: string): number[] {
  const pids: number[] = [];
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (!cmd.includes(name) && !cmd.some((a) => a.startsWith(`bhyve: ${name}`))) continue;
      if (fs.readFileSync(`/proc/${pid}/environ`, 'utf8').includes(`BHYVE_SIM_ROOT=${dir}`)) pids.push(Number(pid));
    } catch {
      // gone
    }
  }
  return pids;
}

const taps = (dir: string) =>
  (JSON.parse(fs.readFileSync(path.join(dir, 'host.json'), 'utf8')) as HostState).interfaces.filter((i) => i.driver === 'tap').map((i) => i.name);

test('a device missing from a config-tree bhyve (pci slot B:S:F form) is missing, as in the S:F form libvirt matches', (t) => {
  const usage = 'Usage: bhyve [-aCDeHhPSuWwxY]\n       -u: RTC keeps UTC time\n';
  const probe = (missing: string) => ({
    help: usage,
    ahci: usage,
    e1000: usage,
    bootrom: 'bhyve: invalid bootrom option "bootrom"\n',
    fbuf: usage,
    xhci: usage,
    hda: missing,
    fbufPassword: usage,
    virtio9p: usage,
    virtioRnd: usage,
    grubHelp: '  -c, --cons-dev=cons-dev    a tty(4) device to use for terminal I/O\n',
  });
  for (const missing of ['pci slot 0:0:0: unknown device "hda"\n', 'pci slot 0:0: unknown device "hda"\n']) {
    const got = capsFromProbeOutputs(probe(missing));
    t.false(got.caps.has('SOUND_HDA'), missing);
    t.deepEqual([...got.caps].sort(), ALL.filter((c) => c !== 'SOUND_HDA').sort(), missing);
    t.true(got.grubCaps.has('CONSDEV'));
  }
});

test.serial("each release: the daemon probes its bhyve once and answers with libvirt's caps", async (t) => {
  t.timeout(300_000);
  const dir = fastSimHost(t, 'caps-releases');
  const expected: [string, string[], string][] = [
    ['14.2-RELEASE', ALL, '14.2-RELEASE: all 11 bhyve capabilities'],
    ['13.2-RELEASE', ALL, '13.2-RELEASE: all 11 bhyve capabilities'],
    ['15.0-RELEASE', ALL, '15.0-RELEASE: all 11 bhyve capabilities'],
    ['10.4-RELEASE', OF_10_4, '10.4-RELEASE: 5 of 11 bhyve capabilities, no FBUF, XHCI, CPUTOPOLOGY, SOUND_HDA, VNC_PASSWORD, VIRTIO_9P'],
  ];
  let runs = 0;
  for (const [release, caps, line] of expected) {
    if (release !== '14.2-RELEASE') {
      setRelease(dir, release);
      await stopDaemon(dir);
    }
    const got = await capabilities(dir);
    t.is(got.release, release);
    t.deepEqual(got.caps, caps, release);
    t.deepEqual(got.grubCaps, ['CONSDEV'], release);
    t.false(got.fromCache, `${release}: a new bhyve is probed`);
    t.is(got.problem, undefined);
    t.is(got.bhyve?.path, path.join(dir, 'usr/sbin/bhyve'));
    t.is((await hostStatus(dir)).bhyveCapabilities, line);
    t.is(probeRuns(dir), ++runs, `${release}: exactly one probe`);
  }
});

test.serial('probed once per daemon start; a restarted daemon reuses the answer while bhyve is unchanged; a changed bhyve is probed again', async (t) => {
  t.timeout(300_000);
  const dir = fastSimHost(t, 'caps-cache');
  const first = await capabilities(dir);
  t.false(first.fromCache);
  t.is(probeRuns(dir), 1);
  // more requests and verbs of the same daemon: no new probe
  await capabilities(dir);
  t.is(cli(dir, ['domcapabilities']).status, 0);
  t.is(cli(dir, ['domxml-to-native', 'bhyve-argv', path.join(domainsDir(dir), 'web1.xml')]).status, 0);
  t.is(probeRuns(dir), 1);
  const cacheFile = path.join(dir, 'var/run/bhyve-tui/bhyve-caps.json');
  t.is(fs.statSync(cacheFile).mode & 0o777, 0o600);

  await stopDaemon(dir);
  const again = await capabilities(dir);
  t.true(again.fromCache, 'a new daemon, the same bhyve: the cached answer');
  t.deepEqual(again.caps, first.caps);
  t.is(probeRuns(dir), 1);
  t.regex(fs.readFileSync(path.join(dir, 'var/log/bhyve-tui/daemon.log'), 'utf8'), /bhyve capabilities from cache \(14\.2-RELEASE, /);

  // bhyve replaced while the daemon runs (same size, new mtime): the next request probes it
  const bhyve = path.join(dir, 'usr/sbin/bhyve');
  const later = new Date(Date.now() + 60_000);
  fs.utimesSync(bhyve, later, later);
  const changed = await capabilities(dir);
  t.false(changed.fromCache);
  t.is(probeRuns(dir), 2);
  await stopDaemon(dir);
  t.true((await capabilities(dir)).fromCache);
  t.is(probeRuns(dir), 2);
});

test.serial("the same domain on a 10.4 host: libvirt's error from domxml-to-native, the details view and start; on 14.2 its command line", async (t) => {
  t.timeout(300_000);
  const dir = fastSimHost(t, 'caps-domain');
  const topo = defineTopologyDomain(dir);
  const vnc = vncDomain(dir);
  const web1 = path.join(domainsDir(dir), 'web1.xml');

  // 14.2: command lines, and the guest starts
  let r = cli(dir, ['domxml-to-native', 'bhyve-argv', topo]);
  t.is(r.status, 0, r.stderr);
  t.regex(r.stdout, / -c cpus=2,sockets=1,cores=2,threads=1 /);
  t.regex(cli(dir, ['domxml-to-native', 'bhyve-argv', vnc]).stdout, / -s \d+:0,fbuf,tcp=127\.0\.0\.1:5904 /);
  const web1On14 = cli(dir, ['domxml-to-native', 'bhyve-argv', web1]).stdout.replace(/mac=[0-9a-f:]+/, 'mac=M');
  t.regex((await details(dir, 'topo1')).commands?.bhyve ?? '', / -c cpus=2,sockets=1,cores=2,threads=1 /);
  r = cli(dir, ['start', 'topo1']);
  t.is(r.status, 0, r.stderr);
  t.is(summary(dir, 'topo1').state, 'running');
  t.is(cli(dir, ['destroy', 'topo1']).status, 0);

  // the same host on 10.4 (its bhyve replaced): libvirt's "unsupported configuration"
  setRelease(dir, '10.4-RELEASE');
  await stopDaemon(dir);
  r = cli(dir, ['domxml-to-native', 'bhyve-argv', topo]);
  t.is(r.status, 1);
  t.is(r.stdout, '');
  t.is(r.stderr, `error: ${TOPOLOGY_ERROR}\n`);
  r = cli(dir, ['domxml-to-native', 'bhyve-argv', vnc]);
  t.is(r.stderr, 'error: unsupported configuration: Bhyve version does not support framebuffer\n');
  // a domain that needs nothing 10.4 lacks keeps its command line
  t.is(cli(dir, ['domxml-to-native', 'bhyve-argv', web1]).stdout.replace(/mac=[0-9a-f:]+/, 'mac=M'), web1On14);

  const seen = await details(dir, 'topo1');
  t.is(seen.commands, undefined);
  t.is(seen.commandsError, TOPOLOGY_ERROR);

  const tapsBefore = taps(dir);
  const bhyveRunsBefore = fs.readFileSync(simLayout(dir).invocations, 'utf8');
  r = cli(dir, ['start', 'topo1']);
  t.is(r.status, 1);
  t.is(r.stderr, `error: cannot start 'topo1': ${TOPOLOGY_ERROR}\n`);
  // nothing left behind: no loader or bhyve ran, no VM instance, no tap, shut off
  const after = summary(dir, 'topo1');
  t.is(after.state, 'shut off');
  t.is(after.lastError, `cannot start 'topo1': ${TOPOLOGY_ERROR}`);
  t.deepEqual(processesFor(dir, 'topo1'), []);
  t.false(fs.existsSync(path.join(dir, 'dev/vmm/topo1')));
  t.deepEqual(taps(dir), tapsBefore);
  t.is(fs.readFileSync(simLayout(dir).invocations, 'utf8'), bhyveRunsBefore, 'bhyve never ran for it');
  t.false(fs.existsSync(path.join(dir, 'var/run/bhyve-tui/topo1.json')), 'no run record');
});

test.serial("domcapabilities: graphics and video only where bhyve has fbuf, the firmware directory's files, libvirt's argument checks", async (t) => {
  t.timeout(300_000);
  const dir = fastSimHost(t, 'caps-domcaps');
  const fw = path.join(dir, 'usr/local/share/uefi-firmware');
  fs.mkdirSync(fw, {recursive: true});
  fs.writeFileSync(path.join(fw, 'BHYVE_UEFI.fd'), '');
  let r = run(dir, ['domcapabilities']);
  t.is(r.status, 0, r.stderr);
  t.is(r.stderr, '');
  t.regex(r.stdout, /^<domainCapabilities>\n {2}<path>\/usr\/sbin\/bhyve<\/path>\n {2}<domain>bhyve<\/domain>\n {2}<arch>x86_64<\/arch>\n/);
  t.regex(r.stdout, /<loader supported='yes'>\n\s+<value>\/usr\/local\/share\/uefi-firmware\/BHYVE_UEFI\.fd<\/value>/);
  t.regex(r.stdout, /<graphics supported='yes'>/);
  t.regex(r.stdout, /<video supported='yes'>/);
  t.regex(r.stdout, /<rng supported='yes'>/);
  t.true(r.stdout.endsWith('</domainCapabilities>\n'));
  const on14 = r.stdout;

  setRelease(dir, '10.4-RELEASE');
  await stopDaemon(dir);
  r = cli(dir, ['domcapabilities']);
  t.is(r.status, 0, r.stderr);
  t.not(r.stdout, on14);
  t.regex(r.stdout, /<graphics supported='no'\/>\n\s+<video supported='no'\/>/);
  t.regex(r.stdout, /<loader supported='yes'>/, '10.4 has the UEFI boot ROM');

  t.is(cli(dir, ['domcapabilities', '--virttype', 'kvm']).stderr, 'error: invalid argument: unknown virttype: kvm\n');
  t.is(cli(dir, ['domcapabilities', '--arch', 'vax']).stderr, 'error: invalid argument: unknown architecture: vax\n');
  t.is(
    cli(dir, ['domcapabilities', '--arch', 'aarch64']).stderr,
    'error: this function is not supported by the connection driver: unsupported architecture: aarch64\n',
  );
  t.regex(
    cli(dir, ['domcapabilities', '--emulatorbin', '/opt/bhyve', '--arch', 'i686']).stdout,
    /<path>\/opt\/bhyve<\/path>\n {2}<domain>bhyve<\/domain>\n {2}<arch>i686<\/arch>/,
  );
  t.regex(cli(dir, ['--help']).stdout, /^ {2}domcapabilities \[--virttype TYPE\]/m);
});

test.serial('no bhyve, or one that cannot be probed: no caps, and every verb that builds a command line says why', async (t) => {
  t.timeout(300_000);
  const dir = fastSimHost(t, 'caps-missing');
  await capabilities(dir);
  const bhyve = path.join(dir, 'usr/sbin/bhyve');
  fs.rmSync(bhyve);
  const missing = `bhyve not found (${bhyve})`;
  const got = await capabilities(dir);
  t.deepEqual(got.caps, []);
  t.is(got.problem, missing);
  t.is((await hostStatus(dir)).bhyveCapabilities, `unknown: ${missing}`);
  let r = cli(dir, ['start', 'web1']);
  t.is(r.status, 1);
  t.is(r.stderr, `error: cannot start 'web1': ${missing}\n`);
  t.is(summary(dir, 'web1').state, 'shut off');
  r = cli(dir, ['domxml-to-native', 'bhyve-argv', path.join(domainsDir(dir), 'web1.xml')]);
  t.is(r.status, 1);
  t.is(r.stderr, `warning: ${missing}: no bhyve capabilities\nerror: unsupported configuration: Installed bhyve binary does not support UTC clock\n`);
  t.is((await details(dir, 'web1')).commandsError, missing);
  r = run(dir, ['domcapabilities']);
  t.is(r.status, 0);
  t.is(r.stderr, `warning: ${missing}: no bhyve capabilities\n`);
  t.regex(r.stdout, /<loader supported='no'\/>/);

  // A release the simulator does not model: bhyve -h refuses, so nothing is trusted or cached.
  setRelease(dir, '12.4-RELEASE');
  await stopDaemon(dir); // the next daemon puts a bhyve back (ensureSimHost)
  const odd = await capabilities(dir);
  t.deepEqual(odd.caps, []);
  t.regex(
    odd.problem ?? '',
    /^`bhyve -h` printed no usage text \(exit status 78: bhyve \(simulated\): host\.json: osrelease '12\.4-RELEASE' is not a FreeBSD release the simulator models; set it to one of /,
  );
  r = cli(dir, ['start', 'web1']);
  t.is(r.status, 1);
  t.regex(r.stderr, /^error: cannot start 'web1': `bhyve -h` printed no usage text \(exit status 78: /);
});
