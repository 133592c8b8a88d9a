// Liveness without procfs (audit item 10): FreeBSD mounts none by default, so a zombie
// is told by ps(1), here the simulated host's FreeBSD ps.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import {spawn} from 'node:child_process';
import {eventually, makeSimDir, removeSimDir} from '../../helpers/sim-dir.js';
import {ensureSimHost} from '../../../driver/sim/sim-host.js';
import {pidAlive, setProcessTable} from '../../../driver/host/process-alive.js';

test('audit 10: without procfs a zombie is dead, as ps -o stat= says', async (t) => {
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
