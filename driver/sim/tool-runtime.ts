// Process plumbing shared by every simulated tool: synchronous output (tools exit right
// after printing, and an async write could be lost), err(3)-style failures, and a runner
// that turns a thrown ToolExit into the process exit status.
import fs from 'node:fs';
import path from 'node:path';
import {simLayout} from './layout.js';

/** Thrown to end a tool with a given status after its messages were written. */
class ToolExit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

function writeAll(fd: number, text: string | Buffer): void {
  const buf = typeof text === 'string' ? Buffer.from(text) : text;
  let off = 0;
  while (off < buf.length) {
    try {
      off += fs.writeSync(fd, buf, off);
    } catch (e) {
      // stdout may be a non-blocking pipe; spin briefly instead of losing the message.
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
    }
  }
}

export const writeOut = (text: string | Buffer): void => writeAll(1, text);
export const writeErr = (text: string | Buffer): void => writeAll(2, text);

/** Print lines to stderr and exit with `code` (like errx(3) without the prefix). */
export function fail(code: number, ...lines: string[]): never {
  if (lines.length > 0) writeErr(lines.join('\n') + '\n');
  throw new ToolExit(code);
}

/** strerror(3) texts as FreeBSD prints them, for the errno names the simulator uses. */
const STRERROR: Record<string, string> = {
  ENOENT: 'No such file or directory',
  EEXIST: 'File exists',
  EINVAL: 'Invalid argument',
  ENXIO: 'Device not configured',
  EBUSY: 'Device busy',
  ENOTTY: 'Inappropriate ioctl for device',
  ENOTSUP: 'Operation not supported',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  ENOMEM: 'Cannot allocate memory',
  EISDIR: 'Is a directory',
  ENOTDIR: 'Not a directory',
  EIO: 'Input/output error',
  ENOEXEC: 'Exec format error',
};

export function strerror(code: string | undefined): string {
  return (code && STRERROR[code]) ?? 'Unknown error';
}

/** errno numbers (FreeBSD values) for the few messages that print them. */
export const ERRNO: Record<string, number> = {ENOENT: 2, ENXIO: 6, ENOMEM: 12, EBUSY: 16, EEXIST: 17, EINVAL: 22};

export function errnoCode(e: unknown): string | undefined {
  return e instanceof Error ? (e as NodeJS.ErrnoException).code : undefined;
}

/** An Error carrying an errno name, like the ones node's fs throws. */
export function errnoError(code: string, message = strerror(code)): NodeJS.ErrnoException {
  const e: NodeJS.ErrnoException = new Error(message);
  e.code = code;
  return e;
}

/**
 * Notes a run of a tool in the sim's invocations log (one O_APPEND write, so concurrent runs
 * never interleave). bhyve and grub-bhyve do this (it shows how often they are probed), and
 * kldload (it shows what a client could make the daemon load).
 */
export function recordInvocation(root: string, tool: string, argv: readonly string[]): void {
  try {
    fs.appendFileSync(simLayout(root).invocations, `${JSON.stringify({tool, argv, pid: process.pid})}\n`);
  } catch {
    // a missing sim tree is reported by the tool itself
  }
}

/** Root of the simulated host; every wrapper sets it. */
export function simRootFromEnv(): string {
  const root = process.env.BHYVE_SIM_ROOT;
  if (!root) fail(70, 'BHYVE_SIM_ROOT is not set: run the simulated tools through their wrappers');
  return root;
}

/**
 * Map a path seen by the tool to the real file: absolute paths live under the sim root
 * (a chroot-like tree), relative ones stay relative to the working directory as usual.
 */
export function hostPath(root: string, p: string): string {
  return path.isAbsolute(p) ? path.join(root, p) : path.resolve(p);
}

/** Run a tool's main; uncaught errors become status 70 (EX_SOFTWARE) with one line. */
export function runTool(name: string, main: (argv: string[]) => Promise<number> | number): void {
  Promise.resolve()
    .then(() => main(process.argv.slice(2)))
    .then(
      (code) => {
        process.exitCode = code;
      },
      (e: unknown) => {
        if (e instanceof ToolExit) {
          process.exit(e.code);
        }
        writeErr(`${name}: internal simulator error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
        process.exit(70);
      },
    );
}

/** True while a process with this pid exists (EPERM still means it exists). */
export {pidAlive} from '../host/process-alive.js';

export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
