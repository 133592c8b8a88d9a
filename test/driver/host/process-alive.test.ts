// Liveness without procfs (audit item 10): FreeBSD mounts none by default, so a zombie
// is told by ps(1), here the simulated host's FreeBSD ps.
// Serial: both point the one process table at their own ps.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import {spawn} from 'node:child_process';
import {eventually, makeSimDir, removeSimDir} from '../../helpers/sim-dir.js';
import {ensureSimHost} from '../../../driver/sim/sim-host.js';
import {pidAlive, setProcessTable} from '../../../driver/host/process-alive.js';

test.serial('audit 10: without procfs a zombie is dead, as ps -o stat= says', async (t) => {
  const dir = makeSimDir('zombie');
  t.teardown(() => removeSimDir(dir));
  await ensureSimHost(dir);
  // sh starts a short sleep, then becomes a long one that never reaps it: a zombie.
  const parent = spawn('sh', ['-c', 'sleep 0.1 & echo $!; exec sleep 30'], {stdio: ['ignore', 'pipe', 'ignore']});
  t.teardown(() => parent.kill('SIGKILL'));
  const zombie = Number(await new Promise<string>((r) => parent.stdout.once('data', (d: Buffer) => r(d.toString()))));
  await eventually('the zombie', () => fs.readFileSync(`/proc/${zombie}/stat`, 'utf8').includes(') Z '), 5000);
  t.teardown(() => setProcessTable({proc: '/proc', ps: '/bin/ps'}));
  // FreeBSD: no /proc; the host's ps answers.
  setProcessTable({proc: path.join(dir, 'proc'), ps: path.join(dir, 'bin', 'ps')});
  t.false(pidAlive(zombie), 'a zombie is not alive');
  t.true(pidAlive(parent.pid), 'its parent is');
});

test.serial('without procfs a live process costs one ps run per half second, not one per check', async (t) => {
  const dir = makeSimDir('zombie-memo');
  t.teardown(() => removeSimDir(dir));
  await ensureSimHost(dir);
  // The host's ps behind a wrapper that counts its runs.
  const runs = path.join(dir, 'ps-runs');
  const ps = path.join(dir, 'counting-ps');
  fs.writeFileSync(ps, `#!/bin/sh\necho run >> '${runs}'\nexec '${path.join(dir, 'bin', 'ps')}' "$@"\n`, {mode: 0o755});
  const count = () => (fs.existsSync(runs) ? fs.readFileSync(runs, 'utf8').split('\n').length - 1 : 0);
  const child = spawn('sleep', ['30'], {stdio: 'ignore'});
  t.teardown(() => child.kill('SIGKILL'));
  t.teardown(() => setProcessTable({proc: '/proc', ps: '/bin/ps'}));
  setProcessTable({proc: path.join(dir, 'proc'), ps});
  // As endProcess polls a dying process: every 20 ms, here 10 times (well within 500 ms of
  // the first answer).
  for (let i = 0; i < 10; i++, await new Promise((r) => setTimeout(r, 20))) t.true(pidAlive(child.pid));
  t.is(count(), 1, 'one ps run while the first answer holds');
  await new Promise((r) => setTimeout(r, 600));
  t.true(pidAlive(child.pid));
  t.is(count(), 2, 'asked again once it is older than half a second');
  // A process that ended is seen at once, whatever the last answer said.
  child.kill('SIGKILL');
  await eventually('sleep to be reaped', () => child.exitCode !== null || child.signalCode !== null, 5000);
  t.false(pidAlive(child.pid));
});
