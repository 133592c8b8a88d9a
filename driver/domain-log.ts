// One log per domain: every command line the supervisor ran, the tools' output (written
// straight to this file by the tools themselves) and every action taken, with timestamps.
import fs from 'node:fs';
import path from 'node:path';
import type {HostLayout} from './host-layout.js';
import {readBoundedText} from './bounded-read.js';

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

/** What was appended to the log since `offset` (a tool's output after a failed start), at most its last maxBytes. */
export function readLogSince(layout: HostLayout, name: string, offset: number, maxBytes = 8192): string {
  return readBoundedText(domainLogPath(layout, name), {maxBytes, tail: true, from: offset});
}

export function logSize(layout: HostLayout, name: string): number {
  try {
    return fs.statSync(domainLogPath(layout, name)).size;
  } catch {
    return 0;
  }
}
