// The exit recorder (driver/supervise/exit-recorder.ts) through real processes: the status a
// program ends with reaches the status file, and the guest's log gets only the program's output.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import {readExitStatus, spawnRecorded} from '../../../driver/supervise/exit-recorder.js';
import {pidAlive} from '../../../driver/host/process-alive.js';

async function recorded(t: import('ava').ExecutionContext, program: string, args: string[]) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'exit-recorder-'));
  t.teardown(() => fs.rmSync(dir, {recursive: true, force: true}));
  const files = {status: path.join(dir, 'web1.status'), pid: path.join(dir, 'web1.pid')};
  const log = path.join(dir, 'web1.log');
  const logFd = fs.openSync(log, 'a');
  const rec = await spawnRecorded(program, args, files, logFd, process.env);
  fs.closeSync(logFd);
  t.teardown(() => {
    if (pidAlive(rec.pid)) process.kill(rec.pid, 'SIGKILL');
  });
  rec.recorder.ref(); // the daemon unrefs it; this test waits for it
  // The recorder may be gone already (a program that exits at once).
  const exited = new Promise<number | null>((resolve) => {
    if (rec.recorder.exitCode !== null) resolve(rec.recorder.exitCode);
    else rec.recorder.once('exit', (code) => resolve(code));
  });
  return {rec, files, log, exited};
}

test('a program killed by a signal: status 128+N in the file, and no word of the shell in the log', async (t) => {
  const {rec, files, log, exited} = await recorded(t, '/bin/sh', ['-c', 'echo booting; exec sleep 30']);
  for (let i = 0; i < 200 && !fs.readFileSync(log, 'utf8').includes('booting'); i++) await new Promise((r) => setTimeout(r, 10));
  process.kill(rec.pid, 'SIGKILL'); // what destroy does to bhyve
  t.is(await exited, 137);
  t.is(readExitStatus(files.status), 137);
  t.is(fs.readFileSync(log, 'utf8'), 'booting\n', 'the log holds what the program wrote, nothing of the recorder');
});

test("a program's own exit code is recorded as is", async (t) => {
  const {files, log, exited} = await recorded(t, '/bin/sh', ['-c', 'echo bye >&2; exit 4']);
  t.is(await exited, 4);
  t.is(readExitStatus(files.status), 4);
  t.is(fs.readFileSync(log, 'utf8'), 'bye\n');
});
