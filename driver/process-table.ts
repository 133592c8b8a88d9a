// What the process table says, read the same way on FreeBSD and Linux: kill(pid, 0) for
// liveness and ps(1) for a process title (bhyve retitles itself 'bhyve: NAME').
import fs from 'node:fs';
import {execa} from 'execa';

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

export async function processTitle(pid: number): Promise<string | null> {
  const r = await execa('ps', ['-o', 'command=', '-p', String(pid)], {reject: false, stdin: 'ignore'});
  if (r.exitCode !== 0) return null;
  const title = r.stdout.trim();
  return title === '' ? null : title;
}

/** bhyve's title is 'bhyve: NAME' (FreeBSD's ps appends ' (bhyve)'). */
export function isBhyveTitleFor(title: string | null, name: string): boolean {
  if (!title) return false;
  return title === `bhyve: ${name}` || title.startsWith(`bhyve: ${name} (`);
}

export interface ProcessSample {
  /** CPU use in percent of one core, as ps(1) reports it */
  cpuPercent: number;
  rssKiB: number;
}

/** CPU% and resident memory of several processes with one ps(1) call (FreeBSD and Linux). */
export async function sampleProcesses(pids: number[]): Promise<Map<number, ProcessSample>> {
  const out = new Map<number, ProcessSample>();
  if (pids.length === 0) return out;
  const r = await execa('ps', ['-o', 'pid=,pcpu=,rss=', '-p', pids.join(',')], {reject: false, stdin: 'ignore'});
  for (const line of r.stdout.split('\n')) {
    const m = /^\s*(\d+)\s+([\d.]+)\s+(\d+)\s*$/.exec(line);
    if (m) out.set(Number(m[1]), {cpuPercent: Number(m[2]), rssKiB: Number(m[3])});
  }
  return out;
}
