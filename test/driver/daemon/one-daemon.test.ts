// Exactly one daemon per host: after a kill -9, sixteen daemons started at once leave one
// alive, listening and supervising the guest; the others exit 0 before adopting anything.
// Twenty rounds of that, then a reboot of the guest is handled once (one loader and one
// bhyve start) and the guest ends running.
import test from 'ava';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {execFileSync, spawn} from 'node:child_process';
import {cli, cliBundle, daemonsOf, eventually, fastSimHost} from '../../helpers/sim-dir.js';
import {pidAlive} from '../../../driver/host/process-alive.js';
import type {DomainSummary} from '../../../driver/client/connection.js';

const rounds = 20;
const racers = 16;

const runDir = (dir: string) => path.join(dir, 'var/run/bhyve-tui');

const daemons = daemonsOf;

/** The pid of the daemon answering on the well-known socket, or null. */
function ping(dir: string): Promise<number | null> {
  return new Promise((resolve) => {
    const sock = net.createConnection(path.join(runDir(dir), 'daemon.sock'));
    let buf = '';
    const done = (v: number | null) => {
      sock.destroy();
      resolve(v);
    };
    sock.setTimeout(5000, () => done(null));
    sock.on('error', () => done(null));
    sock.on('connect', () => sock.write(`${JSON.stringify({id: 1, method: 'ping', params: []})}\n`));
    sock.on('data', (c: Buffer) => {
      buf += c.toString();
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      try {
        done((JSON.parse(buf.slice(0, nl)) as {result: {pid: number}}).result.pid);
      } catch {
        done(null);
      }
    });
  });
}

function startDaemon(dir: string): Promise<{pid: number; code: number | null; stderr: string}> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliBundle, '-c', `sim://${dir}`, 'daemon'], {stdio: ['ignore', 'ignore', 'pipe']});
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({pid: child.pid!, code, stderr}));
  });
}

/** For a failure: what each live daemon is doing, what the log says of it, and the lock files. */
function whatDaemonsDo(dir: string, pids: number[]): string {
  const read = (f: string) => {
    try {
      return fs.readFileSync(f, 'utf8');
    } catch (e) {
      return `(${(e as Error).message})`;
    }
  };
  const log = read(path.join(dir, 'var/log/bhyve-tui/daemon.log')).split('\n');
  const lines: string[] = [];
  for (const pid of pids) {
    const state = /^State:.*$/m.exec(read(`/proc/${pid}/status`))?.[0] ?? '?';
    const ppid = /^PPid:\s*(\d+)/m.exec(read(`/proc/${pid}/status`))?.[1] ?? '?';
    const parent = ppid === '?' ? '' : read(`/proc/${ppid}/cmdline`).split('\0').join(' ').trim();
    lines.push(`daemon ${pid}: ${state}; wchan ${read(`/proc/${pid}/wchan`)}; fds: ${fs.readdirSync(`/proc/${pid}/fd`).length}; parent ${ppid} ${parent}`);
    for (const l of log) if (l.includes(`daemon ${pid}`)) lines.push(`  log: ${l}`);
  }
  const files = fs.readdirSync(runDir(dir)).map((f) => `${f} (ino ${fs.lstatSync(path.join(runDir(dir), f)).ino})`);
  lines.push(`run directory: ${files.join(', ')}`);
  lines.push(`daemon.log ends:\n${log.slice(-25).join('\n')}`);
  return lines.join('\n');
}

const runRecord = (dir: string, name: string) => {
  try {
    return JSON.parse(fs.readFileSync(path.join(runDir(dir), `${name}.json`), 'utf8')) as {daemonPid: number; pid: number};
  } catch {
    return null;
  }
};

test.serial(`${racers} daemons started at once after a kill -9 leave exactly one, ${rounds} rounds; the reboot is handled once`, async (t) => {
  t.timeout(20 * 60_000); // 16 node processes a round: about 2 s a round on 2 idle cores
  const dir = fastSimHost(t, 'one-daemon');
  t.is(cli(dir, ['start', 'web1']).status, 0);
  const list = () => JSON.parse(cli(dir, ['list', '--all', '--json']).stdout) as DomainSummary[];
  const bhyve = list().find((d) => d.name === 'web1')!.pid!;
  const started = Date.now();
  const badExits: string[] = [];
  for (let round = 1; round <= rounds; round++) {
    for (const pid of daemons(dir)) process.kill(pid, 'SIGKILL');
    await eventually('the daemons to die', () => daemons(dir).length === 0);
    const ended: {pid: number; code: number | null; stderr: string}[] = [];
    for (let i = 0; i < racers; i++) void startDaemon(dir).then((r) => ended.push(r));
    // Every racer but one exits; the one left answers on the socket and supervises the guest.
    await eventually(`round ${round}: all racers but one to exit`, () => ended.length >= racers - 1, 30_000).catch(() => {});
    // On a loaded machine a loser may still be on its way out (its probes time out after
    // 5 s each): what must not happen is a second daemon that stays.
    await eventually(`round ${round}: one daemon left`, () => daemons(dir).length === 1, 60_000).catch(() => {});
    const alive = daemons(dir);
    // On failure the message says what each daemon is doing (the TAP report drops t.log of a failed test).
    const diagnosis = () =>
      `\n${ended.length} of ${racers} racers exited: ${ended.map((l) => `${l.pid} (${l.code})`).join(', ')}\n${whatDaemonsDo(dir, alive)}`;
    t.is(alive.length, 1, `round ${round}: daemons alive: ${alive.join(', ')}${alive.length === 1 ? '' : diagnosis()}`);
    if (alive.length !== 1) break;
    const survivor = alive[0]!;
    let answered = await ping(dir);
    for (const until = Date.now() + 15_000; answered !== survivor && Date.now() < until; answered = await ping(dir))
      await new Promise((r) => setTimeout(r, 50));
    t.is(answered, survivor, `round ${round}: the survivor answers on daemon.sock`);
    await eventually(`round ${round}: the survivor adopts web1`, () => runRecord(dir, 'web1')?.daemonPid === survivor, 15_000).catch(() => {});
    t.is(runRecord(dir, 'web1')?.daemonPid, survivor, `round ${round}: web1's run record names the survivor`);
    t.is(fs.readFileSync(path.join(runDir(dir), 'daemon.pid'), 'utf8').trim(), String(survivor), `round ${round}: the pid file names the survivor`);
    // The losers exit 0, saying nothing on stderr.
    t.is(ended.length, racers - 1, `round ${round}: ${racers - 1} racers exited`);
    for (const l of ended) if (l.code !== 0 || l.stderr.trim()) badExits.push(`round ${round}: exit ${l.code}: ${l.stderr.trim()}`);
    t.true(pidAlive(bhyve), `round ${round}: the guest still runs`);
  }
  t.deepEqual(badExits, [], 'every losing daemon exits 0 and quietly');
  t.log(`${rounds} rounds of ${racers} racing daemons took ${((Date.now() - started) / 1000).toFixed(1)} s`);

  // A reset of the guest (bhyve exits 0): <on_reboot>restart</on_reboot>, handled once.
  const log = path.join(dir, 'var/log/bhyve-tui/web1.log');
  const offset = fs.statSync(log).size;
  t.is(cli(dir, ['reboot', 'web1']).status, 0);
  await eventually(
    'web1 to run again',
    () => {
      const d = list().find((x) => x.name === 'web1')!;
      return d.state === 'running' && d.pid !== undefined && d.pid !== bhyve;
    },
    30_000,
  );
  // Time for a second supervisor, if any, to act on the same exit.
  await new Promise((r) => setTimeout(r, 3000));
  const after = fs.readFileSync(log, 'utf8').slice(offset);
  t.is((after.match(/ run: \/usr\/sbin\/bhyveload /g) ?? []).length, 1, after);
  t.is((after.match(/ run: \/usr\/sbin\/bhyve /g) ?? []).length, 1, after);
  t.is((after.match(/action: restart/g) ?? []).length, 1, after);
  const d = list().find((x) => x.name === 'web1')!;
  t.is(d.state, 'running', JSON.stringify(d));
  t.is(daemons(dir).length, 1);
});

test.serial('racers that find the stale pid file at the same instant still leave one daemon', async (t) => {
  // The racers are lined up: the pid file is a FIFO, so a daemon that reads it waits until
  // the test opens it for writing, and all of them read end-of-file (no pid) at once when
  // the test closes it. The pid file is no lock: whatever state it is in, one daemon runs.
  t.timeout(10 * 60_000);
  const dir = fastSimHost(t, 'lined-up');
  t.is(cli(dir, ['start', 'web1']).status, 0);
  const pidFile = path.join(runDir(dir), 'daemon.pid');
  for (let round = 1; round <= 3; round++) {
    for (const pid of daemons(dir)) process.kill(pid, 'SIGKILL');
    await eventually('the daemons to die', () => daemons(dir).length === 0);
    fs.rmSync(pidFile, {force: true});
    execFileSync('mkfifo', ['-m', '600', pidFile]);
    const ended: number[] = [];
    for (let i = 0; i < racers; i++) void startDaemon(dir).then((r) => ended.push(r.code ?? -1));
    // Open for writing once they had time to reach it (readers wait in open(2) until then),
    // then close: every reader waiting in read(2) sees end-of-file together.
    await new Promise((r) => setTimeout(r, 3000));
    const w = fs.openSync(pidFile, fs.constants.O_RDWR);
    await new Promise((r) => setTimeout(r, 1000));
    fs.closeSync(w);
    await eventually(`round ${round}: all racers but one to exit`, () => ended.length >= racers - 1, 60_000).catch(() => {});
    const alive = daemons(dir);
    t.is(alive.length, 1, `round ${round}: daemons alive: ${alive.join(', ')}`);
    if (alive.length !== 1) break;
    await eventually(`round ${round}: the survivor adopts web1`, () => runRecord(dir, 'web1')?.daemonPid === alive[0], 15_000).catch(() => {});
    t.is(runRecord(dir, 'web1')?.daemonPid, alive[0]);
  }
  t.is(cli(dir, ['destroy', 'web1']).status, 0);
});

test.serial('a lock that refuses connections while the pid file names its live writer is held (FreeBSD: a full listen queue)', async (t) => {
  const dir = fastSimHost(t, 'busy-holder');
  const gens = () =>
    fs
      .readdirSync(runDir(dir))
      .filter((f) => /^\.daemon\.\d+\.lock$/.test(f))
      .sort();
  // A daemon that lost the start race to it may still be on its way out.
  await eventually('one daemon', () => daemons(dir).length === 1);
  const first = daemons(dir);
  process.kill(first[0]!, 'SIGKILL');
  await eventually('the daemon to die', () => daemons(dir).length === 0);
  // Its socket now refuses, as a FreeBSD daemon's does with a full listen queue. The pid
  // file names a live process that started before the file was written: its writer.
  const holder = spawn('sleep', ['600'], {stdio: 'ignore'});
  t.teardown(() => holder.kill('SIGKILL'));
  await new Promise((r) => setTimeout(r, 1500));
  const pidFile = path.join(runDir(dir), 'daemon.pid');
  fs.writeFileSync(pidFile, `${holder.pid}\n`);
  const before = gens();
  t.deepEqual(before, ['.daemon.1.lock']);
  const r = await startDaemon(dir);
  t.is(r.code, 0, r.stderr);
  t.is(r.stderr, '');
  t.deepEqual(gens(), before, 'no new lock generation');
  t.regex(
    fs.readFileSync(path.join(dir, 'var/log/bhyve-tui/daemon.log'), 'utf8'),
    new RegExp(`another daemon \\(pid ${holder.pid} \\(its socket refuses connections`),
  );
  // The same pid in a pid file written long before the process started: a reused pid, the
  // lock is stale and the next daemon takes it.
  const old = (Date.now() - 3600_000) / 1000;
  fs.utimesSync(pidFile, old, old);
  const replacer = spawn(process.execPath, [cliBundle, '-c', `sim://${dir}`, 'daemon'], {stdio: 'ignore'});
  await eventually('a daemon to take the next generation', () => gens().length === 1 && gens()[0] !== before[0], 30_000).catch(() => {});
  t.deepEqual(gens(), ['.daemon.2.lock'], 'the stale generation was replaced by the next one');
  // (on a loaded machine the scan may still see a daemon that has lost and is leaving)
  await eventually('one daemon', () => daemons(dir).length === 1, 30_000).catch(() => {});
  const alive = daemons(dir);
  t.is(alive.length, 1, `one daemon after the stale lock; the test started ${replacer.pid}\n${whatDaemonsDo(dir, alive)}`);
  t.is(await ping(dir), alive[0] ?? null, 'it answers on daemon.sock');
  t.is(fs.readFileSync(pidFile, 'utf8').trim(), String(alive[0]));
});

test.serial("destroying what a domain named 'daemon' left behind leaves the daemon's own files", async (t) => {
  const dir = fastSimHost(t, 'named-daemon');
  const domains = path.join(dir, 'usr/local/etc/bhyve-tui/domains');
  const xml = fs
    .readFileSync(path.join(domains, 'web1.xml'), 'utf8')
    .replace('<name>web1</name>', '<name>daemon</name>')
    .replace(/<uuid>[^<]*<\/uuid>/, '<uuid>5c0ad6d6-5e61-4b0d-9a43-59b1d2b0f0aa</uuid>')
    .replaceAll('/dev/nmdm-web1.1', '/dev/nmdm-daemon.1');
  const file = path.join(dir, 'daemon-domain.xml');
  fs.writeFileSync(file, xml);
  t.is(cli(dir, ['define', file]).status, 0);
  const before = daemons(dir);
  t.is(before.length, 1);
  // A run record without a process (a daemon killed between writing it and the start).
  const gone = spawn('true');
  await new Promise((r) => gone.on('close', r));
  fs.writeFileSync(
    path.join(runDir(dir), 'daemon.json'),
    JSON.stringify({name: 'daemon', daemonPid: before[0], phase: 'running', pid: gone.pid, taps: [], startedAt: new Date().toISOString(), restarts: []}),
  );
  const state = () => (JSON.parse(cli(dir, ['list', '--all', '--json']).stdout) as DomainSummary[]).find((d) => d.name === 'daemon')?.state;
  t.is(state(), 'orphaned');
  const r = cli(dir, ['destroy', 'daemon']);
  t.is(r.status, 0, r.stderr);
  t.true(fs.existsSync(path.join(runDir(dir), 'daemon.sock')), 'daemon.sock is still there');
  t.is(fs.readFileSync(path.join(runDir(dir), 'daemon.pid'), 'utf8').trim(), String(before[0]), 'daemon.pid is still there');
  t.is(state(), 'shut off');
  t.deepEqual(
    daemons(dir),
    before,
    `the next client reached the same daemon; no second one. daemon.log:\n${fs.readFileSync(path.join(dir, 'var/log/bhyve-tui/daemon.log'), 'utf8')}`,
  );
});
