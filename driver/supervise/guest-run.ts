// One guest's life, supervised by the host daemon: destroy a stale VM instance, create the
// taps, run the loader, run bhyve, act on bhyve's exit status (0 reboot, 1 power-off,
// 2 halt, >=3 fault) with the domain's <on_*> policy, clean up. Both the loader and bhyve
// run under the exit recorder, so a daemon that is killed and restarted adopts the guest
// from its run record and still learns how it ended.
import fs from 'node:fs';
import path from 'node:path';
import type {HostLayout} from '../host/layout.js';
import {DriverError, type DomainState} from '../client/connection.js';
import type {DomainDef} from '../domain/model.js';
import {domainFacts, type DomainFacts} from '../domain/facts.js';
import {preflightProblems, type PreflightHost} from './start-preflight.js';
import {runTool, toolMessage} from '../host/tools.js';
import {createTaps, destroyTaps} from '../host/tap-network.js';
import {logLine, logSize, openDomainLog, readLogSince} from './domain-log.js';
import {isBhyveTitleFor, pidAlive, processTitle} from '../host/process-table.js';
import {vmInstanceExists} from './domain-monitor.js';
import {readExitStatus, readPidFile, spawnRecorded} from './exit-recorder.js';
import {buildGuestCommands} from '../bhyve/guest-commands.js';
import {renderCommandLineFlat} from '../bhyve/argv-render.js';
import {writeFileAtomic} from '../io/atomic-file.js';
import {GuestConsole} from '../console/hub.js';
import {readHostConfig} from '../host/config.js';
import type {AppendLog} from '../io/append-log.js';
import {FileError, removeFile} from '../io/fs-errors.js';
import {bhyveExitMeaning, exitDecision, loaderExitMeaning, type ExitDecision} from './exit-policy.js';
import {
  deviceMapFile,
  newRunRecord,
  removeRunRecord,
  removeStopRecord,
  stageFiles,
  writeRunRecord,
  writeStopRecord,
  type RunRecord,
  type Stage,
  type StopRecord,
} from './run-state.js';

const forcePoweroffGraceMs = 10_000;
/** How long a loader gets to exit after SIGTERM, then after SIGKILL. */
const loaderTermGraceMs = 2_000;
const loaderKillGraceMs = 2_000;
/** How long the exit recorder gets to record a status after its program ended. */
const recorderStatusGraceMs = 5_000;
/** After the VM is destroyed, how long the stage may take to report its exit before cleanup goes ahead without it. */
const stageExitGraceMs = 5_000;
/** How long a stop waits for a console set-up under way (its stty) to let go of the device. */
const consoleReleaseMs = 10_000;

/** Whether `work` settles within `ms` (its timer is cleared either way). */
async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((r) => (timer = setTimeout(() => r(false), ms)));
  try {
    return await Promise.race([work.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Ends a process and waits until it is gone: `first` (SIGTERM for a loader, so grub-bhyve's
 * ncurses restores the console; SIGKILL to pull the plug), then SIGKILL if it is still
 * there after termMs. Resolves true once it is gone, false if even SIGKILL did not end it
 * within killMs (a process stuck in the kernel); the caller goes on either way.
 */
export async function endProcess(
  pid: number,
  first: 'SIGTERM' | 'SIGKILL',
  termMs: number,
  killMs: number,
  log: (m: string) => void = () => {},
): Promise<boolean> {
  const gone = async (ms: number): Promise<boolean> => {
    const deadline = Date.now() + ms;
    while (pidAlive(pid)) {
      if (Date.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, 20));
    }
    return true;
  };
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(pid, sig);
    } catch {
      // gone already
    }
  };
  if (!pidAlive(pid)) return true;
  signal(first);
  if (first === 'SIGTERM') {
    if (await gone(termMs)) return true;
    log(`pid ${pid} ignored SIGTERM for ${termMs} ms: SIGKILL`);
    signal('SIGKILL');
  }
  if (await gone(killMs)) return true;
  log(`pid ${pid} is still there ${killMs} ms after SIGKILL`);
  return false;
}

/** A stage's tool exited non-zero; what its status means goes into the stop record. */
class StageFailed extends DriverError {
  constructor(
    message: string,
    detail: string | undefined,
    exitCode: number,
    readonly exitMeaning: string,
  ) {
    super(message, detail, exitCode);
  }
}

export interface GuestRunHooks {
  /** the guest's state changed (the daemon tells its clients) */
  changed(name: string): void;
  /** the guest is stopped for good; the run object can go */
  finished(name: string): void;
}

export class GuestRun {
  record: RunRecord;
  /** the domain log; it pauses on a full disk and never throws */
  private logFile: AppendLog;
  /** while start() runs, a run record that cannot be saved fails the start */
  private starting = false;
  private facts: DomainFacts;
  private shutdownTimer: NodeJS.Timeout | undefined;
  /** exit statuses of the recorders this daemon spawned (the program's, see exit-recorder.ts) */
  private recorderExit = new Map<Stage, number>();
  /** stages whose ended program waits for its recorder to write the status */
  private readonly awaitingStatus = new Set<Stage>();
  private exitWaiters = new Map<Stage, (status: number) => void>();
  private watcher: fs.FSWatcher | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private stoppedPromise: Promise<void>;
  private resolveStopped!: () => void;
  /** the cleanup in progress or done: finish() runs once */
  private finishing: Promise<void> | undefined;
  /** a bhyvectl --destroy in flight, shared by whoever asks meanwhile */
  private destroyingVm: Promise<void> | undefined;
  /** false once the guest has stopped for good */
  active = true;
  /** what preflight checks against (host CPUs) */
  preflightHost: PreflightHost = {ncpu: null};
  /** the guest's serial console, held for its whole run */
  console: GuestConsole | undefined;
  /** the console while it is being opened (an adopted guest is supervised meanwhile) */
  private openingConsole: GuestConsole | undefined;
  /** settles once the console is open (or could not be opened) */
  readonly consoleReady: Promise<GuestConsole | undefined>;
  private settleConsole!: (c: GuestConsole | undefined) => void;

  constructor(
    private readonly layout: HostLayout,
    private readonly def: DomainDef,
    private readonly hooks: GuestRunHooks,
    adopted?: RunRecord,
  ) {
    this.facts = domainFacts(def);
    this.logFile = openDomainLog(layout, def.name);
    this.record = adopted ?? newRunRecord(def.name);
    this.stoppedPromise = new Promise((r) => (this.resolveStopped = r));
    this.consoleReady = new Promise((r) => (this.settleConsole = r));
  }

  get name(): string {
    return this.def.name;
  }

  /** stopped, or stopping for good (its cleanup has begun) */
  get ending(): boolean {
    return !this.active || this.finishing !== undefined;
  }

  /** the definition this run was started with */
  get definition(): DomainDef {
    return this.def;
  }

  get state(): DomainState {
    switch (this.record.phase) {
      case 'preparing':
      case 'bootloader':
        return 'bootloader';
      case 'in shutdown':
      case 'stopping':
        return 'in shutdown';
      default:
        return 'running';
    }
  }

  stopped(): Promise<void> {
    return this.stoppedPromise;
  }

  private log(text: string): void {
    logLine(this.logFile, text);
  }

  /**
   * Saves the run record. During a start a record that cannot be written (a full disk)
   * fails the start: a daemon restarted later could not adopt the guest. Once the guest
   * runs, it keeps running: the failure is logged, and the next save tries again.
   */
  private save(strict = this.starting): void {
    // Once the cleanup has begun, a late save would bring back the run record it removes.
    if (this.finishing) return;
    try {
      writeRunRecord(this.layout, this.record);
    } catch (e) {
      if (strict) throw e;
      this.log(`the run record could not be saved (the guest keeps running): ${(e as Error).message}`);
    }
    this.hooks.changed(this.name);
  }

  /** Runs a clean-up step that must not stop the rest of the cleanup; a failure is logged. */
  private tidy(what: string, step: () => void): void {
    try {
      step();
    } catch (e) {
      this.log(`${what}: ${(e as Error).message}`);
    }
  }

  /** Starts the guest; resolves once bhyve runs, rejects (after cleaning up) when it cannot. */
  async start(): Promise<void> {
    this.starting = true;
    try {
      this.save();
      const problems = await preflightProblems(this.layout, this.facts, this.preflightHost);
      if (problems.length > 0) throw new DriverError(`cannot start '${this.name}': ${problems[0]}`, problems.slice(1).join('\n') || undefined);
      removeStopRecord(this.layout, this.name);
      if (vmInstanceExists(this.layout, this.name)) {
        this.log(`destroying stale VM instance /dev/vmm/${this.name}`);
        await this.destroyVmInstance();
      }
      this.log(`starting domain ${this.name}`);
      // Each tap goes into the run record as soon as it exists: a daemon killed halfway
      // leaves a record from which destroy removes them.
      try {
        await createTaps(this.layout, this.facts.bridges, this.name, (tap) => {
          this.record.taps.push(tap);
          this.save();
        });
      } catch (e) {
        this.record.taps = []; // createTaps destroyed them
        throw e;
      }
      this.save();
      await this.openConsole();
      await this.boot();
    } catch (e) {
      this.starting = false;
      const err = e instanceof DriverError && !(e instanceof FileError) ? e : new DriverError(`cannot start '${this.name}': ${(e as Error).message}`);
      this.log(`start failed: ${err.message}${err.detail ? `\n${err.detail}` : ''}`);
      if (this.record.stopRequested === 'destroyed') {
        // Destroyed while starting: a stop the operator asked for, not a failure.
        await this.finish({state: 'shut off', reason: 'destroyed', at: new Date().toISOString()});
      } else {
        await this.finish(
          {
            state: 'shut off',
            reason: 'failed',
            at: new Date().toISOString(),
            error: err.message,
            ...(err.detail ? {detail: err.detail} : {}),
            ...(err.exitCode !== undefined ? {exitCode: err.exitCode} : {}),
            ...(err instanceof StageFailed ? {exitMeaning: err.exitMeaning} : {}),
          },
          false,
        );
      }
      throw err;
    }
    this.starting = false;
    void this.superviseFrom('bhyve');
  }

  /**
   * Opens the user side of the console before the loader runs, so nothing the loader or
   * the guest prints is lost. A console that cannot be opened does not stop the guest.
   */
  private async openConsole(): Promise<void> {
    const c = this.facts.consoles[0];
    if (this.console || this.openingConsole) return;
    if (!c) {
      this.settleConsole(undefined);
      return;
    }
    const {config} = readHostConfig(this.layout);
    const con = new GuestConsole(this.layout, this.name, c.slave, config.console, (m) => this.log(m));
    this.openingConsole = con;
    try {
      await con.open();
      // The guest may have stopped meanwhile; the cleanup then closed `con`.
      if (this.finishing) con.close('stopped');
      else this.console = con;
    } catch (e) {
      if (!this.finishing) this.log(`console ${c.slave} could not be opened: ${(e as Error).message}`);
    } finally {
      this.openingConsole = undefined;
    }
    this.settleConsole(this.console);
  }

  /** Loader (if any), then bhyve, until bhyve is up. Throws DriverError with the tool's output. */
  private async boot(opts: {skipLoader?: boolean} = {}): Promise<void> {
    const cmds = buildGuestCommands(this.layout, this.def, this.record.taps, (m) => this.log(`warning: ${m}`));
    if (cmds.loader && !opts.skipLoader) {
      if (cmds.loader.deviceMap) writeFileAtomic(cmds.loader.deviceMap.path, cmds.loader.deviceMap.contents);
      const offset = logSize(this.layout, this.name);
      this.throwIfDestroyed();
      await this.spawnStage('loader', cmds.loader.argv, 'bootloader');
      // A destroy that came while the loader was being spawned did not know its pid yet.
      if (this.record.stopRequested === 'destroyed') void this.stopLoader();
      const status = await this.waitStage('loader');
      // As libvirt does once the loader has run: grub-bhyve has read its device map.
      if (cmds.loader.deviceMap) fs.rmSync(cmds.loader.deviceMap.path, {force: true});
      if (this.record.stopRequested) throw new DriverError(`start of '${this.name}' cancelled: the domain was destroyed`);
      if (status !== 0) {
        const program = path.basename(cmds.loader.argv[0]!);
        throw new StageFailed(
          `${program} failed: ${program} exited with status ${status}`,
          this.outputSince(offset),
          status,
          loaderExitMeaning(program, status),
        );
      }
    }
    const offset = logSize(this.layout, this.name);
    this.throwIfDestroyed();
    await this.spawnStage('bhyve', cmds.bhyve, 'bootloader');
    // A destroy that came while bhyve was being spawned knew no process to stop (and a
    // UEFI guest had no VM yet): bhyve goes now, before it runs the guest.
    if (this.record.stopRequested === 'destroyed') this.killStage(this.record.pid);
    // bhyve retitles itself 'bhyve: NAME' once its devices are set up; any start-up error
    // makes it exit before that.
    const exited = this.waitStage('bhyve');
    let early: number | null = null;
    void exited.then((s) => (early = s));
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && early === null) {
      if (isBhyveTitleFor(await processTitle(this.layout, this.record.pid!), this.name)) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    if (early !== null) {
      // Destroyed (or shut down) while it started: say that, not that bhyve failed.
      if (this.record.stopRequested)
        throw new DriverError(`start of '${this.name}' cancelled: the domain was ${this.record.stopRequested === 'destroyed' ? 'destroyed' : 'shut down'}`);
      throw new StageFailed(
        `bhyve failed to start '${this.name}': bhyve exited with status ${early} (${bhyveExitMeaning(early)})`,
        this.outputSince(offset),
        early,
        bhyveExitMeaning(early),
      );
    }
    this.record.phase = 'running';
    this.save();
    this.log(`running, bhyve pid ${this.record.pid}`);
  }

  private killStage(pid: number | undefined): void {
    if (!pid || !pidAlive(pid)) return;
    this.log(`destroy: stopping bhyve (pid ${pid}), spawned while the destroy came`);
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // exited meanwhile
    }
  }

  private throwIfDestroyed(): void {
    if (this.record.stopRequested === 'destroyed') throw new DriverError(`start of '${this.name}' cancelled: the domain was destroyed`);
  }

  private outputSince(offset: number): string | undefined {
    let text: string;
    try {
      text = readLogSince(this.layout, this.name, offset);
    } catch {
      return undefined; // no log (it could not be created): the error itself still says what failed
    }
    // The tool's own lines, without our `run:` line and the bare timestamps between them.
    const out = text
      .split('\n')
      .map((l) => l.replace(/\r$/, ''))
      .filter((l) => l.trim() && !/^\S+Z( run: |\s*$)/.test(l))
      .join('\n')
      .trim();
    return out || undefined;
  }

  private async spawnStage(stage: Stage, argv: string[], phase: RunRecord['phase']): Promise<void> {
    const [argv0, ...args] = argv;
    this.log(`run: ${renderCommandLineFlat(argv)}`);
    const files = stageFiles(this.layout, this.name, stage);
    // Recorded first: a daemon killed before the pid file exists must not take this run for
    // a start that ran nothing (the program may already run; recovery.ts waits for its pid).
    this.record.spawning = stage;
    this.save();
    // A log that could not be opened sends the tools' output nowhere rather than stop the guest.
    const nul = this.logFile.descriptor < 0 ? fs.openSync('/dev/null', 'w') : -1;
    let rec;
    try {
      rec = await spawnRecorded(this.layout.program(argv0!), args, files, nul >= 0 ? nul : this.logFile.descriptor, {...process.env, LC_ALL: 'C'});
    } finally {
      if (nul >= 0) fs.closeSync(nul);
      delete this.record.spawning;
    }
    this.recorderExit.delete(stage);
    rec.recorder.once('exit', (code) => {
      // Our child: its exit status is the program's, should the status file be missing.
      if (code !== null) this.recorderExit.set(stage, code);
      this.noticeExit(stage);
    });
    this.record.phase = phase;
    this.record.pid = rec.pid;
    this.save();
  }

  /** Resolves with the stage's recorded exit status. */
  private waitStage(stage: Stage): Promise<number> {
    return new Promise((resolve) => {
      this.exitWaiters.set(stage, resolve);
      this.noticeExit(stage);
    });
  }

  private noticeExit(stage: Stage): void {
    const waiter = this.exitWaiters.get(stage);
    if (!waiter) return;
    const files = stageFiles(this.layout, this.name, stage);
    let status = readExitStatus(files.status);
    if (status === null && this.recorderExit.has(stage)) status = this.recorderExit.get(stage)!;
    if (status === null) {
      // No status: still running, or the recorder itself was killed (the status is lost).
      const pid = readPidFile(files.pid);
      if (pid && !pidAlive(pid)) this.awaitLateStatus(stage, waiter);
      return;
    }
    this.exitWaiters.delete(stage);
    waiter(status);
  }

  /**
   * The program ended and its status is not written yet: the recorder still has to wake,
   * write it and run mv(1), which on a loaded host takes more than a moment. Only a
   * recorder that was killed too loses it; then the status counts as 255 (a crash).
   */
  private awaitLateStatus(stage: Stage, waiter: (status: number) => void): void {
    if (this.awaitingStatus.has(stage)) return;
    this.awaitingStatus.add(stage);
    const files = stageFiles(this.layout, this.name, stage);
    const deadline = Date.now() + recorderStatusGraceMs;
    const check = (): void => {
      if (this.exitWaiters.get(stage) !== waiter) {
        this.awaitingStatus.delete(stage);
        return;
      }
      const status = readExitStatus(files.status) ?? this.recorderExit.get(stage) ?? null;
      if (status === null && Date.now() < deadline) {
        setTimeout(check, 50);
        return;
      }
      this.awaitingStatus.delete(stage);
      this.exitWaiters.delete(stage);
      if (status === null)
        this.log(
          `the ${stage === 'loader' ? 'loader' : 'bhyve'} process ended, but its exit status was not recorded within ${recorderStatusGraceMs / 1000} s (was its recorder killed?): taken as 255`,
        );
      waiter(status ?? 255);
    };
    check();
  }

  /** Watches for the stage's exit when it is not our child (adopted after a daemon restart). */
  private watchAdopted(stage: Stage): void {
    const name = path.basename(stageFiles(this.layout, this.name, stage).status);
    try {
      this.watcher = fs.watch(this.layout.runDir, (_ev, file) => {
        if (file === name || file === null) this.noticeExit(stage);
      });
      this.watcher.on('error', () => {}); // the poll below still notices
    } catch {
      // no inotify/kqueue: the poll below still notices
    }
    this.pollTimer = setInterval(() => this.noticeExit(stage), 1000);
    this.pollTimer.unref();
  }

  private stopWatching(): void {
    this.watcher?.close();
    this.watcher = undefined;
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = undefined;
  }

  /** Resumes supervision of a guest found running when this daemon started. */
  adopt(): void {
    this.record.daemonPid = process.pid;
    this.log(`daemon ${process.pid} adopted the guest (phase ${this.record.phase}, pid ${this.record.pid ?? '-'})`);
    this.save(false);
    if (this.record.shutdown) this.scheduleShutdownEscalation();
    void this.openConsole();
    const stage: Stage = this.record.phase === 'bootloader' || this.record.phase === 'preparing' ? 'loader' : 'bhyve';
    void this.superviseFrom(stage, true);
  }

  /** The supervision loop from a given point: wait for the stage's exit, act, repeat. */
  private async superviseFrom(stage: Stage, adopted = false): Promise<void> {
    try {
      if (stage === 'loader') {
        if (adopted) this.watchAdopted('loader');
        const status = await this.waitStage('loader');
        this.stopWatching();
        if (this.record.stopRequested) {
          await this.finish({state: 'shut off', reason: this.record.stopRequested, at: new Date().toISOString()});
          return;
        }
        if (status !== 0) {
          await this.finish({
            state: 'shut off',
            reason: 'failed',
            at: new Date().toISOString(),
            error: `loader exited with status ${status}`,
            exitCode: status,
            exitMeaning: loaderExitMeaning(path.basename(this.def.bootloader ?? ''), status),
          });
          return;
        }
        await this.continueAfterLoader();
      }
      for (;;) {
        if (adopted) this.watchAdopted('bhyve');
        adopted = false;
        const status = await this.waitStage('bhyve');
        this.stopWatching();
        const handled = this.record.exitHandled;
        let next: ExitDecision;
        if (handled && handled.pid === this.record.pid) {
          next = {action: handled.action, reason: handled.reason};
          this.log(`resuming what followed bhyve's exit with status ${handled.status}: ${next.action}${next.reason ? ` (${next.reason})` : ''}`);
        } else {
          this.log(`bhyve exited with status ${status} (${bhyveExitMeaning(status)})`);
          next = this.nextAction(status);
          this.log(`action: ${next.action}${next.reason ? ` (${next.reason})` : ''}`);
          if (this.record.pid !== undefined) this.record.exitHandled = {pid: this.record.pid, status, ...next};
          this.save();
        }
        if (next.action !== 'restart') {
          this.record.phase = 'stopping';
          this.save();
          await this.finish(
            {
              state: next.action === 'preserve' || next.reason === 'crash loop' ? 'crashed' : 'shut off',
              reason: next.reason,
              at: new Date().toISOString(),
              exitCode: status,
              exitMeaning: bhyveExitMeaning(status),
            },
            next.action === 'preserve',
          );
          return;
        }
        await this.destroyVmInstance();
        try {
          await this.boot();
        } catch (e) {
          this.log(`restart failed: ${(e as Error).message}`);
          if (this.record.stopRequested) await this.finish({state: 'shut off', reason: this.record.stopRequested, at: new Date().toISOString()});
          else await this.finish({state: 'crashed', reason: 'restart failed', at: new Date().toISOString(), error: (e as Error).message});
          return;
        }
      }
    } catch (e) {
      this.log(`supervision error: ${(e as Error).message}`);
      await this.finish({state: 'crashed', reason: 'supervision error', at: new Date().toISOString(), error: (e as Error).message});
    }
  }

  private async continueAfterLoader(): Promise<void> {
    // Adopted while the loader ran, and it has loaded the kernel: bhyve comes next. The
    // device map went with the daemon that ran the loader; it is read, so it goes here.
    fs.rmSync(deviceMapFile(this.layout, this.name), {force: true});
    await this.boot({skipLoader: true});
  }

  /** The domain's exit policy (<on_reboot>, <on_poweroff>, <on_crash>) for this exit, with the crash-loop guard. */
  private nextAction(status: number): ExitDecision {
    const now = Date.now();
    const operatorReset = this.record.resetRequested !== undefined && this.record.resetRequested === this.record.pid;
    delete this.record.resetRequested; // one reset, one exit
    const {restarts, counts, ...next} = exitDecision(status, {
      policies: this.facts,
      restarts: this.record.restarts,
      now,
      stopRequested: this.record.stopRequested,
      operatorReset,
    });
    this.record.restarts = counts ? [...restarts, now] : restarts;
    return next;
  }

  private destroyVmInstance(): Promise<void> {
    // destroy() and the cleanup after the stage's exit may ask at the same time: one bhyvectl.
    this.destroyingVm ??= (async () => {
      try {
        if (!vmInstanceExists(this.layout, this.name)) return;
        const r = await runTool(this.layout, 'bhyvectl', ['--destroy', `--vm=${this.name}`]);
        this.log(`bhyvectl --destroy --vm=${this.name}: exit ${r.exitCode}${r.exitCode ? `: ${toolMessage(r)}` : ''}`);
      } finally {
        this.destroyingVm = undefined;
      }
    })();
    return this.destroyingVm;
  }

  /** Cleans up after the guest's last exit: VM instance, taps, run files. Runs once. */
  private finish(stop: StopRecord, preserveInstance = false): Promise<void> {
    this.finishing ??= this.cleanUp(stop, preserveInstance);
    return this.finishing;
  }

  private async cleanUp(stop: StopRecord, preserveInstance: boolean): Promise<void> {
    // A stage whose exit was never reported (cleanup forced by destroy) counts as lost.
    for (const [stage, waiter] of [...this.exitWaiters]) {
      this.exitWaiters.delete(stage);
      waiter(255);
    }
    this.stopWatching();
    if (this.shutdownTimer) clearTimeout(this.shutdownTimer);
    try {
      if (!preserveInstance) await this.destroyVmInstance();
      if (this.record.taps.length) await destroyTaps(this.layout, this.record.taps, (m) => this.log(m));
    } catch (e) {
      // Logged, not thrown: the cleanup runs from callbacks and timers (nobody to catch it,
      // a rejection would end the daemon), and a start's own error is the one to report.
      this.log(`cleanup: ${(e as Error).message}`);
    } finally {
      // Every step runs whatever the one before it met (a full disk, a read-only mount).
      for (const stage of ['loader', 'bhyve'] as const) {
        const f = stageFiles(this.layout, this.name, stage);
        for (const file of [f.status, f.pid]) this.tidy('cleanup', () => removeFile(file));
      }
      this.tidy('cleanup', () => this.console?.close('stopped', stop.state === 'crashed' ? `crashed: ${stop.reason}` : stop.reason));
      this.openingConsole?.close('stopped');
      // Stopped means nothing of the console holds its device any more: a set-up or reopen
      // under way (its stty) ends first. Bounded: a stty that hangs does not hold the stop.
      const consoles = [this.console, this.openingConsole].filter((c) => c !== undefined);
      this.console = undefined;
      if (!(await settlesWithin(Promise.all(consoles.map((c) => c.released())), consoleReleaseMs)))
        this.log(`cleanup: the console was still being set up ${consoleReleaseMs} ms after the stop; not waiting longer`);
      fs.rmSync(deviceMapFile(this.layout, this.name), {force: true});
      this.settleConsole(undefined);
      this.tidy('the stop record could not be saved', () => writeStopRecord(this.layout, this.name, stop));
      this.tidy('cleanup', () => removeRunRecord(this.layout, this.name));
      this.log(`stopped: ${stop.state} (${stop.reason})`);
      this.active = false;
      this.logFile.close();
      this.hooks.changed(this.name);
      this.hooks.finished(this.name);
      this.resolveStopped();
    }
  }

  /** The loader's pid while the loader stage runs (not bhyve's, which the record holds next). */
  private liveLoaderPid(): number | null {
    if (this.record.phase !== 'bootloader' && this.record.phase !== 'preparing') return null;
    const files = stageFiles(this.layout, this.name, 'loader');
    const pid = readPidFile(files.pid);
    if (pid === null || pid !== this.record.pid || readExitStatus(files.status) !== null) return null;
    return pidAlive(pid) ? pid : null;
  }

  /**
   * Stops a running loader, then destroys its VM. bhyveload and grub-bhyve create the VM
   * before their menu and touch it only when they load the kernel, so destroying the VM
   * does not stop one that waits at its menu (driver/sim/README.md). vm-bhyve kills the
   * loader first too. SIGTERM first: grub-bhyve's ncurses restores the console on it.
   */
  private async stopLoader(): Promise<void> {
    const pid = this.liveLoaderPid();
    if (pid === null) return;
    this.log(`destroy: stopping the loader (pid ${pid}) before the VM`);
    await endProcess(pid, 'SIGTERM', loaderTermGraceMs, loaderKillGraceMs, (m) => this.log(m));
    await this.destroyVmInstance();
  }

  /** Pulls the plug: stops the loader or destroys the VM; resolves once cleaned up, in bounded time. */
  async destroy(): Promise<void> {
    this.record.stopRequested = 'destroyed';
    this.save(false);
    const stagePid = this.liveLoaderPid() ?? (pidAlive(this.record.pid) ? this.record.pid! : null);
    if (this.liveLoaderPid() !== null) {
      await this.stopLoader();
    } else if (vmInstanceExists(this.layout, this.name)) {
      const r = await runTool(this.layout, 'bhyvectl', ['--destroy', `--vm=${this.name}`]);
      this.log(`destroy requested: bhyvectl --destroy --vm=${this.name}: exit ${r.exitCode}`);
      if (r.exitCode !== 0 && this.record.pid && pidAlive(this.record.pid)) process.kill(this.record.pid, 'SIGKILL');
    } else if (this.record.pid && pidAlive(this.record.pid)) {
      process.kill(this.record.pid, 'SIGKILL');
    }
    // The stage's exit normally brings the cleanup. Should it never be reported (a
    // process stuck in the kernel, a lost recorder), clean up anyway. Without a stage
    // process the start in progress stops by itself before it spawns one.
    if (stagePid === null) return this.stopped();
    if (!(await settlesWithin(this.stopped(), stageExitGraceMs)) && !this.finishing) {
      this.log(`destroy: no exit reported ${stageExitGraceMs} ms after the destroy; cleaning up without it`);
      await this.finish({state: 'shut off', reason: 'destroyed', at: new Date().toISOString()});
    }
    await this.stopped();
  }

  /** Presses the ACPI power button once (one SIGTERM); escalates after timeoutS. */
  shutdown(timeoutS: number): void {
    if (this.record.phase !== 'running' || !this.record.pid || this.ending || !pidAlive(this.record.pid)) {
      throw new DriverError(`Requested operation is not valid: domain '${this.name}' is not running`);
    }
    this.record.phase = 'in shutdown';
    this.record.stopRequested = 'shutdown';
    this.record.shutdown = {deadline: Date.now() + timeoutS * 1000, stage: 'acpi'};
    this.save(false);
    this.log(`shutdown: ACPI power button (SIGTERM to bhyve ${this.record.pid}); forced power-off in ${timeoutS} s`);
    try {
      process.kill(this.record.pid, 'SIGTERM');
    } catch (e) {
      // bhyve exited between the check and the button: its exit is being handled.
      if ((e as NodeJS.ErrnoException).code === 'ESRCH') throw new DriverError(`Requested operation is not valid: domain '${this.name}' is not running`);
      throw e;
    }
    this.scheduleShutdownEscalation();
  }

  private scheduleShutdownEscalation(): void {
    const sd = this.record.shutdown;
    if (!sd) return;
    if (this.shutdownTimer) clearTimeout(this.shutdownTimer);
    this.shutdownTimer = setTimeout(() => void this.escalate(), Math.max(0, sd.deadline - Date.now()));
  }

  private async escalate(): Promise<void> {
    const sd = this.record.shutdown;
    if (!sd || !this.record.pid || !pidAlive(this.record.pid)) return;
    if (sd.stage === 'acpi') {
      sd.stage = 'force-poweroff';
      sd.deadline = Date.now() + forcePoweroffGraceMs;
      this.save();
      const r = await runTool(this.layout, 'bhyvectl', ['--force-poweroff', `--vm=${this.name}`]);
      this.log(`shutdown timed out: bhyvectl --force-poweroff --vm=${this.name}: exit ${r.exitCode}`);
      this.scheduleShutdownEscalation();
    } else if (sd.stage === 'force-poweroff') {
      sd.stage = 'destroy';
      this.save();
      this.log('forced power-off did not stop the guest: destroying it');
      await this.destroy();
    }
  }

  /** A reset, as the reset button: bhyve exits 0 and <on_reboot> decides. */
  async reboot(): Promise<void> {
    if (this.record.phase !== 'running') throw new DriverError(`Requested operation is not valid: domain '${this.name}' is not running`);
    // Marked before the reset: bhyve may exit, and its exit be handled, before bhyvectl's own
    // exit is seen. Its restart is then the operator's, not counted by the crash-loop guard.
    const resetPid = this.record.pid;
    this.record.resetRequested = resetPid;
    this.save(false);
    const r = await runTool(this.layout, 'bhyvectl', ['--force-reset', `--vm=${this.name}`]);
    this.log(`reboot: bhyvectl --force-reset --vm=${this.name}: exit ${r.exitCode}`);
    if (r.exitCode !== 0) {
      if (this.record.resetRequested === resetPid) delete this.record.resetRequested;
      // The guest stopped (or began restarting) while the reset was on its way: its VM was
      // gone when bhyvectl opened it. That is "not running", not a failure of the reset.
      if (this.ending || this.record.phase !== 'running' || !vmInstanceExists(this.layout, this.name)) {
        throw new DriverError(`Requested operation is not valid: domain '${this.name}' is not running`);
      }
      throw new DriverError(`failed to reboot '${this.name}': ${toolMessage(r)}`, undefined, r.exitCode);
    }
  }
}
