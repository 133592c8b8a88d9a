// Cross-process mutual exclusion for files in the sim tree: mkdir is atomic, so a lock is
// a directory holding the owner's pid. Sim tools are short-lived and single-minded, so a
// synchronous wait is fine. A lock whose owner died (SIGKILL or SIGTERM mid-update: destroy
// kills bhyve, a loader is stopped at its menu) is broken, by one process at a time.
import fs from 'node:fs';
import path from 'node:path';
import {pidAlive, sleep, sleepSync} from './tool-runtime.js';

// mkdir and the owner's write are two steps: a lock without an owner is stale only once old
// enough that its maker cannot merely be descheduled between them.
const STALE_WITHOUT_OWNER_MS = 5000;
const GIVE_UP_MS = 15000;

function ageMs(dir: string): number {
  try {
    return Date.now() - fs.statSync(dir).mtimeMs;
  } catch {
    return 0;
  }
}

function lockIsStale(lockDir: string): boolean {
  let text = '';
  try {
    text = fs.readFileSync(path.join(lockDir, 'owner'), 'utf8');
  } catch {
    // no owner file: judged below
  }
  const pid = Number(text);
  // No owner yet, or one being written (read between its open and its write): the lock is
  // being taken, or was just released. Stale only if old.
  if (!text || !Number.isInteger(pid) || pid <= 0) return fs.existsSync(lockDir) && ageMs(lockDir) > STALE_WITHOUT_OWNER_MS;
  return !pidAlive(pid);
}

/**
 * Removes a dead owner's lock. Waiters find it stale at the same moment; were each to check
 * and then remove, a slow one would remove the lock a quicker one had just taken, and both
 * would hold it. So breaking is itself locked (LOCK.break), and under it the owner is read
 * again: nobody else removes a dead owner's lock, and nobody can take the name while it is
 * there, so the lock removed is the dead one. A breaker killed mid-break (microseconds) is
 * stale once old.
 */
function breakStaleLock(lockDir: string): void {
  const breaker = `${lockDir}.break`;
  try {
    fs.mkdirSync(breaker);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    if (ageMs(breaker) > STALE_WITHOUT_OWNER_MS) fs.rmSync(breaker, {recursive: true, force: true});
    return;
  }
  try {
    if (lockIsStale(lockDir)) fs.rmSync(lockDir, {recursive: true, force: true});
  } finally {
    fs.rmSync(breaker, {recursive: true, force: true});
  }
}

/**
 * One attempt at the lock: its release when taken, else how to go on (`again` at once after
 * breaking a dead owner's lock, `wait` while a live owner holds it).
 */
function tryLock(lockDir: string, start: number): (() => void) | 'again' | 'wait' {
  try {
    fs.mkdirSync(lockDir);
    fs.writeFileSync(path.join(lockDir, 'owner'), String(process.pid));
    return () => fs.rmSync(lockDir, {recursive: true, force: true});
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  if (lockIsStale(lockDir)) {
    breakStaleLock(lockDir);
    return 'again';
  }
  if (Date.now() - start > GIVE_UP_MS) throw new Error(`timed out waiting for lock ${lockDir}`);
  return 'wait';
}

export function acquireLockSync(lockDir: string): () => void {
  const start = Date.now();
  fs.mkdirSync(path.dirname(lockDir), {recursive: true});
  for (;;) {
    const r = tryLock(lockDir, start);
    if (typeof r === 'function') return r;
    if (r === 'wait') sleepSync(3);
  }
}

/**
 * acquireLockSync for a long-lived process (the daemon's simulated backend): the same lock,
 * waited for on timers, so a contended lock never stops the event loop.
 */
export async function acquireLock(lockDir: string): Promise<() => void> {
  const start = Date.now();
  fs.mkdirSync(path.dirname(lockDir), {recursive: true});
  for (;;) {
    const r = tryLock(lockDir, start);
    if (typeof r === 'function') return r;
    if (r === 'wait') await sleep(3);
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

/**
 * A file the simulated host provides: created unless something is there (whatever it is, it
 * stays), or removed when the host lacks it and it is the simulator's own.
 */
export function provideFileSync(file: string, isAbsent: boolean, isOurs: (file: string) => boolean, create: () => void): void {
  if (isAbsent) {
    if (isOurs(file)) fs.rmSync(file, {force: true});
    return;
  }
  if (fs.lstatSync(file, {throwIfNoEntry: false})) return;
  fs.mkdirSync(path.dirname(file), {recursive: true});
  try {
    create(); // exclusive ('wx', symlink(2)): never replaces what appeared meanwhile
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e; // a concurrent first start
  }
}
