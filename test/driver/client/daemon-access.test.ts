// A user who may not open the daemon's socket (a non-root user on a real host: the run
// directory is root's, mode 0700) gets one line saying so, and no second daemon.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import {spawnSync} from 'node:child_process';
import {cliBundle, daemonPid, daemonsOf, fastSimHost} from '../../helpers/sim-dir.js';

const nobody = 65534;
const canSwitchUser = process.getuid?.() === 0;

(canSwitchUser ? test : test.skip)('a user without access to the socket gets one line, and no second daemon is started', (t) => {
  if (!canSwitchUser) t.log('needs root to run the client as nobody');
  const dir = fastSimHost(t, 'access');
  const first = daemonPid(dir);
  // Others may walk to the run directory; the daemon keeps that one (and its socket) its own.
  fs.chmodSync(dir, 0o755);
  for (const d of ['var', 'var/run']) fs.chmodSync(path.join(dir, d), 0o755);
  t.is(fs.statSync(path.join(dir, 'var/run/bhyve-tui')).mode & 0o777, 0o700);
  for (const verb of [['list'], ['start', 'web1'], ['console', 'web1']]) {
    const t0 = Date.now();
    const r = spawnSync(process.execPath, [cliBundle, '-c', `sim://${dir}`, ...verb], {uid: nobody, gid: nobody, cwd: '/', encoding: 'utf8', timeout: 30_000});
    t.is(r.status, 1, `${verb.join(' ')}: ${r.stderr}`);
    t.is(
      r.stderr,
      `error: cannot reach the bhyve-tui daemon: permission denied on ${dir}/var/run/bhyve-tui/daemon.sock; run as the user who owns the simulated host\n`,
    );
    t.true(Date.now() - t0 < 10_000, `answered in ${Date.now() - t0} ms`);
  }
  t.deepEqual(daemonsOf(dir), [first], 'still the one daemon');
});
