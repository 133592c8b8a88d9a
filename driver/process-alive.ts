// Whether a process lives: kill(pid, 0), and on Linux not a zombie. Kept apart from
// process-table.ts (which runs ps through execa) so the simulator's tools stay small.
import fs from 'node:fs';

export function pidAlive(pid: number | undefined): boolean {
  if (!pid || !Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return !isZombie(pid);
}

/**
 * A process that exited but was not yet reaped still answers kill(pid, 0). Where a
 * procfs shows its state (Linux), a zombie counts as dead; an init that reaps slowly
 * must not make a dead daemon or guest look alive.
 */
function isZombie(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}
