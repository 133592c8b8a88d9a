// What a killed daemon or an ended run left behind, and clearing it: adopting the guests a
// previous daemon left running, telling orphans from starts that were interrupted before
// they ran anything, cleaning up an orphan's or a preserved crash's leftovers, and sweeping
// the taps no run records.
import fs from 'node:fs';
import path from 'node:path';
import {DriverError} from '../client/connection.js';
import type {HostLayout} from '../host/layout.js';
import {pidAlive} from '../host/process-table.js';
import {runTool} from '../host/tools.js';
import {destroyTaps, sweepStrayTaps} from '../host/tap-network.js';
import {removeDeadWritersTemps} from '../io/atomic-file.js';
import {removeFile} from '../io/fs-errors.js';
import {vmInstanceExists} from '../supervise/domain-monitor.js';
import {readPidFile, recorderPidDeadlineMs} from '../supervise/exit-recorder.js';
import {endProcess, GuestRun, type GuestRunHooks} from '../supervise/guest-run.js';
import {readLeftRun, readRunRecord, runFiles, runRecordNames, stageFiles, writeStopRecord} from '../supervise/run-state.js';
import type {Definitions} from './definitions.js';

export interface RecoverySources {
  readonly layout: HostLayout;
  readonly runs: Map<string, GuestRun>;
  readonly definitions: Definitions;
  log(line: string): void;
  /** tells the clients the domain's state */
  emitState(name: string): void;
}

export class Recovery {
  /** set when a sweep left a tap alone because its domain's start was still making taps */
  private sweepDeferred = false;

  constructor(private readonly d: RecoverySources) {}

  /** Adopts the guests a previous daemon left running (after a crash or kill -9). */
  async recover(hooks: GuestRunHooks): Promise<{adopted: string[]; orphans: string[]; interrupted: string[]}> {
    const {layout, runs} = this.d;
    const adopted: string[] = [];
    const orphans: string[] = [];
    const interrupted: string[] = [];
    const names = runRecordNames(layout) ?? [];
    await Promise.all(names.map((name) => this.awaitSpawnedPid(name)));
    for (const name of names) {
      if (runs.has(name)) continue;
      const left = readLeftRun(layout, name);
      if (!left) continue;
      const {record, stage, stagePid} = left;
      const alive = record.pid !== undefined && pidAlive(record.pid);
      let def;
      try {
        def = this.d.definitions.findValid(name).def;
      } catch {
        orphans.push(name);
        continue;
      }
      if (alive || fs.existsSync(stageFiles(layout, name, stage).status)) {
        const run = new GuestRun(layout, def, hooks, record);
        runs.set(name, run);
        run.adopt();
        adopted.push(name);
      } else if (record.phase === 'preparing' && stagePid === null && record.pid === undefined) {
        interrupted.push(name);
      } else {
        orphans.push(name);
      }
    }
    return {adopted, orphans, interrupted};
  }

  /**
   * A daemon killed while an exit recorder was starting a stage: the recorder lives on and
   * writes the program's pid within moments. Without that wait the run looks like a start
   * that ran nothing, its cleanup misses the program, and a loader (or a second bhyve) runs
   * on unsupervised. Waits as long as the killed daemon itself would have.
   */
  private async awaitSpawnedPid(name: string): Promise<void> {
    const record = readRunRecord(this.d.layout, name);
    if (!record?.spawning) return;
    const file = stageFiles(this.d.layout, name, record.spawning).pid;
    const deadline = Date.now() + recorderPidDeadlineMs;
    while (readPidFile(file) === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const pid = readPidFile(file);
    this.d.log(
      `'${name}': its daemon was killed while starting ${record.spawning === 'loader' ? 'the loader' : 'bhyve'}; ${pid ? `it runs as pid ${pid}` : `no pid within ${recorderPidDeadlineMs / 1000} s: nothing was started`}`,
    );
  }

  /**
   * Cleans up what a run left behind (an orphan, a preserved crash, a start whose daemon was
   * killed before it spawned anything) and records the guest as shut off for `reason`.
   */
  async cleanUpLeftovers(name: string, reason: string): Promise<void> {
    const {layout} = this.d;
    // A process of the run that still runs (a loader at its menu, a bhyve) goes first and
    // for good: a loader does not notice its VM being destroyed, and a tap cannot be
    // destroyed while bhyve holds it.
    const record = readRunRecord(layout, name);
    if (record?.pid && pidAlive(record.pid)) await endProcess(record.pid, 'SIGKILL', 0, 2_000);
    if (record?.taps.length) await destroyTaps(layout, record.taps, () => {});
    if (vmInstanceExists(layout, name)) {
      const r = await runTool(layout, 'bhyvectl', ['--destroy', `--vm=${name}`]);
      if (r.exitCode !== 0 && vmInstanceExists(layout, name))
        throw new DriverError(`failed to destroy '${name}': ${r.stderr.trim() || r.stdout.trim()}`, undefined, r.exitCode);
    }
    for (const f of runFiles(layout, name)) removeFile(f);
    writeStopRecord(layout, name, {state: 'shut off', reason, at: new Date().toISOString()});
    this.d.emitState(name);
  }

  /**
   * After recover(): the starts a killed daemon left before it spawned a loader or bhyve
   * (run record in phase 'preparing', no process, no exit) are cleaned up, not left as
   * orphans for the operator; and the temp files of its interrupted atomic writes go.
   */
  async finishInterruptedStarts(names: string[]): Promise<void> {
    for (const dir of [this.d.layout.runDir, this.d.layout.domainsDir]) {
      for (const f of removeDeadWritersTemps(dir, pidAlive)) this.d.log(`removed ${path.join(dir, f)}, left by a writer that was killed`);
    }
    for (const name of names) {
      try {
        await this.cleanUpLeftovers(name, 'start interrupted');
        this.d.log(`the start of '${name}' was interrupted (its daemon was killed before it ran anything): cleaned up`);
      } catch (e) {
        this.d.log(`the start of '${name}' was interrupted; cleaning up failed, it stays orphaned: ${(e as Error).message}`);
      }
    }
    // A tap the interrupted start made but had not recorded yet is no run's now.
    if (names.length) await this.sweepStrayTaps();
  }

  /**
   * Destroys the taps marked as ours that no run records and no start of this daemon is
   * making: what a daemon killed between `ifconfig tap create` and saving the run record
   * leaves behind (an orphan's taps are in its record, which destroy removes).
   */
  async sweepStrayTaps(): Promise<void> {
    const {layout, runs} = this.d;
    const recorded = new Set<string>();
    const names = runRecordNames(layout);
    if (!names) return; // no run directory: nothing was ever started
    for (const name of names) for (const tap of readRunRecord(layout, name)?.taps ?? []) recorded.add(tap);
    let deferred = false;
    await sweepStrayTaps(
      layout,
      (tap, domain) => {
        if (recorded.has(tap)) return true;
        // A start of that domain still making its taps may own it and not have recorded it yet.
        const making = runs.get(domain)?.record.phase === 'preparing';
        deferred ||= making;
        return making;
      },
      (m) => this.d.log(m),
    );
    this.sweepDeferred = deferred;
  }

  private sweepInBackground(): void {
    this.sweepStrayTaps().catch((e: unknown) => this.d.log(`sweeping stray taps: ${(e as Error).message}`));
  }

  /** A run's state changed: the start that kept a sweep from a tap has made its taps now: sweep again. */
  runChanged(name: string): void {
    if (this.sweepDeferred && this.d.runs.get(name)?.record.phase !== 'preparing') {
      this.sweepDeferred = false;
      this.sweepInBackground();
    }
  }

  /**
   * A run ended: a stray tap the sweep at daemon start left alone, because a start of its
   * domain was under way then, goes now.
   */
  runFinished(): void {
    this.sweepInBackground();
  }
}
