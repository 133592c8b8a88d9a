// The client ↔ daemon protocol: one JSON object per line over a unix socket that only
// the daemon's owner may open. Requests carry an id; the reply carries it back. Events
// are pushed, without an id, to connections that subscribed.
import path from 'node:path';
import type {HostLayout} from '../host/layout.js';

export interface DaemonRequest {
  id: number;
  method: string;
  params: unknown[];
}

export type DaemonReply = {id: number; result: unknown} | {id: number; error: {message: string; detail?: string; exitCode?: number}};

export function daemonSocketPath(layout: HostLayout): string {
  return path.join(layout.runDir, 'daemon.sock');
}

/**
 * Why no unix socket can be made in the host's run directory, or null. The longest socket
 * name there is a lock generation (daemon/lock.ts), `.daemon.N.lock`; sun_path holds 104
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

/** The one error a LineSplitter throws: the peer broke the framing (a line past the bound). */
export class ProtocolLineError extends Error {
  override readonly name = 'ProtocolLineError';
}

/**
 * Splits a byte stream into lines, keeping a partial line for the next chunk. It splits
 * bytes and decodes each line only once it is whole: a UTF-8 character cut in two by a
 * chunk boundary (a socket read) must not turn into two U+FFFD.
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxLine = 16 * 1024 * 1024,
  ) {}

  push(chunk: Buffer | string): void {
    let buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    let nl: number;
    while ((nl = buf.indexOf(0x0a)) >= 0) {
      const tail = buf.subarray(0, nl);
      const line = this.parts.length === 0 ? tail : Buffer.concat([...this.parts, tail], this.size + tail.length);
      this.parts = [];
      this.size = 0;
      buf = buf.subarray(nl + 1);
      if (line.length > this.maxLine) throw new ProtocolLineError(`protocol line of ${line.length} bytes (at most ${this.maxLine})`);
      const text = line.toString('utf8');
      if (text.trim()) this.onLine(text);
    }
    if (buf.length === 0) return;
    // A copy: the rest may wait for many more chunks.
    this.parts.push(Buffer.from(buf));
    this.size += buf.length;
    if (this.size > this.maxLine) throw new ProtocolLineError(`protocol line of over ${this.maxLine} bytes`);
  }
}
