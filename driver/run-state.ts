// The supervisor's record of a guest it runs, one JSON file per domain in the run
// directory. Creating it with O_EXCL is the start lock: two racing starts get one winner.
import fs from 'node:fs';
import path from 'node:path';
import type {HostLayout} from './host-layout.js';
import {writeFileAtomic} from './atomic-file.js';

export interface RunState {
  name: string;
  /** pid of the supervising `bhyve-tui _run` process */
  supervisorPid: number;
  phase: 'preparing' | 'bootloader' | 'running' | 'stopping';
  /** pid of the loader (bootloader phase) or of bhyve (running) */
  pid?: number;
  taps: string[];
  startedAt: string;
}

export function runStatePath(layout: HostLayout, name: string): string {
  return path.join(layout.runDir, `${name}.json`);
}

export function destroyFlagPath(layout: HostLayout, name: string): string {
  return path.join(layout.runDir, `${name}.destroy`);
}

export function lastErrorPath(layout: HostLayout, name: string): string {
  return path.join(layout.runDir, `${name}.lasterror`);
}

export function readRunState(layout: HostLayout, name: string): RunState | null {
  try {
    return JSON.parse(fs.readFileSync(runStatePath(layout, name), 'utf8')) as RunState;
  } catch {
    return null;
  }
}

/** Takes the start lock; false when another supervisor holds it. */
export function createRunState(layout: HostLayout, state: RunState): boolean {
  fs.mkdirSync(layout.runDir, {recursive: true, mode: 0o700});
  try {
    const fd = fs.openSync(runStatePath(layout, state.name), 'wx', 0o600);
    fs.writeFileSync(fd, JSON.stringify(state));
    fs.closeSync(fd);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

export function updateRunState(layout: HostLayout, state: RunState): void {
  writeFileAtomic(runStatePath(layout, state.name), JSON.stringify(state), 0o600);
}

export function removeRunState(layout: HostLayout, name: string): void {
  fs.rmSync(runStatePath(layout, name), {force: true});
  fs.rmSync(destroyFlagPath(layout, name), {force: true});
}
