// freebsd/rc.d/bhyve_tui under rc(8)'s environment (audit items 4 and 7): `env -i` and
// PATH=/sbin:/bin:/usr/sbin:/usr/bin, where a FreeBSD base system has no node. Those four
// directories are built here as a FreeBSD base has them: POSIX utilities, the simulated
// host's FreeBSD tools (ps, kldstat, ...), and no node. rc.subr is a minimal stand-in
// (test/install/rc.subr); the script runs unchanged except for the path it sources it from.
import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {spawnSync} from 'node:child_process';
import {cli, cliBundle, makeSimDir, removeSimDir, repoRoot} from '../helpers/sim-dir.js';
import {updateHostStateSync} from '../../driver/sim/host-state.js';
import {pidAlive} from '../../driver/host/process-alive.js';
import type {DomainSummary} from '../../driver/client/connection.js';
import pkg from '../../package.json' with {type: 'json'};

const script = path.join(repoRoot, 'freebsd', 'rc.d', 'bhyve_tui');

interface Rc {
  dir: string;
  /** rc's PATH: the four FreeBSD directories, built under a temp dir */
  path: string;
  run(arg: string, conf?: Record<string, string>): {status: number; out: string; ms: number};
}

/** A sim host, a FreeBSD-like base for rc's PATH, the script and an rc.conf. */
function rcHost(t: {teardown(fn: () => void): void}, label: string): Rc {
  const dir = makeSimDir(label);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `bhyve-tui-rc-${label}-`));
  t.teardown(() => {
    removeSimDir(dir);
    fs.rmSync(tmp, {recursive: true, force: true});
  });
  const r = cli(dir, ['list']); // creates the host (and starts a daemon we stop at once)
  if (r.status !== 0) throw new Error(r.stderr);
  const pidFile = path.join(dir, 'var/run/bhyve-tui/daemon.pid');
  const pid = Number(fs.readFileSync(pidFile, 'utf8'));
  process.kill(pid, 'SIGTERM');
  const until = Date.now() + 5000;
  while (pidAlive(pid) && Date.now() < until) spawnSync('sleep', ['0.05']);
  updateHostStateSync(dir, (s) => {
    s.bootDelayMs = 50;
    s.autobootDelay = 0;
  });
  const base = path.join(tmp, 'base');
  const link = (sub: string, name: string, target: string) => {
    fs.mkdirSync(path.join(base, sub), {recursive: true});
    fs.symlinkSync(target, path.join(base, sub, name));
  };
  for (const u of ['sh', 'sleep', 'cat', 'rm', 'mv', 'cp', 'ln', 'ls', 'mkdir', 'chmod', 'kill', 'test', 'echo', 'date'])
    link('bin', u, fs.realpathSync(`/bin/${u}`));
  for (const u of ['ps', 'stty']) link('bin', u, path.join(dir, 'bin', u));
  for (const u of ['kldstat', 'kldload', 'ifconfig', 'sysctl']) link('sbin', u, path.join(dir, 'sbin', u));
  for (const u of ['bhyve', 'bhyveload', 'bhyvectl']) link('usr/sbin', u, path.join(dir, 'usr/sbin', u));
  for (const u of ['env', 'id', 'tr']) link('usr/bin', u, fs.realpathSync(`/usr/bin/${u}`));
  const rcPath = ['sbin', 'bin', 'usr/sbin', 'usr/bin'].map((d) => path.join(base, d)).join(':');
  if (spawnSync('/bin/sh', ['-c', 'command -v node'], {env: {PATH: rcPath}}).status === 0) throw new Error("node must not be on rc's PATH");

  const rcSubr = path.join(repoRoot, 'test', 'install', 'rc.subr');
  const text = fs.readFileSync(script, 'utf8');
  if (!text.includes('\n. /etc/rc.subr\n')) throw new Error('the script no longer sources /etc/rc.subr');
  const copy = path.join(tmp, 'bhyve_tui');
  fs.writeFileSync(copy, text.replace('\n. /etc/rc.subr\n', `\n. ${rcSubr}\n`), {mode: 0o555});
  const rcConf = path.join(tmp, 'rc.conf');
  return {
    dir,
    path: rcPath,
    run(arg, conf = {}) {
      const knobs: Record<string, string> = {
        bhyve_tui_enable: 'YES',
        bhyve_tui_node: process.execPath,
        bhyve_tui_program: cliBundle,
        bhyve_tui_uri: `sim://${dir}`,
        bhyve_tui_shutdown_timeout: '3',
        ...conf,
      };
      fs.writeFileSync(
        rcConf,
        Object.entries(knobs)
          .map(([k, v]) => `${k}="${v}"\n`)
          .join(''),
      );
      const t0 = Date.now();
      const res = spawnSync('/usr/bin/env', ['-i', `PATH=${rcPath}`, `RC_CONF=${rcConf}`, path.join(base, 'bin', 'sh'), copy, arg], {
        encoding: 'utf8',
        timeout: 90_000,
      });
      return {status: res.status ?? -1, out: `${res.stdout}${res.stderr}`, ms: Date.now() - t0};
    },
  };
}

const domains = (dir: string) => JSON.parse(cli(dir, ['list', '--all', '--json']).stdout) as DomainSummary[];
const daemonPid = (dir: string) => Number(fs.readFileSync(path.join(dir, 'var/run/bhyve-tui/daemon.pid'), 'utf8'));

test("under rc's PATH the program cannot run through its #! line: env finds no node", (t) => {
  const rc = rcHost(t, 'shebang');
  const r = spawnSync('/usr/bin/env', ['-i', `PATH=${rc.path}`, cliBundle, 'version'], {encoding: 'utf8'});
  t.is(r.status, 127, r.stdout);
  t.regex(r.stderr, /node/);
});

test("audit 4: start, status and stop work under rc's environment", (t) => {
  const rc = rcHost(t, 'start');
  const start = rc.run('start');
  t.is(start.status, 0, start.out);
  t.regex(start.out, /^Starting bhyve_tui\.$/m);
  const pid = daemonPid(rc.dir);
  t.true(pidAlive(pid));
  const status = rc.run('status');
  t.is(status.status, 0, status.out);
  t.is(status.out, `bhyve_tui is running as pid ${pid}.\n`);
  // The daemon rc started is the one clients use.
  t.deepEqual(
    domains(rc.dir).map((d) => d.name),
    ['db1', 'debian12', 'freebsd14', 'web1'],
  );
  t.is(daemonPid(rc.dir), pid);
  const again = rc.run('start');
  t.regex(again.out, new RegExp(`already running\\? \\(pid=${pid}\\)`));
  const stop = rc.run('stop');
  t.is(stop.status, 0, stop.out);
  t.regex(stop.out, /No running domains/);
  t.regex(stop.out, /^Stopping bhyve_tui\.$/m);
  t.false(pidAlive(pid));
  const after = rc.run('status');
  t.is(after.status, 1);
  t.is(after.out, 'bhyve_tui is not running.\n');
});

test('audit 7: stop shuts every guest down (ACPI, then forced) before the daemon exits', (t) => {
  const rc = rcHost(t, 'stop');
  t.is(rc.run('start').status, 0);
  updateHostStateSync(rc.dir, (s) => {
    s.faults.db1 = {ignoreAcpi: true};
  });
  for (const n of ['web1', 'db1']) {
    const r = cli(rc.dir, ['start', n]);
    t.is(r.status, 0, r.stderr);
  }
  const bhyvePids = domains(rc.dir)
    .filter((d) => d.state === 'running')
    .map((d) => d.pid!);
  t.is(bhyvePids.length, 2);
  const stop = rc.run('stop');
  t.is(stop.status, 0, stop.out);
  t.regex(stop.out, /Shutting down 2 domains: db1, web1 \(forced power-off after 3 s\)/);
  t.regex(stop.out, /Domain 'web1' is shut off \(shutdown\)/);
  t.regex(stop.out, /Domain 'db1' is shut off/);
  t.true(stop.out.indexOf("Domain 'db1' is shut off") < stop.out.indexOf('Stopping bhyve_tui.'), 'guests are off before the daemon stops');
  // db1 ignored the button: forced off after the 3 s timeout, well before init's SIGKILL.
  t.true(stop.ms < 20_000, `stop took ${stop.ms} ms`);
  for (const p of bhyvePids) t.false(pidAlive(p), `bhyve ${p} is gone`);
  t.deepEqual(fs.readdirSync(path.join(rc.dir, 'dev', 'vmm')), []);
});

test('start says what is wrong when node is not where rc.conf says', (t) => {
  const rc = rcHost(t, 'nonode');
  const r = rc.run('start', {bhyve_tui_node: '/usr/local/bin/node-missing'});
  t.not(r.status, 0);
  t.regex(r.out, /\/usr\/local\/bin\/node-missing is not an executable Node\.js; install it \(pkg install node22\) or set bhyve_tui_node in rc\.conf/);
  const off = rc.run('start', {bhyve_tui_enable: 'NO'});
  t.regex(off.out, /Cannot 'start' bhyve_tui\. Set bhyve_tui_enable to YES in \/etc\/rc\.conf or use 'onestart' instead of 'start'\./);
});

test("the script's defaults are where pkg and npm install -g put node and bhyve-tui", (t) => {
  const text = fs.readFileSync(script, 'utf8');
  t.regex(text, /^: \$\{bhyve_tui_node:=\/usr\/local\/bin\/node\}$/m);
  const bin = (pkg as {bin: Record<string, string>}).bin['bhyve-tui']!.replace(/^\.\//, '');
  t.true(text.includes(`: \${bhyve_tui_program:=/usr/local/lib/node_modules/${pkg.name}/${bin}}`), `program default is npm's global layout (${bin})`);
});
