// Writes that never leave a half-written file behind: write a temp file beside the
// target, fsync it, then rename over the target (atomic on one filesystem). Any failure
// (a full disk, an I/O error, a read-only mount, no descriptors left) leaves the target as
// it was, removes the temp file and throws a FileError naming the target and the cause.
import fs from 'node:fs';
import path from 'node:path';
import {fileError} from './fs-errors.js';

/** Two writes of one file in the same millisecond still get their own temp files. */
let serial = 0;

export function writeFileAtomic(file: string, data: string | Uint8Array, mode = 0o644): void {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.${serial++}.tmp`);
  let fd = -1;
  try {
    fs.mkdirSync(dir, {recursive: true});
    fd = fs.openSync(tmp, 'w', mode);
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
    // close() may be where a file system reports a failed write (NFS): it counts too.
    const open = fd;
    fd = -1;
    fs.closeSync(open);
    fs.renameSync(tmp, file);
  } catch (e) {
    if (fd >= 0) {
      try {
        fs.closeSync(fd);
      } catch {
        // the write already failed; that is the error to report
      }
    }
    try {
      fs.rmSync(tmp, {force: true});
    } catch {
      // e.g. EIO again: nothing more can be done about it here
    }
    throw fileError('write', file, e);
  }
}

/**
 * Removes the temp files that writeFileAtomic left in `dir` when its process was killed
 * between writing and renaming (their names carry the writer's pid). Returns their names.
 */
export function removeDeadWritersTemps(dir: string, alive: (pid: number) => boolean): string[] {
  const removed: string[] = [];
  let names: string[] = [];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const m = /^\..+\.(\d+)\.\d+\.\d+\.tmp$/.exec(name);
    if (!m || Number(m[1]) === process.pid || alive(Number(m[1]))) continue;
    try {
      fs.rmSync(path.join(dir, name), {force: true});
      removed.push(name);
    } catch {
      // not ours to remove after all (permissions): left for the operator
    }
  }
  return removed;
}
