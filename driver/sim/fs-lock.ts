// Cross-process mutual exclusion for files in the sim tree: mkdir is atomic, so a lock is
// a directory holding the owner's pid. Sim tools are short-lived and single-minded, so a
// synchronous wait is fine. A lock whose owner died (SIGKILL mid-update) is taken over.
import fs from 'node:fs';
import path from 'node:path';
import {pidAlive, sleepSync} from './tool-runtime.js';

const STALE_WITHOUT_OWNER_MS = 2000;
const GIVE_UP_MS = 15000;

function lockIsStale(lockDir: string): boolean {
  let pid = 0;
  try {
    pid = Number(fs.readFileSync(path.join(lockDir, 'owner'), 'utf8'));
  } catch {
    // Owner file not written yet (or lock just released): stale only if old.
    try {
      return Date.now() - fs.statSync(lockDir).mtimeMs > STALE_WITHOUT_OWNER_MS;
    } catch {
      return false;
    }
  }
  return !pidAlive(pid);
}

export function acquireLockSync(lockDir: string): () => void {
  const start = Date.now();
  fs.mkdirSync(path.dirname(lockDir), {recursive: true});
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      fs.writeFileSync(path.join(lockDir, 'owner'), String(process.pid));
      return () => fs.rmSync(lockDir, {recursive: true, force: true});
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    if (lockIsStale(lockDir)) {
      // Move it aside first so two processes recovering at once do not both delete.
      const aside = `${lockDir}.stale.${process.pid}`;
      try {
        fs.renameSync(lockDir, aside);
        fs.rmSync(aside, {recursive: true, force: true});
      } catch {
        /* someone else recovered it */
      }
      continue;
    }
    if (Date.now() - start > GIVE_UP_MS) throw new Error(`timed out waiting for lock ${lockDir}`);
    sleepSync(3);
  }
}

export function withLockSync<T>(lockDir: string, fn: () => T): T {
  const release = acquireLockSync(lockDir);
  try {
    return fn();
  } finally {
    release();
  }
}

/** Write a file atomically: temp file in the same filesystem, then rename over. */
export function writeFileAtomicSync(file: string, data: string, tmpDir: string): void {
  fs.mkdirSync(tmpDir, {recursive: true});
  const tmp = path.join(tmpDir, `${path.basename(file)}.${process.pid}.${Math.random().toString(36).slice(2)}`);
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

/**
 * Create a file that must not exist yet, whole or not at all: written under a temp name in
 * the same directory (link(2) needs the same filesystem), then linked to its name, which
 * fails with EEXIST instead of replacing what is there. Returns false when the name exists.
 */
export function createFileSync(file: string, data: string, mode = 0o644): boolean {
  const tmp = `${file}.new.${process.pid}.${Math.random().toString(36).slice(2)}`;
  fs.writeFileSync(tmp, data, {mode, flag: 'wx'});
  try {
    fs.linkSync(tmp, file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    fs.rmSync(tmp, {force: true});
  }
}
