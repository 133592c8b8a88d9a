// bhyve's exit status is the only thing it tells its manager, and only its parent can
// read it. A guest must outlive the daemon, so the daemon does not run bhyve as its own
// child: a tiny sh(1) runs it and writes the status to a file when it exits. A daemon
// restarted while the guest runs reads the file instead of wait(2)ing. The script text
// is constant; the program and its arguments reach it as "$@", never as shell source.
import {spawn, type ChildProcess} from 'node:child_process';
import fs from 'node:fs';

// When the pid cannot be recorded (a full /var/run), nothing could supervise the program:
// it is killed at once and the recorder exits 125. When the status cannot be recorded,
// it tries again for a moment (space may come back), and exits with the program's status
// either way, which the daemon that spawned it reads from its child (an adopted guest
// depends on the file alone).
const recorder = [
  'status=$1; pidfile=$2; shift 2',
  '"$@" &',
  'child=$!',
  'if ! { echo "$child" > "$pidfile.tmp" && mv "$pidfile.tmp" "$pidfile"; } 2>/dev/null; then',
  '  kill -9 "$child" 2>/dev/null; wait "$child"; rm -f "$pidfile.tmp"; exit 125',
  'fi',
  // sh reports a child killed by a signal ("Killed") on stderr, which is the guest's log.
  'wait "$child" 2>/dev/null',
  'code=$?',
  'tries=0',
  'until { echo "$code" > "$status.tmp" && mv "$status.tmp" "$status"; } 2>/dev/null; do',
  '  rm -f "$status.tmp"; tries=$((tries + 1)); [ "$tries" -ge 3 ] && break; sleep 1',
  'done',
  'exit "$code"',
].join('\n');

/** How long the recorder gets to write the program's pid; a daemon that recovers a run waits as long. */
export const recorderPidDeadlineMs = 5000;

/** The recorder's own exit status when it could not write the program's pid file. */
const RECORDER_NO_PID_FILE = 125;

export interface RecordedProcess {
  /** the recorder (our child while this daemon lives) */
  recorder: ChildProcess;
  /** the program's own pid, once the recorder wrote it */
  pid: number;
}

/** Runs `program args` under the recorder; output goes to logFd. Resolves once the pid is known. */
export async function spawnRecorded(
  program: string,
  args: string[],
  files: {status: string; pid: string},
  logFd: number,
  env: NodeJS.ProcessEnv,
): Promise<RecordedProcess> {
  fs.rmSync(files.status, {force: true});
  fs.rmSync(files.pid, {force: true});
  const child = spawn('/bin/sh', ['-c', recorder, 'bhyve-tui-recorder', files.status, files.pid, program, ...args], {
    detached: true, // own session: a signal to the daemon's group never reaches the guest
    stdio: ['ignore', logFd, logFd],
    env,
  });
  child.unref();
  const deadline = Date.now() + recorderPidDeadlineMs;
  for (;;) {
    const pid = readPidFile(files.pid);
    if (pid) return {recorder: child, pid};
    if (child.exitCode === RECORDER_NO_PID_FILE) throw new Error(`could not start ${program}: cannot write ${files.pid} (is the disk full?)`);
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`could not start ${program}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export function readPidFile(file: string): number | null {
  try {
    const n = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

/** The recorded status: 0-127 an exit code, 128+N death by signal N (as sh reports it). */
export function readExitStatus(file: string): number | null {
  try {
    const text = fs.readFileSync(file, 'utf8').trim();
    if (!/^\d+$/.test(text)) return null;
    return Number(text);
  } catch {
    return null;
  }
}
