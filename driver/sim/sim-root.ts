// Which directories the simulator may take as a simulated host's root. The simulator writes
// freely below its root (host.json, tool wrappers at /usr/sbin/bhyve, /sbin/ifconfig, ...,
// dev/vmm), so the root must be a tree of its own: never the filesystem root, never a tree
// that holds anything the simulator did not write. It marks the roots it makes with a file,
// SIM_ROOT_MARKER, and takes a directory only when it is new, empty, marked already, or a
// host made by an older simulator before the mark existed (recognised below, then marked).
import fs from 'node:fs';
import path from 'node:path';
import {DriverError} from '../client/connection.js';
import {HOST_TOOL_PATHS} from '../host/layout.js';

export const SIM_ROOT_MARKER = '.bhyve-tui-sim';
const MARKER_HEAD = 'bhyve-tui simulated FreeBSD host, format ';
const MARKER_FORMAT = 1;
const EXAMPLE = 'sim:///tmp/bhyve-sim';

/** Quote for POSIX sh: single quotes, embedded ' as '\''. */
export function shQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** The first line of every tool wrapper the simulator writes, after the #! line. */
export const WRAPPER_HEADER = '#!/bin/sh\n# bhyve-tui simulated ';

/** The start of a file (at most max bytes), or null when it is not a regular file. */
function head(file: string, max = 4096): string | null {
  let fd: number;
  try {
    if (!fs.lstatSync(file).isFile()) return null;
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    const buf = Buffer.alloc(max);
    return buf.subarray(0, fs.readSync(fd, buf, 0, max, 0)).toString('utf8');
  } catch {
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

/** A tool wrapper the simulator wrote: a regular file (not a link) starting with its header. */
export function isSimWrapper(file: string): boolean {
  return head(file)?.startsWith(WRAPPER_HEADER) ?? false;
}

/** The path with every symbolic link of its existing part resolved ('/' for a link to '/'). */
function resolveExisting(p: string): string {
  let base = path.resolve(p);
  const rest: string[] = [];
  for (;;) {
    try {
      return path.join(fs.realpathSync(base), ...rest);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw e;
    }
    if (base === '/') return path.join('/', ...rest);
    rest.unshift(path.basename(base));
    base = path.dirname(base);
  }
}

/**
 * What an older simulator's host holds at its top level (its tree, the product's files, the
 * demo disks in vm/, etc/rc.conf some tests write). A directory with anything else beside
 * them is not adopted (inspectSimRoot says which): a system tree has lib/, include/, ...
 */
const OLDER_HOST_ENTRIES = new Set(['host.json', 'dev', 'usr', 'sbin', 'bin', 'var', 'vm', 'etc', 'tmp']);

/**
 * A simulated host made before the marker existed: a host.json with the simulator's shape
 * (it always writes `modules` and `interfaces`) and at least one tool wrapper with the
 * simulator's header naming this very directory as its root. Only the simulator writes
 * such a wrapper, and only into the root it was given. An older simulator could also have
 * written them into a tree that was not its own (sim:///usr); the check of the top-level
 * entries in inspectSimRoot keeps such a tree refused.
 */
function isOlderSimHost(dir: string, entries: string[]): boolean {
  if (!entries.includes('host.json')) return false;
  try {
    const st = JSON.parse(head(path.join(dir, 'host.json'), 1 << 20) ?? '') as Record<string, unknown>;
    if (typeof st?.modules !== 'object' || st.modules === null || !Array.isArray(st.interfaces)) return false;
  } catch {
    return false;
  }
  const namesRoot = `BHYVE_SIM_ROOT=${shQuote(dir)} `;
  return Object.values(HOST_TOOL_PATHS).some((p) => {
    const text = head(path.join(dir, p));
    return text?.startsWith(WRAPPER_HEADER) && text.includes(namesRoot);
  });
}

export type SimRootState = 'new' | 'empty' | 'marked' | 'older';

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The marker's format, or null when the file is not one. Waits out a marker being written. */
function markerFormat(file: string): number | null {
  for (let i = 0; ; i++) {
    const text = head(file);
    if (text === null) return null;
    const m = /^bhyve-tui simulated FreeBSD host, format (\d+)\n/.exec(text);
    if (m) return Number(m[1]);
    // A concurrent claimSimRoot creates the file and then writes its line: allow it a moment.
    if (text !== '' || i >= 100) return null;
    sleepMs(10);
  }
}

/**
 * Whether dir may be a simulated host's root, and what it is now. Reads only. Throws a
 * one-line DriverError naming `uri` (when given) or dir for the filesystem root (also through
 * a link), a non-directory, or a directory with content the simulator did not write.
 */
export function inspectSimRoot(dir: string, uri?: string): SimRootState {
  const abs = path.resolve(dir);
  const what = uri ? `invalid connection URI '${uri}'` : abs;
  let real: string;
  try {
    real = resolveExisting(abs);
  } catch (e) {
    throw new DriverError(`cannot use ${abs} as a simulated host: ${(e as Error).message}`);
  }
  if (real === '/') {
    throw new DriverError(
      `${what}: ${real === abs ? 'that is' : 'it resolves to'} the filesystem root; give the simulated host a directory of its own, e.g. ${EXAMPLE}`,
    );
  }
  let entries: string[];
  try {
    entries = fs.readdirSync(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'new';
    if (code === 'ENOTDIR') throw new DriverError(`${abs} exists and is not a directory; give the simulated host a directory of its own, e.g. ${EXAMPLE}`);
    throw new DriverError(`cannot use ${abs} as a simulated host: ${(e as Error).message}`);
  }
  if (entries.length === 0) return 'empty';
  if (entries.includes(SIM_ROOT_MARKER)) {
    const format = markerFormat(path.join(abs, SIM_ROOT_MARKER));
    if (format === MARKER_FORMAT) return 'marked';
    if (format !== null && format > MARKER_FORMAT) {
      throw new DriverError(
        `${abs} is a simulated host of a newer bhyve-tui (format ${format}); use that version, or a new or empty directory, e.g. ${EXAMPLE}`,
      );
    }
  } else if (isOlderSimHost(abs, entries)) {
    const others = entries.filter((e) => !OLDER_HOST_ENTRIES.has(e));
    if (others.length === 0) return 'older';
    const list = others.slice(0, 3).join(', ') + (others.length > 3 ? ', ...' : '');
    throw new DriverError(
      `${abs} looks like a simulated host of an older bhyve-tui but also holds ${list}, which the simulator does not make; move ${others.length > 1 ? 'them' : 'it'} out, or use a new or empty directory, e.g. ${EXAMPLE}`,
    );
  }
  throw new DriverError(`${abs} exists and was not made by the bhyve-tui simulator; use a new or empty directory, e.g. ${EXAMPLE}`);
}

/**
 * Takes dir as a simulated host's root: creates it when new and writes the marker into a
 * new, empty or older-simulator directory; refuses anything else (see inspectSimRoot).
 * Safe to call concurrently and repeatedly. (Between finding a directory empty and marking
 * it, another process could write into it; nothing can close that window, and it needs
 * someone filling a directory at the moment it is first named as a simulated host.)
 */
export function claimSimRoot(dir: string, uri?: string): void {
  const abs = path.resolve(dir);
  for (let attempt = 0; ; attempt++) {
    const state = inspectSimRoot(abs, uri);
    if (state === 'marked') return;
    const how = state === 'older' ? 'adopted: a host made by an older bhyve-tui, before the mark existed' : 'made by the simulator';
    const text =
      `${MARKER_HEAD}${MARKER_FORMAT}\n` +
      `This directory is a simulated FreeBSD host of bhyve-tui (${how}, ${new Date().toISOString()}).\n` +
      'The simulator writes below it, and only here; see driver/sim/README.md.\n';
    try {
      if (state === 'new') {
        fs.mkdirSync(path.dirname(abs), {recursive: true});
        fs.mkdirSync(abs); // not recursive: a directory someone made meanwhile is inspected again
      }
      // 'wx': a concurrent claim may have marked it first; then it is inspected again.
      fs.writeFileSync(path.join(abs, SIM_ROOT_MARKER), text, {flag: 'wx', mode: 0o644});
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 5) throw e;
    }
  }
}
