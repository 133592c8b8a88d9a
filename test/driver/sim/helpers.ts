// Test helpers for the simulated host: a fresh sim root per test, running the built
// tools through their wrappers, and a console client that opens the nmdm B side the way
// the driver does (fs.openSync + tty streams).
import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tty from 'node:tty';
import {fileURLToPath} from 'node:url';
import type {ExecutionContext} from 'ava';
import {ensureSimHost, simToolPath, simViolations, stopSimHost, updateHostState, type HostState, type SimTool} from '../../../driver/sim/sim-host.js';
import {openTtyBackend} from '../../../driver/sim/nmdm.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface ToolResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunningTool {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  done: Promise<ToolResult>;
}

/** A sim root for one test, torn down (processes killed, tree removed) afterwards. */
export async function simHost(t: ExecutionContext, edit?: (s: HostState) => void): Promise<string> {
  if (!fs.existsSync(path.join(repo, 'dist', 'sim', 'bhyve.js'))) {
    throw new Error('dist/sim is missing: run `node scripts/build.mjs` first');
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bhyve-sim-test-'));
  await ensureSimHost(dir);
  await updateHostState(dir, (s) => {
    s.bootDelayMs = 60; // fast guests in tests
    edit?.(s);
  });
  fs.mkdirSync(path.join(dir, 'vm'), {recursive: true});
  fs.writeFileSync(path.join(dir, 'vm', 'disk.img'), Buffer.alloc(4096));
  t.teardown(async () => {
    await stopSimHost(dir);
    // A use of a device that goes wrong on FreeBSD (README.md, "nmdm pairs") fails the test.
    const violations = simViolations(dir);
    fs.rmSync(dir, {recursive: true, force: true});
    if (violations.length > 0) throw new Error(`the simulated host recorded what would go wrong on FreeBSD:\n${violations.join('\n')}`);
  });
  return dir;
}

export function startTool(t: ExecutionContext, dir: string, tool: SimTool, args: string[]): RunningTool {
  const child = spawn(simToolPath(dir, tool), args, {stdio: ['ignore', 'pipe', 'pipe']});
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const done = new Promise<ToolResult>((resolve) => {
    child.on('close', (code, signal) => resolve({code, signal, stdout: out, stderr: err}));
  });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return {child, stdout: () => out, stderr: () => err, done};
}

export function runTool(t: ExecutionContext, dir: string, tool: SimTool, args: string[]): Promise<ToolResult> {
  return startTool(t, dir, tool, args).done;
}

/** Resolve within ms or fail the test with a message. */
export async function within<T>(ms: number, p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The user side of a console, opened as the driver opens /dev/nmdmNB. */
export class ConsoleClient {
  private buf = '';
  private readonly rs: tty.ReadStream;
  private readonly ws: tty.WriteStream;
  private listeners: (() => void)[] = [];

  /** `dir`: the sim root; `dev`: the FreeBSD path, e.g. /dev/nmdm0B. */
  constructor(dir: string, dev: string) {
    // Non-blocking, then raw with CLOCAL before the tty streams: libuv reopens the device
    // by name without O_NONBLOCK, which on FreeBSD waits for carrier unless CLOCAL is set.
    const fd = openTtyBackend(dir, dev);
    sttyOn(fd, ['raw', '-echo', 'clocal']);
    this.rs = new tty.ReadStream(fd);
    this.rs.setRawMode(true);
    this.ws = new tty.WriteStream(fd);
    // Each stream runs on its own reopened descriptor; fd is a duplicate nobody else closes.
    const used = [handleFd(this.rs), handleFd(this.ws)];
    if (used.every((u) => u !== undefined && u !== fd)) fs.closeSync(fd);
    this.rs.on('data', (d: Buffer) => {
      this.buf += d.toString('latin1');
      for (const l of this.listeners.splice(0)) l();
    });
    this.rs.on('error', () => undefined);
  }

  get text(): string {
    return this.buf;
  }

  clear(): void {
    this.buf = '';
  }

  send(s: string): void {
    this.ws.write(s);
  }

  /**
   * Wait until the output matches. With `poke`, send it every 300 ms meanwhile (like a
   * user pressing Enter to get a fresh prompt: output before the client attached is lost).
   */
  async waitFor(re: RegExp, ms = 10000, poke?: string): Promise<string> {
    const deadline = Date.now() + ms;
    let lastPoke = 0;
    while (!re.test(this.buf)) {
      if (Date.now() > deadline) throw new Error(`console: timed out waiting for ${re}; got ${JSON.stringify(this.buf.slice(-300))}`);
      if (poke !== undefined && Date.now() - lastPoke >= 300) {
        this.send(poke);
        lastPoke = Date.now();
      }
      await new Promise<void>((r) => {
        const timer = setTimeout(r, 50);
        this.listeners.push(() => {
          clearTimeout(timer);
          r();
        });
      });
    }
    return this.buf;
  }

  close(): void {
    this.rs.destroy();
    this.ws.destroy();
  }
}

/**
 * Runs stty on the tty open as fd, returns its output. stty acts on its stdin; the tty goes
 * in as fd 3 because libuv makes a child's fds 0-2 blocking, which would clear O_NONBLOCK
 * on the caller's open file too.
 */
export function sttyOn(fd: number, args: string[]): string {
  const r = spawnSync('/bin/sh', ['-c', 'exec stty "$@" <&3', 'stty', ...args], {stdio: ['ignore', 'pipe', 'pipe', fd], encoding: 'utf8'});
  if (r.status !== 0) throw new Error(`stty ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** The descriptor a tty stream's libuv handle uses (libuv may have reopened the device). */
function handleFd(s: tty.ReadStream | tty.WriteStream): number | undefined {
  const fd = (s as unknown as {_handle?: {fd?: unknown}})._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}

/** Open the B side once the A side exists (the guest's bhyve opened it). */
export async function attachConsole(t: ExecutionContext, dir: string, base = 'nmdm0'): Promise<ConsoleClient> {
  const p = path.join(dir, 'dev', `${base}B`);
  const deadline = Date.now() + 10000;
  while (!fs.existsSync(p)) {
    if (Date.now() > deadline) throw new Error(`${p} never appeared`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return openConsole(t, dir, base);
}

/**
 * Open the B side now, before anything opened A (opening either side makes the pair, as
 * devfs cloning does). A loader prints its banner and menu once, as it starts: a console
 * attached after that never sees them, so tests that read them attach first.
 */
export function openConsole(t: ExecutionContext, dir: string, base = 'nmdm0'): ConsoleClient {
  const c = new ConsoleClient(dir, `/dev/${base}B`);
  t.teardown(() => c.close());
  return c;
}

/** Boot a VM the non-UEFI way: bhyveload, then bhyve with a disk, a NIC and com1. */
export async function loadVm(t: ExecutionContext, dir: string, name: string, nmdm = 'nmdm0'): Promise<void> {
  const r = await runTool(t, dir, 'bhyveload', ['-c', `/dev/${nmdm}A`, '-m', '512M', '-e', 'autoboot_delay=0', '-d', '/vm/disk.img', name]);
  t.is(r.code, 0, r.stderr);
}

export function bhyveArgs(name: string, nmdm = 'nmdm0', extra: string[] = []): string[] {
  return [
    '-A',
    '-H',
    '-P',
    '-c',
    '2',
    '-m',
    '512M',
    '-s',
    '0,hostbridge',
    '-s',
    '2,virtio-blk,/vm/disk.img',
    ...extra,
    '-s',
    '31,lpc',
    '-l',
    `com1,/dev/${nmdm}A`,
    name,
  ];
}

export async function loginAsRoot(con: ConsoleClient, name: string): Promise<void> {
  await con.waitFor(/login: $/, 15000, '\r');
  con.clear();
  con.send('root\r');
  await con.waitFor(new RegExp(`root@${name}:~ # $`));
}
