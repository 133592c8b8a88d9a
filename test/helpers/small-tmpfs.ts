// A small real file system that tests fill up: a tmpfs mounted over a directory of a
// simulated host (its log, run or config directory), so the daemon meets a genuine ENOSPC
// from the kernel, exactly as on a host whose /var/log fills. Needs root (CI runs as root).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {execFileSync} from 'node:child_process';
import {killSimProcesses} from './sim-dir.js';

/** Why a tmpfs cannot be mounted here, or undefined when it can (tried once per process). */
export const tmpfsProblem: string | undefined = (() => {
  if (process.platform !== 'linux') return 'tmpfs mounts are tried on Linux only';
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root';
  const probe = fs.mkdtempSync(path.join(os.tmpdir(), 'bhyve-tui-tmpfs-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], {stdio: 'pipe'});
    execFileSync('umount', [probe], {stdio: 'pipe'});
    return undefined;
  } catch (e) {
    return `cannot mount a tmpfs here: ${String((e as {stderr?: Buffer}).stderr ?? e).trim()}`;
  } finally {
    fs.rmSync(probe, {recursive: true, force: true});
  }
})();

/**
 * Mounts a tmpfs of `size` (e.g. '1m') on `dir`, keeping what `dir` held (copied in).
 * Unmounted at the end of the test, after every process of the simulated host `simDir`
 * (which hold files on it open) was killed.
 */
export function mountSmallTmpfs(t: {teardown(fn: () => void): void}, simDir: string, dir: string, size: string): void {
  const saved = fs.mkdtempSync(path.join(os.tmpdir(), 'bhyve-tui-tmpfs-save-'));
  fs.mkdirSync(dir, {recursive: true});
  // A socket cannot be copied (nor used once its daemon is gone): a stopped daemon's lock
  // generations (driver/daemon/lock.ts) stay behind, on the directory underneath.
  const notSocket = (src: string): boolean => !fs.lstatSync(src).isSocket();
  fs.cpSync(dir, saved, {recursive: true, preserveTimestamps: true, filter: notSocket});
  const mode = fs.statSync(dir).mode & 0o7777;
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=${mode.toString(8)}`, 'tmpfs', dir], {stdio: 'pipe'});
  t.teardown(() => {
    killSimProcesses(simDir);
    for (let i = 0; ; i++) {
      try {
        execFileSync('umount', [dir], {stdio: 'pipe'});
        return;
      } catch (e) {
        // A process that was just killed may hold a file for a moment longer.
        if (i >= 50) {
          execFileSync('umount', ['-l', dir], {stdio: 'pipe'});
          throw new Error(`${dir} was still busy after 5 s (lazily unmounted): ${String((e as {stderr?: Buffer}).stderr ?? e).trim()}`);
        }
        execFileSync('sleep', ['0.1']);
      }
    }
  });
  fs.cpSync(saved, dir, {recursive: true, preserveTimestamps: true});
  fs.rmSync(saved, {recursive: true, force: true});
}

/** Fills the file system holding `dir` with FILE until the kernel says ENOSPC; returns FILE. */
export function fillUp(dir: string): string {
  const file = path.join(dir, '.filler');
  const fd = fs.openSync(file, 'a');
  const block = Buffer.alloc(4096, 0x2e);
  try {
    for (;;) fs.writeSync(fd, block);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  } finally {
    fs.closeSync(fd);
  }
  return file;
}
