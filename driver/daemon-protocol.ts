// The client ↔ daemon protocol: one JSON object per line over a unix socket that only
// the daemon's owner may open. Requests carry an id; the reply carries it back. Events
// are pushed, without an id, to connections that subscribed.
import path from 'node:path';
import type {HostLayout} from './host-layout.js';

export interface DaemonRequest {
  id: number;
  method: string;
  params: unknown[];
}

export type DaemonReply =
  | {id: number; result: unknown}
  | {id: number; error: {message: string; detail?: string; exitCode?: number}};

export function daemonSocketPath(layout: HostLayout): string {
  return path.join(layout.runDir, 'daemon.sock');
}

/**
 * Why no unix socket can be made in the host's run directory, or null. The longest socket
 * name there is a lock generation (daemon-lock.ts), `.daemon.N.lock`; sun_path holds 104
 * bytes on FreeBSD (sys/sys/un.h), 108 on Linux, with the terminating NUL.
 */
export function daemonSocketPathProblem(layout: HostLayout): string | null {
  const longest = path.join(layout.runDir, `.daemon.${'9'.repeat(12)}.lock`);
  if (Buffer.byteLength(longest) <= 103) return null;
  return `the daemon's socket path is too long for a unix socket (${daemonSocketPath(layout)}); use a shorter host directory`;
}

export function daemonPidPath(layout: HostLayout): string {
  return path.join(layout.runDir, 'daemon.pid');
}

/** Splits a byte stream into lines, keeping a partial line for the next chunk. */
export class LineSplitter {
  private rest = '';

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxLine = 16 * 1024 * 1024,
  ) {}

  push(chunk: Buffer | string): void {
    this.rest += chunk.toString();
    let nl: number;
    while ((nl = this.rest.indexOf('\n')) >= 0) {
      const line = this.rest.slice(0, nl);
      this.rest = this.rest.slice(nl + 1);
      if (line.trim()) this.onLine(line);
    }
    if (this.rest.length > this.maxLine) throw new Error('protocol line too long');
  }
}
