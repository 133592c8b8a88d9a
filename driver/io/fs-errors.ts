// A full disk, an I/O error, a read-only mount or a process out of descriptors is an
// ordinary error: one line naming the file and the cause, never a stack trace and never
// "internal error".
import fs from 'node:fs';
import {DriverError} from '../client/connection.js';

/** strerror(3) as FreeBSD words it (lib/libc/gen/errlst.c), in lower case. */
const causes: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disc quota exceeded',
  EIO: 'input/output error',
  EROFS: 'read-only file system',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in system',
  EFBIG: 'file too large',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  ENAMETOOLONG: 'file name too long',
  ELOOP: 'too many levels of symbolic links',
  EEXIST: 'file exists',
  EXDEV: 'cross-device link',
  EBUSY: 'device busy',
};

function errnoCode(e: unknown): string | undefined {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : undefined;
}

/** What went wrong, e.g. 'no space left on device (ENOSPC)'. */
function fsCause(e: unknown): string {
  const code = errnoCode(e);
  if (code) {
    // Node words it "ENOSPC: no space left on device, write '/path'"; keep the words.
    const words = causes[code] ?? /^[A-Z0-9]+: (.+?)(?:, \w+(?: '.*')?)?$/.exec((e as Error).message)?.[1]?.toLowerCase() ?? 'system error';
    return `${words} (${code})`;
  }
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
}

/** A file operation that failed: "cannot write FILE: no space left on device (ENOSPC)". */
export class FileError extends DriverError {
  constructor(
    readonly action: string,
    readonly file: string,
    readonly code: string | undefined,
    readonly reason: string,
  ) {
    super(`cannot ${action} ${file}: ${reason}`);
  }
}

export function fileError(action: 'write' | 'create' | 'remove' | 'open' | 'rename' | 'read', file: string, e: unknown): FileError {
  if (e instanceof FileError) return e;
  return new FileError(action, file, errnoCode(e), fsCause(e));
}

/** Removes a file if it is there; a failure (a read-only mount, an I/O error) is a FileError naming it. */
export function removeFile(file: string): void {
  try {
    fs.rmSync(file, {force: true});
  } catch (e) {
    throw fileError('remove', file, e);
  }
}

const syscallAction: Record<string, string> = {
  open: 'open',
  write: 'write',
  writev: 'write',
  fsync: 'write',
  close: 'write',
  rename: 'rename',
  mkdir: 'create',
  unlink: 'remove',
  rmdir: 'remove',
  rm: 'remove',
  read: 'read',
  scandir: 'read',
};

/**
 * The one line for an errno error that reached the daemon's reply without being named
 * where it happened: "cannot write /path: no space left on device (ENOSPC)", or without a
 * path "write failed: no space left on device (ENOSPC)". Undefined for other errors.
 */
export function describeSystemError(e: unknown): string | undefined {
  const code = errnoCode(e);
  if (!code) return undefined;
  const err = e as NodeJS.ErrnoException;
  const action = err.syscall ? (syscallAction[err.syscall] ?? err.syscall) : undefined;
  if (err.path && action) return `cannot ${action} ${err.path}: ${fsCause(e)}`;
  return `${err.syscall ?? 'a system call'} failed: ${fsCause(e)}`;
}
