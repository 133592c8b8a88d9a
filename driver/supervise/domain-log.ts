// One log per domain: every command line the supervisor ran, the tools' output (written
// straight to this file by the tools themselves) and every action taken, with timestamps.
// Writing to it never throws: a log on a full disk pauses (see append-log.ts).
import fs from 'node:fs';
import path from 'node:path';
import type {HostLayout} from '../host/layout.js';
import {AppendLog} from '../io/append-log.js';
import {readBoundedText} from '../io/bounded-read.js';

export function domainLogPath(layout: HostLayout, name: string): string {
  return path.join(layout.logDir, `${name}.log`);
}

function stamped(text: string): string {
  const stamp = new Date().toISOString();
  return text
    .split('\n')
    .map((l) => `${stamp} ${l}\n`)
    .join('');
}

/**
 * A log of timestamped lines at `file` (opened now, or the descriptor `fd` already open on
 * it). After a pause its first line says since when and why lines were lost.
 */
export function openTextLog(file: string, fd?: number): AppendLog {
  const log = new AppendLog(
    file,
    {resumeNote: (p, lost) => stamped(`logging resumed; paused since ${p.since}: ${p.error}; ${lost} bytes of log lines were lost`)},
    fd,
  );
  if (fd === undefined) log.open();
  return log;
}

export function openDomainLog(layout: HostLayout, name: string): AppendLog {
  return openTextLog(domainLogPath(layout, name));
}

/** Appends timestamped lines; never throws. */
export function logLine(log: AppendLog, text: string): void {
  log.write(stamped(text));
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
