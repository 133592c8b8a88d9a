// The one way bhyve-tui reads a file whose path a user gave or controls: domain XML on the
// command line, the definitions in the config directory, the settings file, an edited
// file, logs. Every read is bounded (a symlink to /dev/zero or a 10 GB file cannot exhaust
// memory), and nothing ever waits on a FIFO or a device: where a regular file is expected
// anything else is refused before it is opened, and where a stream is welcome (a CLI
// argument such as /dev/stdin) it is opened O_NONBLOCK and read with a bound in bytes and
// in idle time. Failures are BoundedReadError: one line naming the file and the cause.
import fs from 'node:fs';

export class BoundedReadError extends Error {
  constructor(
    readonly file: string,
    /** an errno code (ENOENT, EACCES, EISDIR, ...), EFBIG past the bound, ENOTREG for a FIFO or device where a file is expected, ETIMEDOUT for a silent stream */
    readonly code: string,
    /** what went wrong, without the file name: 'No such file or directory' */
    readonly reason: string,
    /** the failed step, for callers that word open and read errors differently (virsh does) */
    readonly stage: 'open' | 'read',
  ) {
    super(`${file}: ${reason}`);
    this.name = 'BoundedReadError';
  }
}

const errnoText: Record<string, string> = {
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  EISDIR: 'Is a directory',
  ENOTDIR: 'Not a directory',
  ELOOP: 'Too many levels of symbolic links',
  ENAMETOOLONG: 'File name too long',
  EFBIG: 'File too large',
  EIO: 'Input/output error',
  ENXIO: 'Device not configured',
  EMFILE: 'Too many open files',
  ENFILE: 'Too many open files in system',
};

/** An errno code as strerror(3) words it (FreeBSD's wording where it differs from Linux's). */
export function errnoMessage(code: string): string {
  return errnoText[code] ?? code;
}

function fromErrno(file: string, e: unknown, stage: 'open' | 'read'): BoundedReadError {
  if (e instanceof BoundedReadError) return e;
  const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
  return new BoundedReadError(file, code, errnoText[code] ?? (e instanceof Error ? e.message.split('\n')[0]! : String(e)), stage);
}

/** What a file that is not a regular file is, for messages: 'a FIFO'. */
function fileKind(st: fs.Stats): string {
  if (st.isFile()) return 'a regular file';
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

export interface BoundedReadOptions {
  /** at most this many bytes; a longer file is refused (EFBIG), or its end is read with `tail` */
  maxBytes: number;
  /**
   * FIFOs, pipes and character devices are read too (a command-line argument such as
   * /dev/stdin or a shell's <(...)); without it only a regular file is read and anything
   * else is refused unopened.
   */
  streams?: boolean;
  /** a stream that stays silent this long ends the read (ETIMEDOUT); default 10 s */
  idleMs?: number;
  /** read the last maxBytes of a longer file instead of refusing it (logs) */
  tail?: boolean;
  /** start at this offset (a log: what was appended since) */
  from?: number;
}

const O_READ = fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY;

/** Sleeps the thread (a CLI reading a pipe has nothing else to do meanwhile). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Reads a file with a bound; see BoundedReadOptions. Throws BoundedReadError. */
export function readBounded(file: string, opts: BoundedReadOptions): Buffer {
  const max = Math.max(0, Math.floor(opts.maxBytes));
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    throw fromErrno(file, e, 'open');
  }
  const acceptable = (s: fs.Stats) => s.isFile() || s.isDirectory() || (opts.streams === true && (s.isFIFO() || s.isCharacterDevice() || s.isBlockDevice()));
  // Refused before open(2): opening a device or a FIFO can have effects (a tty's DTR, a
  // FIFO writer's wake-up) even when nothing is read.
  if (!acceptable(st)) throw new BoundedReadError(file, 'ENOTREG', `is ${fileKind(st)}, not a regular file`, 'open');
  let fd: number;
  try {
    fd = fs.openSync(file, O_READ);
  } catch (e) {
    throw fromErrno(file, e, 'open');
  }
  try {
    // What was opened may not be what was looked at a moment ago.
    const now = fs.fstatSync(fd);
    if (!acceptable(now)) throw new BoundedReadError(file, 'ENOTREG', `is ${fileKind(now)}, not a regular file`, 'open');
    if (now.isDirectory()) throw new BoundedReadError(file, 'EISDIR', errnoText.EISDIR!, 'read');
    if (now.isFile()) return readRegular(file, fd, now.size, max, opts);
    return readStream(file, fd, max, opts.idleMs ?? 10_000);
  } catch (e) {
    throw fromErrno(file, e, 'read');
  } finally {
    fs.closeSync(fd);
  }
}

function readRegular(file: string, fd: number, size: number, max: number, opts: BoundedReadOptions): Buffer {
  let pos = Math.max(0, Math.min(opts.from ?? 0, size));
  if (opts.tail) pos = Math.max(pos, size - max);
  // One byte more than allowed tells a file that is too large (it may have grown since fstat).
  const want = max + 1;
  let buf = Buffer.allocUnsafe(Math.min(want, Math.max(0, size - pos) + 1));
  let len = 0;
  for (;;) {
    if (len === buf.length) {
      if (buf.length >= want) break;
      const bigger = Buffer.allocUnsafe(Math.min(want, buf.length * 2));
      buf.copy(bigger, 0, 0, len);
      buf = bigger;
    }
    const n = fs.readSync(fd, buf, len, buf.length - len, pos + len);
    if (n === 0) break;
    len += n;
  }
  if (len > max) {
    // A log that grew while it was read: its first max bytes from where we started.
    if (opts.tail) return buf.subarray(0, max);
    throw tooLarge(file, max);
  }
  return buf.subarray(0, len);
}

function readStream(file: string, fd: number, max: number, idleMs: number): Buffer {
  const chunks: Buffer[] = [];
  let len = 0;
  let quietSince = Date.now();
  for (;;) {
    const chunk = Buffer.allocUnsafe(Math.min(64 * 1024, max + 1 - len));
    let n: number;
    try {
      n = fs.readSync(fd, chunk, 0, chunk.length, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      // A FIFO with a writer that has not written yet, or (FreeBSD) with no writer at all.
      if (Date.now() - quietSince > idleMs)
        throw new BoundedReadError(file, 'ETIMEDOUT', `nothing to read for ${Math.round(idleMs / 1000)} s (is anything writing to it?)`, 'read');
      pause(10);
      continue;
    }
    if (n === 0) break;
    quietSince = Date.now();
    chunks.push(chunk.subarray(0, n));
    len += n;
    if (len > max) throw tooLarge(file, max);
  }
  return Buffer.concat(chunks, len);
}

function tooLarge(file: string, max: number): BoundedReadError {
  return new BoundedReadError(file, 'EFBIG', `${errnoText.EFBIG} (over ${max} bytes)`, 'read');
}

/** readBounded as UTF-8 text. */
export function readBoundedText(file: string, opts: BoundedReadOptions): string {
  return readBounded(file, opts).toString('utf8');
}

/** The last lines of a log (what a failed daemon start said), read with a bound; '' when there is none. */
export function lastLines(file: string, lines = 3, from = 0): string {
  try {
    return readBoundedText(file, {maxBytes: 16 * 1024, tail: true, from})
      .trim()
      .split('\n')
      .slice(-lines)
      .join('\n');
  } catch {
    return '';
  }
}
