// The host daemon through real processes: guests outlive it, a new one adopts them and
// honours exit statuses it did not see, starts race to one winner, shutdown escalates,
// crash loops stop, definitions are replaced only by valid ones, orphans get fixed.
import test, {type ExecutionContext} from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import {execFileSync} from 'node:child_process';
import {bhyvesOf, cli, cliAsync, daemonPid, eventually, fastSimHost} from '../../helpers/sim-dir.js';
import {updateHostStateSync} from '../../../driver/sim/host-state.js';
import type {DomainSummary} from '../../../driver/client/connection.js';
import {pidAlive} from '../../../driver/host/process-alive.js';
import {crashLoopLimit} from '../../../driver/supervise/exit-policy.js';

const list = (dir: string) => JSON.parse(cli(dir, ['list', '--all', '--json']).stdout) as DomainSummary[];
const dom = (dir: string, name: string) => list(dir).find((d) => d.name === name)!;
const alive = pidAlive;
const domainsDir = (dir: string) => path.join(dir, 'usr/local/etc/bhyve-tui/domains');

/** How many bhyve processes of this simulated host run NAME (other tests run their own web1). */
const bhyveCount = (dir: string, name: string): number => bhyvesOf(dir, name).length;

function killDaemon(dir: string): number {
  const pid = daemonPid(dir);
  process.kill(pid, 'SIGKILL');
  return pid;
}

/** After a daemon was killed during web1's start: web1 comes up under the next one, its loader and bhyve each run once. */
async function runsOnceUnderNewDaemon(t: ExecutionContext, dir: string, logFile: string): Promise<void> {
  await eventually('running under a new daemon', () => dom(dir, 'web1').state === 'running', 60_000).catch((e: Error) => {
    throw new Error(`${e.message}\nstate: ${JSON.stringify(dom(dir, 'web1'))}\nlog:\n${fs.readFileSync(logFile, 'utf8')}`);
  });
  const log = fs.readFileSync(logFile, 'utf8');
  t.is((log.match(/run: \/usr\/sbin\/bhyveload/g) ?? []).length, 1, 'the loader ran once');
  t.is((log.match(/run: \/usr\/sbin\/bhyve /g) ?? []).length, 1, 'bhyve started once');
}

test.serial('the daemon socket is owner-only and the daemon starts on first use', (t) => {
  const dir = fastSimHost(t, 'sock');
  const st = fs.statSync(path.join(dir, 'var/run/bhyve-tui/daemon.sock'));
  t.true(st.isSocket());
  t.is(st.mode & 0o777, 0o600);
  t.is(fs.statSync(path.join(dir, 'var/run/bhyve-tui')).mode & 0o777, 0o700);
  t.true(alive(daemonPid(dir)));
});

test.serial('kill -9 of the daemon leaves the guest running; the next client adopts it', async (t) => {
  const dir = fastSimHost(t, 'adopt');
  t.is(cli(dir, ['start', 'web1']).status, 0);
  const pid = dom(dir, 'web1').pid!;
  const old = killDaemon(dir);
  await eventually('the old daemon to die', () => !alive(old));
  t.true(alive(pid), 'bhyve survives the daemon');
  const after = dom(dir, 'web1');
  t.not(daemonPid(dir), old, 'a new daemon answered');
  t.is(after.state, 'running');
  t.is(after.pid, pid);
  t.regex(fs.readFileSync(path.join(dir, 'var/log/bhyve-tui/web1.log'), 'utf8'), /adopted the guest/);
  t.is(cli(dir, ['destroy', 'web1']).status, 0);
  t.false(alive(pid));
});

test.serial('an exit while no daemon runs is honoured by the next one: reboot restarts, power-off cleans up', async (t) => {
  const dir = fastSimHost(t, 'exitnodaemon');
  t.is(cli(dir, ['start', 'web1']).status, 0);
  const first = dom(dir, 'web1').pid!;
  const firstDaemon = killDaemon(dir);
  await eventually('the old daemon to die', () => !alive(firstDaemon));
  // Reset while nobody supervises: bhyve exits 0, <on_reboot>restart</on_reboot>.
  execFileSync(path.join(dir, 'usr/sbin/bhyvectl'), ['--force-reset', '--vm=web1']);
  await eventually('bhyve to exit', () => !alive(first));
  await eventually('a new bhyve', () => {
    const d = dom(dir, 'web1');
    return d.state === 'running' && d.pid !== undefined && d.pid !== first;
  });
  const second = dom(dir, 'web1').pid!;
  const secondDaemon = killDaemon(dir);
  await eventually('the daemon to die again', () => !alive(secondDaemon));
  process.kill(second, 'SIGTERM'); // ACPI power button: the guest powers off, exit 1
  await eventually('bhyve to exit', () => !alive(second));
  await eventually('shut off', () => dom(dir, 'web1').state === 'shut off');
  t.is(dom(dir, 'web1').reason, 'shutdown');
  t.false(fs.existsSync(path.join(dir, 'dev/vmm/web1')));
  t.notRegex(execFileSync(path.join(dir, 'sbin/ifconfig'), ['-l'], {encoding: 'utf8'}), /tap/);
});

test.serial('two clients racing to start one domain: one start, one "already running"', async (t) => {
  const dir = fastSimHost(t, 'race');
  const results = await Promise.all([cliAsync(dir, ['start', 'web1']), cliAsync(dir, ['start', 'web1']), cliAsync(dir, ['start', 'web1'])]);
  t.is(results.filter((r) => r.status === 0).length, 1, JSON.stringify(results));
  for (const r of results.filter((x) => x.status !== 0)) t.regex(r.stderr, /domain 'web1' is already running/);
  t.is(bhyveCount(dir, 'web1'), 1, 'exactly one bhyve');
  t.is(cli(dir, ['destroy', 'web1']).status, 0);
});

test.serial('shutdown presses the ACPI button once; the guest powers off', async (t) => {
  const dir = fastSimHost(t, 'shutdown');
  t.is(cli(dir, ['start', 'freebsd14']).status, 0);
  const r = cli(dir, ['shutdown', 'freebsd14']);
  t.is(r.status, 0, r.stderr);
  t.regex(r.stdout, /Domain 'freebsd14' is being shutdown/);
  await eventually('shut off', () => dom(dir, 'freebsd14').state === 'shut off');
  t.is(cli(dir, ['domstate', 'freebsd14', '--reason']).stdout.trim(), 'shut off (shutdown)');
  const log = fs.readFileSync(path.join(dir, 'var/log/bhyve-tui/freebsd14.log'), 'utf8');
  t.is((log.match(/ACPI power button/g) ?? []).length, 1, 'one SIGTERM, never two');
});

test.serial('a guest that ignores the ACPI button is forced off after the timeout', async (t) => {
  const dir = fastSimHost(t, 'escalate');
  updateHostStateSync(dir, (s) => {
    s.faults.web1 = {ignoreAcpi: true};
  });
  t.is(cli(dir, ['start', 'web1']).status, 0);
  const started = Date.now();
  t.is(cli(dir, ['shutdown', 'web1', '--timeout', '1']).status, 0);
  await eventually(
    'in shutdown with a deadline',
    () => {
      const d = dom(dir, 'web1');
      return d.state === 'in shutdown' && typeof d.shutdownDeadline === 'number';
    },
    3000,
  ).catch(() => {});
  await eventually('forced off', () => dom(dir, 'web1').state === 'shut off', 20_000);
  t.true(Date.now() - started >= 1000, 'not before the timeout');
  t.regex(fs.readFileSync(path.join(dir, 'var/log/bhyve-tui/web1.log'), 'utf8'), /bhyvectl --force-poweroff --vm=web1/);
});

test.serial('a crash loop stops the guest with reason "crash loop"', async (t) => {
  const dir = fastSimHost(t, 'crashloop');
  const xml = fs.readFileSync(path.join(domainsDir(dir), 'web1.xml'), 'utf8').replace('<on_crash>destroy</on_crash>', '<on_crash>restart</on_crash>');
  const file = path.join(dir, 'web1-restart.xml');
  fs.writeFileSync(file, xml);
  t.is(cli(dir, ['define', file]).status, 0);
  // It crashes after it came up (its title was seen: the simulator's FreeBSD ps is slower
  // than the real one), not while it starts.
  updateHostStateSync(dir, (s) => {
    s.faults.web1 = {crashAfterMs: 2000};
  });
  t.is(cli(dir, ['start', 'web1']).status, 0);
  await eventually('crash loop', () => dom(dir, 'web1').state === 'crashed', 40_000);
  t.is(dom(dir, 'web1').reason, 'crash loop');
  const log = fs.readFileSync(path.join(dir, 'var/log/bhyve-tui/web1.log'), 'utf8');
  t.is((log.match(/action: restart/g) ?? []).length, 3);
  t.false(fs.existsSync(path.join(dir, 'dev/vmm/web1')), 'the VM instance is destroyed');
});

test.serial('four reboots the operator asks for within a minute are no crash loop: the guest keeps running', async (t) => {
  const dir = fastSimHost(t, 'operator-reboots');
  t.is(cli(dir, ['start', 'web1']).status, 0);
  for (let i = 1; i <= crashLoopLimit + 1; i++) {
    const before = dom(dir, 'web1').pid;
    const r = cli(dir, ['reboot', 'web1']);
    t.is(r.status, 0, `reboot ${i}: ${r.stderr}`);
    await eventually(
      `running again after reboot ${i}`,
      () => {
        const d = dom(dir, 'web1');
        if (d.state === 'crashed') throw new Error(`reboot ${i}: web1 ${d.state} (${d.reason})`);
        return d.state === 'running' && d.pid !== before;
      },
      30_000,
    );
  }
  t.like(dom(dir, 'web1'), {state: 'running', reason: 'rebooted'});
  const log = fs.readFileSync(path.join(dir, 'var/log/bhyve-tui/web1.log'), 'utf8');
  t.is((log.match(/action: restart \(rebooted\)/g) ?? []).length, crashLoopLimit + 1);
  t.is(cli(dir, ['destroy', 'web1']).status, 0);
});

test.serial('define writes atomically and an invalid definition never replaces a good one', (t) => {
  const dir = fastSimHost(t, 'define');
  const target = path.join(domainsDir(dir), 'web1.xml');
  const good = fs.readFileSync(target, 'utf8');
  const bad = path.join(dir, 'bad.xml');
  fs.writeFileSync(bad, good.replace('<vcpu>1</vcpu>', '<vcpu>zero</vcpu>'));
  const r = cli(dir, ['define', bad]);
  t.is(r.status, 1);
  t.is(r.stderr.trim().split('\n').length, 1);
  t.is(fs.readFileSync(target, 'utf8'), good, 'the good definition is untouched');
  const better = path.join(dir, 'better.xml');
  fs.writeFileSync(better, good.replace('<vcpu>1</vcpu>', '<vcpu>2</vcpu>'));
  t.is(cli(dir, ['define', better]).status, 0);
  t.is(dom(dir, 'web1').vcpus, 2);
  t.deepEqual(
    fs.readdirSync(domainsDir(dir)).filter((f) => f.startsWith('.')),
    [],
    'no temp files left',
  );
});

test.serial('undefine refuses a running domain and removes a shut-off one', (t) => {
  const dir = fastSimHost(t, 'undefine');
  t.is(cli(dir, ['start', 'web1']).status, 0);
  const r = cli(dir, ['undefine', 'web1']);
  t.is(r.status, 1);
  t.regex(r.stderr, /is running/);
  t.is(cli(dir, ['destroy', 'web1']).status, 0);
  t.is(cli(dir, ['undefine', 'web1']).status, 0);
  t.false(list(dir).some((d) => d.name === 'web1'));
});

test.serial('autostart: marked domains start in order when the daemon starts with --boot', async (t) => {
  const dir = fastSimHost(t, 'autostart');
  t.is(cli(dir, ['autostart', 'web1', '--order', '2']).status, 0);
  t.is(cli(dir, ['autostart', 'db1', '--order', '1', '--delay', '0']).status, 0);
  t.regex(cli(dir, ['dominfo', 'web1']).stdout, /Autostart:\s+enable \(order 2/);
  t.true(dom(dir, 'web1').autostart);
  const old = killDaemon(dir);
  await eventually('the daemon to die', () => !alive(old));
  const boot = cliAsync(dir, ['daemon', '--boot']);
  await eventually(
    'both autostarted',
    () => {
      try {
        const l = list(dir);
        return l.find((d) => d.name === 'web1')?.state === 'running' && l.find((d) => d.name === 'db1')?.state === 'running';
      } catch {
        return false;
      }
    },
    30_000,
  );
  const log = fs.readFileSync(path.join(dir, 'var/log/bhyve-tui/daemon.log'), 'utf8');
  t.true(log.indexOf('autostart: started db1') < log.indexOf('autostart: started web1'), 'order respected');
  t.is(cli(dir, ['autostart', 'web1', '--disable']).status, 0);
  t.false(dom(dir, 'web1').autostart);
  process.kill(daemonPid(dir), 'SIGTERM');
  await boot;
});

test.serial('an orphaned VM instance is shown as such, counts as active, and destroy cleans it up', async (t) => {
  const dir = fastSimHost(t, 'orphan');
  execFileSync(path.join(dir, 'usr/sbin/bhyveload'), ['-m', '256', '-d', '/vm/db1/disk0.img', '-e', 'autoboot_delay=0', 'db1']);
  t.true(fs.existsSync(path.join(dir, 'dev/vmm/db1')));
  const d = dom(dir, 'db1');
  t.is(d.state, 'orphaned');
  // It holds the VM: active, so listed without --all, and not undefined from under destroy.
  t.deepEqual(cli(dir, ['list', '--name']).stdout.trim().split('\n'), ['db1']);
  const undefine = cli(dir, ['undefine', 'db1']);
  t.is(undefine.status, 1);
  t.regex(undefine.stderr, /leftovers of an earlier run; clean them up first with: bhyve-tui destroy db1/);
  const start = cli(dir, ['start', 'db1']);
  t.is(start.status, 1);
  t.regex(start.stderr, /bhyve-tui destroy db1/);
  t.is(cli(dir, ['destroy', 'db1']).status, 0);
  t.is(dom(dir, 'db1').state, 'shut off');
  t.false(fs.existsSync(path.join(dir, 'dev/vmm/db1')));
});

test.serial('faults leave nothing behind: tap creation fails; the disk vanished', (t) => {
  const dir = fastSimHost(t, 'faults');
  updateHostStateSync(dir, (s) => {
    s.faults['*'] = {tapCreateFails: true};
  });
  const r = cli(dir, ['start', 'web1']);
  t.is(r.status, 1);
  t.regex(r.stderr, /^error: cannot create a tap for 'web1': ifconfig: SIOCIFCREATE2/);
  t.false(fs.existsSync(path.join(dir, 'var/run/bhyve-tui/web1.json')));
  updateHostStateSync(dir, (s) => {
    s.faults = {};
  });
  fs.rmSync(path.join(dir, 'vm/web1/disk0.img'));
  const gone = cli(dir, ['start', 'web1']);
  t.is(gone.status, 1);
  t.regex(gone.stderr, /^error: cannot start 'web1': disk image \/vm\/web1\/disk0\.img does not exist\n$/);
  t.false(fs.existsSync(path.join(dir, 'dev/vmm/web1')));
  t.notRegex(execFileSync(path.join(dir, 'sbin/ifconfig'), ['-l'], {encoding: 'utf8'}), /tap/);
});

test.serial('a guest crash (SIGABRT) is logged with its meaning; <on_crash>destroy</on_crash> shuts it off', async (t) => {
  const dir = fastSimHost(t, 'crash');
  updateHostStateSync(dir, (s) => {
    s.faults.web1 = {crashAfterMs: 2000};
  });
  t.is(cli(dir, ['start', 'web1']).status, 0);
  await eventually('shut off after the crash', () => dom(dir, 'web1').state === 'shut off', 15_000);
  t.is(dom(dir, 'web1').reason, 'crashed');
  t.regex(cli(dir, ['log', 'web1']).stdout, /bhyve exited with status 134 \(killed by signal 6 \(SIGABRT/);
});

test.serial('preflight: a console already used by a running domain, and more vCPUs than the host has', (t) => {
  const dir = fastSimHost(t, 'preflight');
  const web1 = fs.readFileSync(path.join(domainsDir(dir), 'web1.xml'), 'utf8');
  const twin = path.join(dir, 'twin.xml');
  fs.writeFileSync(
    twin,
    web1
      .replace('<name>web1</name>', '<name>twin</name>')
      .replace(/<uuid>[^<]*<\/uuid>/, '')
      .replace('/vm/web1/disk0.img', '/vm/db1/disk0.img'),
  );
  t.is(cli(dir, ['define', twin]).status, 0);
  t.is(cli(dir, ['start', 'web1']).status, 0);
  const r = cli(dir, ['start', 'twin']);
  t.is(r.status, 1);
  t.regex(r.stderr, /^error: cannot start 'twin': its console \/dev\/nmdm-web1\.1[AB] is in use by running domain 'web1'/);
  t.is(cli(dir, ['destroy', 'web1']).status, 0);
  const big = path.join(dir, 'big.xml');
  fs.writeFileSync(big, web1.replace('<vcpu>1</vcpu>', '<vcpu>8</vcpu>'));
  t.is(cli(dir, ['define', big]).status, 0);
  const v = cli(dir, ['start', 'web1']);
  t.is(v.status, 1);
  t.regex(v.stderr, /8 vCPUs requested but the host has only 4/);
});

test.serial('a daemon killed after spawning the loader but before its pid was recorded: the next one adopts the loader', async (t) => {
  const dir = fastSimHost(t, 'spawnwindow');
  updateHostStateSync(dir, (s) => {
    (s as unknown as {autobootDelay: number}).autobootDelay = 3;
  });
  // The exit recorder runs the loader, then moves its pid file into place with mv(1), found
  // on PATH. A daemon whose PATH leads to a slow mv holds that window open for 2 s: long
  // enough to kill the daemon inside it, as a kill -9 could land there by chance.
  const bin = fs.mkdtempSync(path.join(dir, 'slowmv-'));
  const realMv = execFileSync('/bin/sh', ['-c', 'command -v mv'], {encoding: 'utf8'}).trim();
  fs.writeFileSync(path.join(bin, 'mv'), `#!/bin/sh\nsleep 2\nexec ${realMv} "$@"\n`, {mode: 0o755});
  const first = killDaemon(dir);
  await eventually('the first daemon to die', () => !alive(first));
  const starting = cliAsync(dir, ['start', 'web1'], {env: {...process.env, PATH: `${bin}:${process.env.PATH}`}});
  const runDir = path.join(dir, 'var/run/bhyve-tui');
  await eventually('the recorder to write the loader pid', () => fs.existsSync(path.join(runDir, 'web1.loader.pid.tmp')));
  t.false(fs.existsSync(path.join(runDir, 'web1.loader.pid')), 'the pid is not recorded yet');
  const old = killDaemon(dir);
  await eventually('the old daemon to die', () => !alive(old));
  t.not((await starting).status, 0, 'the start client lost its daemon');
  const logFile = path.join(dir, 'var/log/bhyve-tui/web1.log');
  const state = dom(dir, 'web1');
  t.not(state.state, 'shut off', `the loader was left behind: ${JSON.stringify(state)}`);
  await runsOnceUnderNewDaemon(t, dir, logFile);
  t.is(cli(dir, ['destroy', 'web1']).status, 0);
});

test.serial('a daemon killed while the loader runs: the next one waits for the loader, then starts bhyve once', async (t) => {
  const dir = fastSimHost(t, 'adoptloader');
  updateHostStateSync(dir, (s) => {
    (s as unknown as {autobootDelay: number}).autobootDelay = 3;
  });
  const starting = cliAsync(dir, ['start', 'web1']);
  // The loader runs once the exit recorder wrote its pid: the `run:` line is logged before
  // the spawn, and a daemon killed between the two has started nothing (CI once killed it
  // there: the next daemon rightly said "start interrupted").
  const loaderPid = path.join(dir, 'var/run/bhyve-tui/web1.loader.pid');
  await eventually('the loader to run', () => {
    try {
      return dom(dir, 'web1').state === 'bootloader' && /^\d+\s*$/.test(fs.readFileSync(loaderPid, 'utf8'));
    } catch {
      return false;
    }
  });
  const old = killDaemon(dir);
  await eventually('the old daemon to die', () => !alive(old));
  t.not((await starting).status, 0, 'the start client lost its daemon');
  const logFile = path.join(dir, 'var/log/bhyve-tui/web1.log');
  await runsOnceUnderNewDaemon(t, dir, logFile);
  t.is(cli(dir, ['destroy', 'web1']).status, 0);
});
