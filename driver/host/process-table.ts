// What the process table says about the guests. FreeBSD mounts no procfs by default, so
// titles and CPU/memory come from ps(1), run by its absolute path with FreeBSD's grammar:
// one keyword per -o (an item with '=' takes the rest of the argument as its header, so
// `-o pid=,pcpu=` is one column) and -ww (without it the last column is cut at 79
// characters when there is no terminal). bin/ps/keyword.c parsefmt(), bin/ps/ps.c main().
import type {HostLayout} from './layout.js';
import {runTool} from './tools.js';
import {pidAlive} from './process-alive.js';

export {pidAlive};

async function ps(layout: HostLayout, args: string[]): Promise<{exitCode: number; stdout: string} | null> {
  try {
    return await runTool(layout, 'ps', args);
  } catch {
    return null; // ps missing or hung: no answer, the caller decides
  }
}

export async function processTitle(layout: HostLayout, pid: number): Promise<string | null> {
  const r = await ps(layout, ['-ww', '-o', 'command=', '-p', String(pid)]);
  if (r?.exitCode !== 0) return null;
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

/** CPU% and resident memory of several processes with one ps(1) call. */
export async function sampleProcesses(layout: HostLayout, pids: number[]): Promise<Map<number, ProcessSample>> {
  const out = new Map<number, ProcessSample>();
  if (pids.length === 0) return out;
  const r = await ps(layout, ['-ww', '-o', 'pid=', '-o', 'pcpu=', '-o', 'rss=', '-p', pids.join(',')]);
  for (const line of r?.stdout.split('\n') ?? []) {
    const m = /^\s*(\d+)\s+([\d.]+)\s+(\d+)\s*$/.exec(line);
    if (m) out.set(Number(m[1]), {cpuPercent: Number(m[2]), rssKiB: Number(m[3])});
  }
  return out;
}
