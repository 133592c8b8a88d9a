// The files a guest's run keeps in the run directory, in one place: the run record
// (NAME.json: the start lock, and what a restarted daemon adopts the guest from), the stop
// record (NAME.last.json: how the guest last stopped), the stage files the exit recorder
// writes (NAME.STAGE.pid, NAME.STAGE.status) and grub-bhyve's device map. The run
// (guest-run.ts) writes them and the daemon's recovery reads them, so both agree on their
// names and formats; tests, the soak and domain/name.ts depend on those too.
import fs from 'node:fs';
import path from 'node:path';
import {DriverError} from '../client/connection.js';
import type {HostLayout} from '../host/layout.js';
import {writeFileAtomic} from '../io/atomic-file.js';
import {fileError, removeFile} from '../io/fs-errors.js';
import {readPidFile} from './exit-recorder.js';

export type Stage = 'loader' | 'bhyve';

export interface RunRecord {
  name: string;
  daemonPid: number;
  phase: 'preparing' | 'bootloader' | 'running' | 'in shutdown' | 'stopping';
  /** the loader's pid (bootloader) or bhyve's (running) */
  pid?: number;
  taps: string[];
  startedAt: string;
  /** start times of recent automatic restarts, for the crash-loop guard */
  restarts: number[];
  /** the bhyve pid the operator reset (reboot): its restart is no crash, not counted by the guard */
  resetRequested?: number;
  /** set by destroy: whatever bhyve's exit status, the guest stops */
  stopRequested?: 'destroyed' | 'shutdown';
  shutdown?: {deadline: number; stage: 'acpi' | 'force-poweroff' | 'destroy'};
  /**
   * bhyve's exit as it was handled, saved before acting on it: a daemon that adopts the guest
   * after a crash in the middle of that action resumes it instead of handling the exit again.
   */
  exitHandled?: {pid: number; status: number; action: 'restart' | 'destroy' | 'preserve'; reason: string};
  /**
   * Set while a stage's exit recorder is being spawned: its program may run before its pid
   * file exists, so a daemon killed now leaves a run whose pid is still to come.
   */
  spawning?: Stage;
}

/** How the guest last stopped, kept after the run record is gone. */
export interface StopRecord {
  state: 'shut off' | 'crashed';
  reason: string;
  at: string;
  error?: string;
  detail?: string;
  exitCode?: number;
  exitMeaning?: string;
}

/** The run record's file name, as a listing of the run directory shows it. */
export function runRecordName(name: string): string {
  return `${name}.json`;
}
/** The stop record's file name, as a listing of the run directory shows it. */
export function stopRecordName(name: string): string {
  return `${name}.last.json`;
}
function runRecordPath(layout: HostLayout, name: string): string {
  return path.join(layout.runDir, runRecordName(name));
}
function stopRecordPath(layout: HostLayout, name: string): string {
  return path.join(layout.runDir, stopRecordName(name));
}
/** grub-bhyve's device map, written before the loader runs (guest-commands.ts). */
export function deviceMapFile(layout: HostLayout, name: string): string {
  return path.join(layout.runDir, `grub_bhyve-${name}-device.map`);
}
/** The files the exit recorder writes for one stage (exit-recorder.ts). */
export function stageFiles(layout: HostLayout, name: string, stage: Stage): {status: string; pid: string} {
  return {status: path.join(layout.runDir, `${name}.${stage}.status`), pid: path.join(layout.runDir, `${name}.${stage}.pid`)};
}

/** A new run's record, before anything is spawned. */
export function newRunRecord(name: string): RunRecord {
  return {name, daemonPid: process.pid, phase: 'preparing', taps: [], startedAt: new Date().toISOString(), restarts: []};
}

export function readRunRecord(layout: HostLayout, name: string): RunRecord | null {
  try {
    return JSON.parse(fs.readFileSync(runRecordPath(layout, name), 'utf8')) as RunRecord;
  } catch {
    return null;
  }
}
export function readStopRecord(layout: HostLayout, name: string): StopRecord | null {
  try {
    return JSON.parse(fs.readFileSync(stopRecordPath(layout, name), 'utf8')) as StopRecord;
  } catch {
    return null;
  }
}

export function writeRunRecord(layout: HostLayout, record: RunRecord): void {
  writeFileAtomic(runRecordPath(layout, record.name), JSON.stringify(record), 0o600);
}
export function writeStopRecord(layout: HostLayout, name: string, stop: StopRecord): void {
  writeFileAtomic(stopRecordPath(layout, name), JSON.stringify(stop), 0o600);
}
export function removeRunRecord(layout: HostLayout, name: string): void {
  removeFile(runRecordPath(layout, name));
}
export function removeStopRecord(layout: HostLayout, name: string): void {
  removeFile(stopRecordPath(layout, name));
}

/** Takes the start lock (the run record, created exclusively); false when a run holds it. */
export function lockRun(layout: HostLayout, name: string): boolean {
  const file = runRecordPath(layout, name);
  try {
    fs.mkdirSync(layout.runDir, {recursive: true, mode: 0o700});
    fs.writeFileSync(file, JSON.stringify(newRunRecord(name)), {flag: 'wx', mode: 0o600});
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    // A record cut short by a full disk would look like another start's lock.
    try {
      fs.rmSync(file, {force: true});
    } catch {
      // could not be created either
    }
    throw new DriverError(`cannot start '${name}': ${fileError('write', file, e).message}`);
  }
}

/** The domains with a run record, or null when there is no run directory to read. */
export function runRecordNames(layout: HostLayout): string[] | null {
  try {
    return fs
      .readdirSync(layout.runDir)
      .filter((f) => /^[^.].*\.json$/.test(f) && !f.endsWith('.last.json'))
      .map((f) => f.slice(0, -'.json'.length));
  } catch {
    return null;
  }
}

/**
 * A run a previous daemon left, as its files tell it: the record, brought up to date from
 * the stage's pid file (a daemon may die between spawning a stage and saving the record),
 * the stage to wait for and that stage's pid. null when there is no usable record.
 */
export function readLeftRun(layout: HostLayout, name: string): {record: RunRecord; stage: Stage; stagePid: number | null} | null {
  const record = readRunRecord(layout, name);
  if (!record || record.name !== name || typeof record.phase !== 'string') return null;
  // bhyve's files if it was started, else the loader's.
  const bhyvePid = readPidFile(stageFiles(layout, name, 'bhyve').pid);
  const stage: Stage = bhyvePid !== null || (record.phase !== 'bootloader' && record.phase !== 'preparing') ? 'bhyve' : 'loader';
  const stagePid = readPidFile(stageFiles(layout, name, stage).pid);
  if (stagePid !== null && stagePid !== record.pid) {
    record.pid = stagePid;
    if (stage === 'loader') record.phase = 'bootloader';
  }
  // bhyve was spawned (its pid file exists) by a daemon that died before it saw bhyve
  // come up: the phase still says loader, but bhyve's exit is the one to wait for.
  if (stage === 'bhyve' && (record.phase === 'bootloader' || record.phase === 'preparing')) record.phase = 'running';
  delete record.spawning;
  return {record, stage, stagePid};
}

/**
 * Every file of a run but the stop record, by its exact name: a prefix would also take
 * another domain's (web1's `web1.bhyve.*` is not domain web1.bhyve's) or the daemon's
 * (domain 'daemon'). The stage files' `.tmp` are the recorder's writes cut short.
 */
export function runFiles(layout: HostLayout, name: string): string[] {
  const stages = (['loader', 'bhyve'] as const).flatMap((s) => {
    const f = stageFiles(layout, name, s);
    return [f.pid, f.status, `${f.pid}.tmp`, `${f.status}.tmp`];
  });
  return [runRecordPath(layout, name), ...stages, deviceMapFile(layout, name)];
}
