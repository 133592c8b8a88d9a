// What the process table says, read the same way on FreeBSD and Linux: kill(pid, 0) for
// liveness and ps(1) for a process title (bhyve retitles itself 'bhyve: NAME').
import {execa} from 'execa';

export function pidAlive(pid: number | undefined): boolean {
  if (!pid || !Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
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
