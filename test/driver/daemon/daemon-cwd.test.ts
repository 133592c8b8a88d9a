// The daemon runs from '/' (as daemon(3) makes a daemon do), whatever directory the client
// that started it was in, so it never holds a file system busy; guests started from it
// inherit '/', and everything still works from there.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import {spawnSync} from 'node:child_process';
import {cliBundle, daemonPid, makeSimDir, removeSimDir} from '../../helpers/sim-dir.js';
import type {DomainSummary} from '../../../driver/client/connection.js';

test("the daemon's working directory is / even when its client ran elsewhere; starts still work", (t) => {
  const dir = makeSimDir('cwd');
  t.teardown(() => removeSimDir(dir));
  // The client runs from a directory of its own, which an operator might want to unmount.
  const work = path.join(dir, 'somewhere');
  fs.mkdirSync(work);
  const run = (...args: string[]) => spawnSync(process.execPath, [cliBundle, '-c', `sim://${dir}`, ...args], {cwd: work, encoding: 'utf8', timeout: 60_000});
  t.is(run('list').status, 0);
  const pid = daemonPid(dir);
  t.is(fs.readlinkSync(`/proc/${pid}/cwd`), '/');
  const started = run('start', 'web1');
  t.is(started.status, 0, started.stderr);
  const web1 = (JSON.parse(run('list', '--json').stdout) as DomainSummary[]).find((d) => d.name === 'web1');
  t.is(web1?.state, 'running');
  t.is(fs.readlinkSync(`/proc/${web1!.pid!}/cwd`), '/', 'the guest inherits it');
  t.is(run('destroy', 'web1').status, 0);
});
