// Whether a process lives: kill(pid, 0), and not a zombie. Kept apart from
// process-table.ts (which runs ps through execa) so the simulator's tools stay small.
import fs from 'node:fs';
import {spawnSync} from 'node:child_process';

/**
 * Where the zombie check looks: a procfs if there is one (Linux), else ps(1). FreeBSD
 * mounts no procfs by default, so there `ps -o stat= -p PID` answers (bin/ps: the first
 * letter of STAT is Z for a zombie). The daemon points ps at its host's; tests point
 * procfs at a directory without it to take FreeBSD's path.
 */
const table = {proc: '/proc', ps: '/bin/ps', hasProcfs: undefined as boolean | undefined};

/**
 * Without procfs each check is a ps(1) run, synchronous on the daemon's event loop: a few ms
 * on FreeBSD, and the daemon polls adopted guests every second and a dying process every
 * 20 ms. A process ps found alive is taken on trust this long (kill(pid, 0) is still asked
 * each time, so a reaped one is seen at once); only a zombie that nobody reaps is seen up
 * to this much later. FreeBSD's init and the exit recorder reap at once.
 */
const zombieRecheckMs = 500;
const notZombieUntil = new Map<number, number>();

export function setProcessTable(opts: {proc?: string; ps?: string}): void {
  if (opts.proc !== undefined) table.proc = opts.proc;
  if (opts.ps !== undefined) table.ps = opts.ps;
  table.hasProcfs = undefined;
  notZombieUntil.clear();
}

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
 * A process that exited but was not yet reaped still answers kill(pid, 0); it counts as
 * dead, so an init that reaps slowly cannot make a dead daemon or guest look alive.
 */
function isZombie(pid: number): boolean {
  table.hasProcfs ??= fs.existsSync(`${table.proc}/self/stat`);
  if (table.hasProcfs) {
    try {
      const stat = fs.readFileSync(`${table.proc}/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
    } catch {
      return false;
    }
  }
  const now = Date.now();
  if ((notZombieUntil.get(pid) ?? 0) > now) return false;
  const r = spawnSync(table.ps, ['-o', 'stat=', '-p', String(pid)], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000});
  const zombie = r.status === 0 && r.stdout.trim().startsWith('Z');
  if (notZombieUntil.size >= 256) for (const [p, until] of notZombieUntil) if (until <= now) notZombieUntil.delete(p);
  if (zombie) notZombieUntil.delete(pid);
  else notZombieUntil.set(pid, Date.now() + zombieRecheckMs);
  return zombie;
}
