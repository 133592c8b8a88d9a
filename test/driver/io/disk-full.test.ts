// A full disk is an ordinary error. The simulated host's log, config or run directory is
// a small real tmpfs that the test fills, so the daemon meets the kernel's own ENOSPC: a
// running guest's console keeps flowing to its client while its log pauses (and the host
// status says so), the daemon stays up, define/autostart/start fail with one line naming
// the file and leave no temp file, and everything resumes once there is space again.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import {cli, daemonPid, eventually, fastSimHost} from '../../helpers/sim-dir.js';
import {fillUp, mountSmallTmpfs, tmpfsProblem} from '../../helpers/small-tmpfs.js';
import {ESC_DEFAULT, attached, consoleLog, loginRoot, ptyClient, shell} from '../console/helpers.js';
import {DaemonConnection} from '../../../driver/client/daemon-client.js';
import {pidAlive} from '../../../driver/host/process-alive.js';
import {logRetryMs} from '../../../driver/io/append-log.js';
import type {DomainSummary} from '../../../driver/client/connection.js';

const logDir = (dir: string) => path.join(dir, 'var/log/bhyve-tui');
const configDir = (dir: string) => path.join(dir, 'usr/local/etc/bhyve-tui');
const runDir = (dir: string) => path.join(dir, 'var/run/bhyve-tui');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Stops the daemon (SIGTERM: guests keep running), so a directory can be mounted over. */
async function stopDaemon(dir: string): Promise<void> {
  const pid = daemonPid(dir);
  process.kill(pid, 'SIGTERM');
  await eventually('the daemon to stop', () => !pidAlive(pid));
}

/** Files under `dir` (recursively) whose name ends in .tmp: writes that were left behind. */
function tmpFiles(dir: string): string[] {
  return (fs.readdirSync(dir, {recursive: true}) as string[]).filter((f) => f.endsWith('.tmp'));
}

async function connect(t: {teardown(fn: () => void): void}, dir: string): Promise<DaemonConnection> {
  const conn = await DaemonConnection.open(`sim://${dir}`);
  t.teardown(() => conn.close());
  return conn;
}

const diskTest = tmpfsProblem === undefined ? test.serial : test.serial.skip;
const skipNote = tmpfsProblem === undefined ? '' : ` (skipped: ${tmpfsProblem})`;

diskTest(`a full log disk: the console keeps flowing, the daemon stays up and says logging paused; it resumes with space${skipNote}`, async (t) => {
  const dir = fastSimHost(t, 'full-log');
  await stopDaemon(dir);
  mountSmallTmpfs(t, dir, logDir(dir), '1m');
  t.is(cli(dir, ['start', 'web1']).status, 0);
  await eventually('the login prompt in the console log', () => consoleLog(dir, 'web1').includes('login: '), 20_000);
  const c = ptyClient(t, dir, ['console', 'web1']);
  await attached(c, 'web1');
  await loginRoot(c, 'web1');
  const daemon = daemonPid(dir);

  const filler = fillUp(logDir(dir));
  // 40 KiB of output: more than whatever room the last page of the console log had.
  const out = await shell(c, 'web1', 'dd if=/dev/zero bs=1k count=40');
  t.regex(out, /40960 bytes transferred in /, 'the console kept working');
  t.regex(await shell(c, 'web1', 'echo still-typing'), /\r\nstill-typing\r\n/);
  t.false(consoleLog(dir, 'web1').includes('still-typing'), 'the console log is full');

  const conn = await connect(t, dir);
  t.deepEqual(await conn.request('ping', []), {pid: daemon}, 'the same daemon answers');
  const paused = (await conn.hostStatus()).loggingPaused ?? [];
  const consolePause = paused.find((p) => p.file === path.join(logDir(dir), 'web1.console.log'));
  t.truthy(consolePause, JSON.stringify(paused));
  t.is(consolePause?.cause, 'no space left on device (ENOSPC)');

  // A daemon killed while the disk is full: the next one adopts the guest and stays up too.
  process.kill(daemon, 'SIGKILL');
  await eventually('the daemon to die', () => !pidAlive(daemon));
  const listed = JSON.parse(cli(dir, ['list', '--all', '--json']).stdout) as DomainSummary[];
  t.is(listed.find((d) => d.name === 'web1')?.state, 'running');
  const next = daemonPid(dir);
  const c2 = ptyClient(t, dir, ['console', 'web1']);
  await attached(c2, 'web1');
  t.regex(await shell(c2, 'web1', 'dd if=/dev/zero bs=1k count=40'), /40960 bytes transferred in /);
  t.true(pidAlive(next), 'the adopting daemon is still up');
  const conn2 = await connect(t, dir);
  t.deepEqual(await conn2.request('ping', []), {pid: next});
  t.true(((await conn2.hostStatus()).loggingPaused ?? []).some((p) => p.file.endsWith('/web1.console.log')));

  // Space again: after the retry interval the next output is logged and the pause is over.
  fs.rmSync(filler);
  await sleep(logRetryMs + 200);
  t.regex(await shell(c2, 'web1', 'echo logged-again'), /\r\nlogged-again\r\n/);
  await eventually('the console log to have the new output', () => consoleLog(dir, 'web1').includes('logged-again'));
  let paused2: {file: string}[] = [];
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; await sleep(100)) {
    paused2 = (await conn2.hostStatus()).loggingPaused ?? [];
    if (!paused2.some((p) => p.file.endsWith('/web1.console.log'))) break;
  }
  t.false(
    paused2.some((p) => p.file.endsWith('/web1.console.log')),
    `the console log resumed: ${JSON.stringify(paused2)}`,
  );
  const domainLog = fs.readFileSync(path.join(logDir(dir), 'web1.log'), 'utf8');
  t.regex(domainLog, /console logging resumed; paused since \S+: no space left on device \(ENOSPC\); \d+ bytes of console output were not logged/);
  const daemonLog = fs.readFileSync(path.join(logDir(dir), 'daemon.log'), 'utf8');
  t.true(daemonLog.includes(`logging to ${path.join(logDir(dir), 'web1.console.log')} resumed`), daemonLog.slice(-2000));
  c2.send(ESC_DEFAULT);
  t.is(await c2.exit(), 0);
  t.is(cli(dir, ['destroy', 'web1']).status, 0);
});

diskTest(`a full config disk: define and autostart fail with one line naming the file, leave no temp file, keep the old definition${skipNote}`, async (t) => {
  const dir = fastSimHost(t, 'full-config');
  await stopDaemon(dir);
  mountSmallTmpfs(t, dir, configDir(dir), '256k');
  const web1 = path.join(configDir(dir), 'domains/web1.xml');
  const before = fs.readFileSync(web1, 'utf8');
  t.is(cli(dir, ['list']).status, 0);
  const daemon = daemonPid(dir);
  const filler = fillUp(configDir(dir));

  const edited = path.join(dir, 'web1-edited.xml');
  fs.writeFileSync(edited, before.replace('</name>', '</name>\n  <title>edited on a full disk</title>'));
  const define = cli(dir, ['define', edited]);
  t.is(define.status, 1);
  t.is(define.stderr, `error: cannot write ${web1}: no space left on device (ENOSPC)\n`);
  t.is(fs.readFileSync(web1, 'utf8'), before, 'the definition that was there is untouched');
  t.deepEqual(tmpFiles(configDir(dir)), [], 'no temp file left');

  const auto = cli(dir, ['autostart', 'web1']);
  t.is(auto.status, 1);
  t.is(auto.stderr, `error: cannot write ${path.join(configDir(dir), 'autostart/web1.json')}: no space left on device (ENOSPC)\n`);
  t.deepEqual(tmpFiles(configDir(dir)), []);
  t.false(fs.existsSync(path.join(configDir(dir), 'autostart/web1.json')));
  t.is(daemonPid(dir), daemon);
  t.true(pidAlive(daemon), 'the daemon is still up');

  fs.rmSync(filler);
  t.is(cli(dir, ['define', edited]).status, 0);
  t.regex(fs.readFileSync(web1, 'utf8'), /edited on a full disk/);
  t.is(cli(dir, ['autostart', 'web1']).status, 0);
  t.true(fs.existsSync(path.join(configDir(dir), 'autostart/web1.json')));
  t.deepEqual(tmpFiles(configDir(dir)), []);
});

diskTest(`a full run directory: start fails with one line naming the run record, and starts once there is space${skipNote}`, async (t) => {
  const dir = fastSimHost(t, 'full-run');
  await stopDaemon(dir);
  mountSmallTmpfs(t, dir, runDir(dir), '256k');
  t.is(cli(dir, ['list']).status, 0);
  const daemon = daemonPid(dir);
  const filler = fillUp(runDir(dir));

  const r = cli(dir, ['start', 'web1']);
  t.is(r.status, 1);
  t.is(r.stderr, `error: cannot start 'web1': cannot write ${path.join(runDir(dir), 'web1.json')}: no space left on device (ENOSPC)\n`);
  t.false(fs.existsSync(path.join(runDir(dir), 'web1.json')), 'no half-written run record (it would look like a start in progress)');
  t.deepEqual(tmpFiles(runDir(dir)), []);
  t.true(pidAlive(daemon), 'the daemon is still up');

  fs.rmSync(filler);
  const again = cli(dir, ['start', 'web1']);
  t.is(again.status, 0, again.stderr);
  t.is(cli(dir, ['destroy', 'web1']).status, 0);
});

diskTest(`a guest that stops while the run directory is full stops for its own reason, not as a crash${skipNote}`, async (t) => {
  const dir = fastSimHost(t, 'full-run-stop');
  await stopDaemon(dir);
  mountSmallTmpfs(t, dir, runDir(dir), '256k');
  const r = cli(dir, ['start', 'web1']);
  t.is(r.status, 0, r.stderr);
  const filler = fillUp(runDir(dir));
  // The ACPI button: bhyve exits 1. Its recorder cannot write the status file; the daemon
  // that spawned it reads the status from the recorder's own exit.
  t.is(cli(dir, ['shutdown', 'web1']).status, 0);
  await eventually(
    'web1 off',
    () => (JSON.parse(cli(dir, ['list', '--all', '--json']).stdout) as {name: string; state: string}[]).find((d) => d.name === 'web1')?.state === 'shut off',
    20_000,
  );
  const log = fs.readFileSync(path.join(dir, 'var/log/bhyve-tui/web1.log'), 'utf8');
  t.regex(log, /bhyve exited with status 1 \(powered off\)/);
  t.notRegex(log, /bhyve exited with status 255/);
  fs.rmSync(filler);
});
