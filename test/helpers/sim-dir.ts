// A fresh simulated host per test, and the guarantee that nothing it started outlives
// the test: every process whose command line or environment names the directory is killed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import {execFileSync, spawn} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {claimSimRoot, simViolations} from '../../driver/sim/sim-host.js';
import {PROTOCOL} from '../../driver/protocol/methods.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const cliBundle = path.join(repoRoot, 'dist', 'bhyve-tui.js');

/**
 * A new directory for a simulated host, marked as the simulator's (claimSimRoot) so a test
 * may put files in it before the first command makes the host.
 */
export function makeSimDir(label: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bhyve-tui-${label}-`));
  claimSimRoot(dir);
  return dir;
}

/**
 * The live `bhyve-tui -c sim://DIR daemon` processes of a simulated host. A child that a
 * daemon forked carries the daemon's command line until its exec (libuv's spawn: the parent
 * waits on a pipe meanwhile), which on a loaded machine lasts long enough to be seen. A
 * process whose parent is one of them is such a child, not a second daemon.
 */
export function daemonsOf(dir: string): number[] {
  const found = new Map<number, number>(); // pid -> parent
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv[1] !== cliBundle || argv[2] !== '-c' || argv[3] !== `sim://${dir}` || argv[4] !== 'daemon') continue;
      const parent = liveParent(Number(entry));
      if (parent !== null) found.set(Number(entry), parent);
    } catch {
      // exited meanwhile
    }
  }
  return notForkedFromOneAnother(found);
}

/** The parent of a live process; null for a zombie. Throws when it is gone. */
function liveParent(pid: number): number | null {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return state === 'Z' ? null : Number(ppid);
}

/** Of processes that look alike (pid -> parent), those not forked by another of them. */
function notForkedFromOneAnother(found: Map<number, number>): number[] {
  return [...found].filter(([, parent]) => !found.has(parent)).map(([pid]) => pid);
}

/** An argument as a URI would carry it decoded (sim:///a%20b names /a b); as it is if it is not one. */
function decoded(arg: string): string {
  try {
    return decodeURIComponent(arg);
  } catch {
    return arg;
  }
}

/** Processes (but this one) whose command line (a URI's path decoded) or environment names `dir`. */
export function processesNaming(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      let env = '';
      try {
        env = fs.readFileSync(`/proc/${entry}/environ`, 'utf8');
      } catch {
        // not ours to read
      }
      if (cmd.includes(dir) || env.includes(dir) || cmd.split('\0').some((arg) => decoded(arg).includes(dir))) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

/** The processes of `dir` (processesNaming) whose command line matches `re`; gone ones are left out. */
function simProcessesMatching(dir: string, re: RegExp): number[] {
  return processesNaming(dir).filter((pid) => {
    try {
      return re.test(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' '));
    } catch {
      return false; // exited meanwhile
    }
  });
}

/** The console set-ups (the stty chain: sh, the simulator's wrapper, its node) running on `dir`. */
export function sttysOf(dir: string): number[] {
  return simProcessesMatching(dir, /\/bin\/stty |sim\/stty\.js/);
}

export function killSimProcesses(dir: string): void {
  for (const pid of processesNaming(dir)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
}

/**
 * Kills what the host started and removes it; throws (failing the test that tears down)
 * when the simulated host recorded a violation: a use of a device that goes wrong on
 * FreeBSD (see driver/sim/README.md, "nmdm pairs").
 */
export function removeSimDir(dir: string): void {
  killSimProcesses(dir);
  const violations = simViolations(dir);
  fs.rmSync(dir, {recursive: true, force: true});
  if (violations.length > 0) throw new Error(`the simulated host recorded what would go wrong on FreeBSD:\n${violations.join('\n')}`);
}

/** Runs the built CLI; never throws, returns what a user would see. */
export function cli(dir: string, args: string[], opts: {input?: string; env?: NodeJS.ProcessEnv} = {}): {status: number; stdout: string; stderr: string} {
  try {
    const stdout = execFileSync(process.execPath, [cliBundle, '-c', `sim://${dir}`, ...args], {
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
      input: opts.input ?? '',
      ...(opts.env ? {env: opts.env} : {}),
    });
    return {status: 0, stdout, stderr: ''};
  } catch (e) {
    const err = e as {status: number | null; stdout: string; stderr: string};
    return {status: err.status ?? 1, stdout: err.stdout ?? '', stderr: err.stderr ?? ''};
  }
}

/** Polls until check() is true; fails with `what` after the timeout. */
export async function eventually(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  if (!check()) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** Runs the built CLI without blocking the test's event loop (for races and consoles). */
export function cliAsync(dir: string, args: string[], opts: {env?: NodeJS.ProcessEnv} = {}): Promise<{status: number; stdout: string; stderr: string}> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliBundle, '-c', `sim://${dir}`, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(opts.env ? {env: opts.env} : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({status: code ?? 1, stdout, stderr}));
  });
}

/** A fresh simulated host with its demo domains, tuned so guests boot in well under a second. */
export function fastSimHost(t: {teardown(fn: () => void): void}, label: string, run: typeof cli = cli): string {
  const dir = makeSimDir(label);
  t.teardown(() => removeSimDir(dir));
  const r = run(dir, ['list']);
  if (r.status !== 0) throw new Error(r.stderr);
  const hostJson = path.join(dir, 'host.json');
  const state = JSON.parse(fs.readFileSync(hostJson, 'utf8')) as Record<string, unknown>;
  state.bootDelayMs = 50;
  state.autobootDelay = 0;
  fs.writeFileSync(hostJson, JSON.stringify(state, null, 2));
  return dir;
}

/** Defines uefi1: web1 booted by UEFI firmware (no loader stage), with a console of its own. */
export function defineUefi(dir: string): void {
  const xml = fs
    .readFileSync(path.join(dir, 'usr/local/etc/bhyve-tui/domains/web1.xml'), 'utf8')
    .replace('<name>web1</name>', '<name>uefi1</name>')
    .replace(/<uuid>[^<]*<\/uuid>/, '<uuid>5c0ad6d6-5e61-4b0d-9a43-59b1d2b0f0cc</uuid>')
    .replace('<type>hvm</type>', "<type>hvm</type>\n    <loader readonly='yes' type='pflash'>/usr/local/share/uefi-firmware/BHYVE_UEFI.fd</loader>")
    .replaceAll('/dev/nmdm-web1.1', '/dev/nmdm-uefi1.1');
  const file = path.join(dir, 'uefi1.xml');
  fs.writeFileSync(file, xml);
  const r = cli(dir, ['define', file]);
  if (r.status !== 0) throw new Error(r.stderr);
}

export function daemonPid(dir: string): number {
  return Number(fs.readFileSync(path.join(dir, 'var', 'run', 'bhyve-tui', 'daemon.pid'), 'utf8').trim());
}

/** The hello every connection starts with (driver/protocol/methods.ts), as one protocol line. */
export const helloLine = `${JSON.stringify({id: 0, method: 'hello', params: [{protocol: PROTOCOL, build: 'test'}]})}\n`;

/** One request straight on the daemon's socket, after the hello, as any client could send it; its reply. */
export function rawRequest(dir: string, method: string, params: unknown[]): Promise<{result?: unknown; error?: {message: string}}> {
  return new Promise((resolve, reject) => {
    const sock = net.createConnection(path.join(dir, 'var/run/bhyve-tui/daemon.sock'));
    let buf = '';
    sock.on('data', (c) => {
      buf += c.toString();
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const reply = JSON.parse(buf.slice(0, nl)) as {id: number; result?: unknown; error?: {message: string}};
        buf = buf.slice(nl + 1);
        if (reply.id !== 1) continue; // the hello's answer
        sock.destroy();
        resolve(reply);
        return;
      }
    });
    sock.on('error', reject);
    sock.write(`${helloLine}${JSON.stringify({id: 1, method, params})}\n`);
  });
}

/**
 * Live bhyve processes of the simulated host at `dir` running NAME. The sim's bhyve runs
 * stty on its console: that child, between fork and exec, carries bhyve's title and is not
 * a second bhyve (see daemonsOf).
 */
export function bhyvesOf(dir: string, name: string): number[] {
  const found = new Map<number, number>(); // pid -> parent
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (!fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith(`bhyve: ${name}`)) continue;
      if (!fs.readFileSync(`/proc/${pid}/environ`, 'utf8').includes(`BHYVE_SIM_ROOT=${dir}\0`)) continue;
      const parent = liveParent(Number(pid));
      if (parent !== null) found.set(Number(pid), parent);
    } catch {
      // gone
    }
  }
  return notForkedFromOneAnother(found);
}

/** Resolves with the promise's value, or rejects after ms: a hanging request fails the test instead of hanging it. */
export async function within<T>(ms: number, p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
