// What the process table says, read the same way on FreeBSD and Linux: kill(pid, 0) for
// liveness and ps(1) for a process title (bhyve retitles itself 'bhyve: NAME').
import {execa} from 'execa';
import {pidAlive} from './process-alive.js';

export {pidAlive};

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
