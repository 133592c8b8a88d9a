// A daemon killed (kill -9) in the middle of a start: the next daemon neither loses what the
// start had made nor starts a second bhyve. Found by the soak (npm run soak).
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import {execFileSync, spawn, spawnSync} from 'node:child_process';
import {bhyvesOf, cli, cliAsync, cliBundle, daemonPid, defineUefi, eventually, fastSimHost} from '../../helpers/sim-dir.js';
import {readHostStateSync, updateHostStateSync} from '../../../driver/sim/host-state.js';
import {openConnection} from '../../../driver/client/daemon-client.js';
import {pidAlive} from '../../../driver/host/process-alive.js';
import type {DomainSummary} from '../../../driver/client/connection.js';

const dom = (dir: string, name: string) => (JSON.parse(cli(dir, ['list', '--all', '--json']).stdout) as DomainSummary[]).find((d) => d.name === name)!;
const runDir = (dir: string) => path.join(dir, 'var/run/bhyve-tui');

/**
 * The daemon's stty has made web1's console side CLOCAL (read with the system's stty; an
 * open of the B side while bhyve holds A is fine on FreeBSD, see driver/sim/README.md).
 */
function consoleHasClocal(dir: string): boolean {
  const r = spawnSync('stty', ['-F', path.join(dir, 'dev/nmdm-web1.1B'), '-a'], {encoding: 'utf8'});
  return r.status === 0 && /(^|\s)clocal(\s|$)/.test(r.stdout);
}

for (const name of ['web1', 'uefi1']) {
  test.serial(
    `a daemon killed after spawning bhyve, before it saw bhyve up: the next one supervises that bhyve (${name === 'web1' ? 'bhyveload' : 'UEFI'})`,
    async (t) => {
      const dir = fastSimHost(t, `adopt-early-${name}`);
      if (name === 'uefi1') defineUefi(dir);
      t.is(cli(dir, ['start', name]).status, 0);
      const bhyve = dom(dir, name).pid!;
      const old = daemonPid(dir);
      process.kill(old, 'SIGKILL');
      await eventually('the daemon to die', () => !pidAlive(old));
      // What the run record says when the daemon dies between spawning bhyve and seeing its
      // title (guest-run.ts spawnStage: phase 'bootloader', pid = bhyve's).
      const file = path.join(runDir(dir), `${name}.json`);
      fs.writeFileSync(file, JSON.stringify({...JSON.parse(fs.readFileSync(file, 'utf8')), phase: 'bootloader'}));
      const d = dom(dir, name);
      t.is(d.state, 'running', JSON.stringify(d));
      t.is(d.pid, bhyve);
      await new Promise((r) => setTimeout(r, 3000)); // time for a wrong supervisor to act
      t.deepEqual(bhyvesOf(dir, name), [bhyve], 'the same single bhyve');
      const destroy = await Promise.race([cliAsync(dir, ['destroy', name]), new Promise<null>((r) => setTimeout(() => r(null), 60_000))]);
      t.not(destroy, null, 'destroy answers');
      t.is(destroy?.status, 0, destroy?.stderr);
      t.is(dom(dir, name).state, 'shut off');
      t.deepEqual(bhyvesOf(dir, name), []);
    },
  );
}

test.serial("a daemon killed while it creates a guest's taps: the next daemon removes them and says the start was interrupted", async (t) => {
  const dir = fastSimHost(t, 'kill-taps');
  const old = daemonPid(dir);
  const tapsOf = () => readHostStateSync(dir).interfaces.filter((i) => i.driver === 'tap');
  const start = spawn(process.execPath, [cliBundle, '-c', `sim://${dir}`, 'start', 'web1'], {stdio: 'ignore'});
  // Kill the daemon once the tap exists (made with its description in one ifconfig): it is
  // then adding it to the bridge and bringing it up, the start far from done.
  await eventually("web1's tap", () => tapsOf().some((i) => i.descr === 'bhyve-tui/web1'), 30_000);
  process.kill(old, 'SIGKILL');
  await new Promise((r) => start.on('close', r));
  const tap = tapsOf()[0]!.name;
  // The next client starts a daemon, which finds a start that never ran anything: no loader,
  // no bhyve. It cleans up after it instead of leaving an orphan for the operator.
  await eventually('the interrupted start cleaned up', () => dom(dir, 'web1').state === 'shut off', 30_000);
  await eventually(`${tap} destroyed`, () => tapsOf().length === 0, 30_000).catch((e: Error) => {
    throw new Error(`${e.message}\n${fs.readFileSync(path.join(dir, 'var/log/bhyve-tui/daemon.log'), 'utf8')}`);
  });
  t.regex(fs.readFileSync(path.join(dir, 'var/log/bhyve-tui/daemon.log'), 'utf8'), /the start of 'web1' was interrupted/);
  t.is(cli(dir, ['start', 'web1']).status, 0, 'and it starts again');
  t.is(cli(dir, ['destroy', 'web1']).status, 0);
});

/**
 * A tap that a killed daemon made but never recorded (killed between ifconfig and saving
 * the run record): the next daemon finds it by its description and removes it.
 */
test.serial("a tap marked as a guest's that no run records is removed by the next daemon", async (t) => {
  const dir = fastSimHost(t, 'stray-tap');
  const old = daemonPid(dir);
  process.kill(old, 'SIGKILL');
  await eventually('the daemon to die', () => !pidAlive(old));
  const ifconfig = path.join(dir, 'sbin/ifconfig');
  const stray = execFileSync(ifconfig, ['tap', 'create', 'descr', 'bhyve-tui/web1'], {encoding: 'utf8', env: {...process.env, BHYVE_SIM_ROOT: dir}}).trim();
  const foreign = execFileSync(ifconfig, ['tap', 'create', 'descr', 'vmnet/other'], {encoding: 'utf8', env: {...process.env, BHYVE_SIM_ROOT: dir}}).trim();
  t.is(cli(dir, ['list']).status, 0); // starts the next daemon
  await eventually(
    `${stray} removed`,
    () => !execFileSync(ifconfig, ['-l'], {encoding: 'utf8', env: {...process.env, BHYVE_SIM_ROOT: dir}}).includes(stray),
    30_000,
  );
  t.regex(
    execFileSync(ifconfig, ['-l'], {encoding: 'utf8', env: {...process.env, BHYVE_SIM_ROOT: dir}}),
    new RegExp(`\\b${foreign}\\b`),
    'a tap that is not ours stays',
  );
  t.regex(fs.readFileSync(path.join(dir, 'var/log/bhyve-tui/daemon.log'), 'utf8'), new RegExp(`stray tap ${stray} of 'web1'`));
});

test.serial('asking for the console of an adopted guest that is destroyed meanwhile says it is not running', async (t) => {
  const dir = fastSimHost(t, 'adopt-console-ask');
  t.is(cli(dir, ['start', 'web1']).status, 0);
  const old = daemonPid(dir);
  // The next daemon takes 6 s to open web1's console (stty slow to finish).
  updateHostStateSync(dir, (s) => {
    s.faults['*'] = {...s.faults['*'], sttyDelayMs: 6000};
  });
  process.kill(old, 'SIGKILL');
  await eventually('the daemon to die', () => !pidAlive(old));
  const conn = await openConnection(`sim://${dir}`); // starts the daemon, which adopts web1
  t.teardown(() => conn.close());
  // stty has set the console's modes and is slow to finish: the console is still opening.
  await eventually('stty to have set the modes', () => consoleHasClocal(dir), 30_000).catch((e: Error) => {
    t.log(
      fs.readFileSync(path.join(dir, 'var/log/bhyve-tui/web1.log'), 'utf8').split('\n').slice(-4).join('\n'),
      fs.readFileSync(path.join(dir, 'var/log/bhyve-tui/daemon.log'), 'utf8'),
      fs.readdirSync(runDir(dir)),
    );
    throw e;
  });
  const asked = conn.openConsole('web1').then(
    (ch) => {
      ch.close();
      return 'attached';
    },
    (e: Error) => e.message,
  );
  await conn.destroy('web1');
  t.is(await asked, "domain 'web1' is not running; start it first");
});
