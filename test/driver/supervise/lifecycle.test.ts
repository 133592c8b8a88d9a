// Start, stop and failures through the CLI and the simulated host's real processes:
// supervisor, bhyveload, bhyve, bhyvectl, ifconfig and kldstat all run for real.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import {execFileSync} from 'node:child_process';
import {cli, eventually, makeSimDir, removeSimDir} from '../../helpers/sim-dir.js';
import {updateHostStateSync} from '../../../driver/sim/host-state.js';
import type {DomainSummary} from '../../../driver/client/connection.js';

function simHost(t: {teardown(fn: () => void): void}, label: string): string {
  const dir = makeSimDir(label);
  t.teardown(() => removeSimDir(dir));
  // Creates the host and its demo domains; guests' loaders boot without a countdown.
  const r = cli(dir, ['list']);
  if (r.status !== 0) throw new Error(r.stderr);
  updateHostStateSync(dir, (s) => {
    s.bootDelayMs = 50;
    (s as unknown as Record<string, unknown>).autobootDelay = 0;
  });
  return dir;
}

function domains(dir: string): DomainSummary[] {
  const r = cli(dir, ['list', '--all', '--json']);
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as DomainSummary[];
}

const stateOf = (dir: string, name: string) => domains(dir).find((d) => d.name === name)?.state;
const ifconfig = (dir: string, ...args: string[]) => execFileSync(path.join(dir, 'sbin', 'ifconfig'), args, {encoding: 'utf8'});
const vmInstance = (dir: string, name: string) => fs.existsSync(path.join(dir, 'dev', 'vmm', name));
const runRecord = (dir: string, name: string) => fs.existsSync(path.join(dir, 'var', 'run', 'bhyve-tui', `${name}.json`));

function assertNothingLeft(t: {false(v: boolean, m?: string): void; notRegex(s: string, r: RegExp, m?: string): void}, dir: string, name: string): void {
  t.false(vmInstance(dir, name), 'no VM instance is left');
  t.false(runRecord(dir, name), 'no run record (lock) is left');
  t.notRegex(ifconfig(dir, '-l'), /\btap\d+/, 'no tap is left');
}

test.serial('a new simulated host lists its demo domains as JSON', (t) => {
  const dir = makeSimDir('json');
  t.teardown(() => removeSimDir(dir));
  const r = cli(dir, ['list', '--all', '--json']);
  t.is(r.status, 0, r.stderr);
  const list = JSON.parse(r.stdout) as DomainSummary[];
  t.deepEqual(
    list.map((d) => d.name),
    ['db1', 'debian12', 'freebsd14', 'web1'],
  );
  for (const d of list) {
    t.is(d.state, 'shut off');
    t.true(typeof d.vcpus === 'number' && d.vcpus > 0);
    t.true(typeof d.memoryKiB === 'number' && d.memoryKiB > 0);
  }
  // Without --all only running domains are listed, like virsh.
  t.deepEqual(JSON.parse(cli(dir, ['list', '--json']).stdout), []);
});

test.serial('start runs the loader and bhyve, with a tap on the bridge; destroy cleans everything up', async (t) => {
  const dir = simHost(t, 'startstop');
  const r = cli(dir, ['start', 'web1']);
  t.is(r.status, 0, r.stderr);
  t.regex(r.stdout, /Domain 'web1' started/);
  const web1 = domains(dir).find((d) => d.name === 'web1')!;
  t.is(web1.state, 'running');
  t.truthy(web1.pid);
  t.regex(execFileSync(path.join(dir, 'bin', 'ps'), ['-ww', '-o', 'command=', '-p', String(web1.pid)], {encoding: 'utf8'}), /^bhyve: web1 \(bhyve\)$/m);
  t.true(vmInstance(dir, 'web1'));
  t.regex(ifconfig(dir, 'bridge0'), /member: tap\d+/);

  const again = cli(dir, ['start', 'web1']);
  t.is(again.status, 1);
  t.regex(again.stderr, /^error: .*domain 'web1' is already running\n$/);

  const d = cli(dir, ['destroy', 'web1']);
  t.is(d.status, 0, d.stderr);
  t.is(stateOf(dir, 'web1'), 'shut off');
  assertNothingLeft(t, dir, 'web1');
  const log = fs.readFileSync(path.join(dir, 'var', 'log', 'bhyve-tui', 'web1.log'), 'utf8');
  t.regex(log, /run: \/usr\/sbin\/bhyveload .*web1/);
  t.regex(log, /run: \/usr\/sbin\/bhyve .*-l com1,\/dev\/nmdm-web1\.1A web1/);

  const twice = cli(dir, ['destroy', 'web1']);
  t.is(twice.status, 1);
  t.regex(twice.stderr, /domain 'web1' is not running/);
});

test.serial('the ACPI power button (SIGTERM to bhyve) powers the guest off and the supervisor cleans up', async (t) => {
  const dir = simHost(t, 'acpi');
  t.is(cli(dir, ['start', 'freebsd14']).status, 0);
  const pid = domains(dir).find((d) => d.name === 'freebsd14')!.pid!;
  process.kill(pid, 'SIGTERM');
  await eventually('freebsd14 to be shut off', () => stateOf(dir, 'freebsd14') === 'shut off');
  await eventually('cleanup', () => !runRecord(dir, 'freebsd14'));
  assertNothingLeft(t, dir, 'freebsd14');
  const log = fs.readFileSync(path.join(dir, 'var', 'log', 'bhyve-tui', 'freebsd14.log'), 'utf8');
  t.regex(log, /exited with status 1 \(powered off\)/);
});

test.serial('a guest reboot (bhyve exit 0) restarts it: <on_reboot>restart</on_reboot>', async (t) => {
  const dir = simHost(t, 'reboot');
  t.is(cli(dir, ['start', 'web1']).status, 0);
  const first = domains(dir).find((d) => d.name === 'web1')!.pid!;
  execFileSync(path.join(dir, 'usr', 'sbin', 'bhyvectl'), ['--force-reset', '--vm=web1']);
  await eventually('a new bhyve for web1', () => {
    const d = domains(dir).find((x) => x.name === 'web1')!;
    return d.state === 'running' && d.pid !== undefined && d.pid !== first;
  });
  t.pass();
  t.is(cli(dir, ['destroy', 'web1']).status, 0);
  assertNothingLeft(t, dir, 'web1');
});

test.serial('start refuses when a module is missing, naming it and the command that loads it', (t) => {
  const dir = simHost(t, 'nomodule');
  updateHostStateSync(dir, (s) => {
    s.modules.vmm = 'unloaded';
  });
  const r = cli(dir, ['start', 'web1']);
  t.is(r.status, 1);
  t.regex(r.stderr, /^error: cannot start 'web1': kernel module vmm is not loaded; load it with: kldload vmm\n$/);
  assertNothingLeft(t, dir, 'web1');
  // No file to load: what installs it, in the same one line.
  updateHostStateSync(dir, (s) => {
    s.modules.vmm = 'loaded';
    s.modules.nmdm = 'absent';
  });
  const none = cli(dir, ['start', 'web1']);
  t.is(none.status, 1);
  t.regex(
    none.stderr,
    /^error: cannot start 'web1': kernel module nmdm is not loaded, and there is no nmdm\.ko in \/boot\/kernel;\/boot\/modules to load; install the kernel's modules, or build it: make -C \/usr\/src\/sys\/modules\/nmdm all install\n$/,
  );
  assertNothingLeft(t, dir, 'web1');
});

test.serial('a malformed domain file is listed as invalid with its error; the others still list', (t) => {
  const dir = simHost(t, 'malformed');
  fs.writeFileSync(path.join(dir, 'usr/local/etc/bhyve-tui/domains/broken.xml'), "<domain type='bhyve'>\n  <name>broken</name>\n  <memory>oops\n</domain>\n");
  const list = domains(dir);
  t.deepEqual(
    list.map((d) => d.name),
    ['broken', 'db1', 'debian12', 'freebsd14', 'web1'],
  );
  const broken = list.find((d) => d.name === 'broken')!;
  t.is(broken.state, 'invalid');
  t.regex(broken.error ?? '', /line \d+/);
  const r = cli(dir, ['start', 'broken']);
  t.is(r.status, 1);
  t.regex(r.stderr, /^error: domain 'broken' is invalid: line \d+/);
  t.false(r.stderr.includes('    at '), 'no stack trace');
});

test.serial('unknown domain names and hostile names get one clear line and exit 1', (t) => {
  const dir = simHost(t, 'unknown');
  for (const [args, msg] of [
    [['start', 'nope'], /^error: failed to get domain 'nope': no domain with that name is defined\n$/],
    [['destroy', '../../etc'], /^error: invalid domain name '\.\.\/\.\.\/etc'/],
    [['console', 'a b'], /^error: invalid domain name 'a b'/],
  ] as const) {
    const r = cli(dir, [...args]);
    t.is(r.status, 1, args.join(' '));
    t.regex(r.stderr, msg);
    t.is(r.stderr.trim().split('\n').length, 1);
  }
  const usage = cli(dir, ['start']);
  t.is(usage.status, 2);
  t.regex(usage.stderr, /needs exactly one argument/);
});

test.serial('bhyve failing at start reports its stderr and exit status, and leaves nothing behind', (t) => {
  const dir = simHost(t, 'bhyvefail');
  updateHostStateSync(dir, (s) => {
    s.faults.web1 = {bhyveExit: 4};
  });
  const r = cli(dir, ['start', 'web1']);
  t.is(r.status, 1);
  t.regex(r.stderr, /^error: bhyve failed to start 'web1': bhyve exited with status 4 \(exited due to an error\)\n/);
  t.true(r.stderr.split('\n').length > 2, "bhyve's own stderr follows");
  assertNothingLeft(t, dir, 'web1');
  t.regex(domains(dir).find((d) => d.name === 'web1')!.lastError ?? '', /bhyve failed/);
});

test.serial('a failing loader stops the start with its message and exit status', (t) => {
  const dir = simHost(t, 'loaderfail');
  updateHostStateSync(dir, (s) => {
    s.faults.web1 = {loaderExit: 1};
  });
  const r = cli(dir, ['start', 'web1']);
  t.is(r.status, 1);
  t.regex(r.stderr, /^error: bhyveload failed: bhyveload exited with status 1\n/);
  assertNothingLeft(t, dir, 'web1');
});
