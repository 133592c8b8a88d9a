// One log per domain: every command line the supervisor ran, the tools' output (written
// straight to this file by the tools themselves) and every action taken, with timestamps.
import fs from 'node:fs';
import path from 'node:path';
import type {HostLayout} from './host-layout.js';

export function domainLogPath(layout: HostLayout, name: string): string {
  return path.join(layout.logDir, `${name}.log`);
}

export function openDomainLog(layout: HostLayout, name: string): number {
  fs.mkdirSync(layout.logDir, {recursive: true, mode: 0o755});
  return fs.openSync(domainLogPath(layout, name), 'a', 0o640);
}

export function logLine(fd: number, text: string): void {
  const stamp = new Date().toISOString();
  fs.writeSync(fd, text.split('\n').map((l) => `${stamp} ${l}\n`).join(''));
}

/** What was appended to the log since `offset` (a tool's output after a failed start). */
export function readLogSince(layout: HostLayout, name: string, offset: number, maxBytes = 8192): string {
  const file = domainLogPath(layout, name);
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const start = Math.max(offset, size - maxBytes);
    const buf = Buffer.alloc(Math.max(0, size - start));
    fs.readSync(fd, buf, 0, buf.length, start);
    return buf.toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

export function logSize(layout: HostLayout, name: string): number {
  try {
    return fs.statSync(domainLogPath(layout, name)).size;
  } catch {
    return 0;
  }
}
