// The host daemon's domains, as its request handler (daemon.ts) sees them: the lifecycle of
// the guests it supervises (start, destroy, shutdown, reboot, define, undefine, autostart)
// and the questions a client may ask, answered by the modules beside it: definitions.ts,
// host-status.ts, domain-status.ts, problem-analysis.ts, console-access.ts and recovery.ts.
// Operations on one domain are checked synchronously before the first await, so two racing
// starts give one start and one 'already running'.
import {
  DriverError,
  type DomainDetails,
  type DomainEvent,
  type DomainProblem,
  type DomainState,
  type DomainSummary,
  type HostCapabilities,
  type HostStatus,
} from '../client/connection.js';
import type {HostLayout} from '../host/layout.js';
import {readDomainFile} from './domain-store.js';
import {LIMITS, wholeNumberProblem} from '../protocol/request-limits.js';
import {domainFacts} from '../domain/facts.js';
import {isActive, isRunning, needsCleanup} from '../domain/state.js';
import {GuestRun, type GuestRunHooks} from '../supervise/guest-run.js';
import {lockRun, removeStopRecord} from '../supervise/run-state.js';
import {readLogSince} from '../supervise/domain-log.js';
import type {GuestConsole} from '../console/hub.js';
import type {HostCapsProbe} from '../bhyve/capabilities-probe.js';
import {removeFile} from '../io/fs-errors.js';
import {DefinitionJobs} from './definition-jobs.js';
import {Definitions} from './definitions.js';
import {HostInfo} from './host-status.js';
import {GuestSampler} from './process-sampling.js';
import {domainDetails, listDomains, observe} from './domain-status.js';
import {consoleInUse, diskClash, diskInUse, domainProblems} from './problem-analysis.js';
import {Recovery} from './recovery.js';
import {consoleDevice, consoleFor} from './console-access.js';
import {autostartList, autostartProblem, readAutostart, saveAutostart, type AutostartEntry} from './autostart.js';

export type {AutostartEntry} from './autostart.js';

export class DomainManager {
  /** the guests this daemon supervises, by name */
  readonly runs = new Map<string, GuestRun>();
  private listeners = new Set<(e: DomainEvent) => void>();
  /** the daemon log */
  log: (line: string) => void = () => {};
  /** parsing and scanning of definitions, off the event loop */
  readonly jobs = new DefinitionJobs((line) => this.hostCaps.log(line));
  readonly definitions: Definitions;
  readonly host: HostInfo;
  private readonly recovery = new Recovery(this);
  readonly sampler: GuestSampler;

  constructor(
    readonly layout: HostLayout,
    readonly uri: string,
  ) {
    this.definitions = new Definitions(layout, this.jobs);
    this.host = new HostInfo(
      layout,
      uri,
      this.definitions,
      () => this.emit({type: 'host'}),
      (line) => this.log(line),
    );
    this.sampler = new GuestSampler(layout);
  }

  /** what the host's bhyve supports: probed once per daemon start, cached by the binary's identity */
  get hostCaps(): HostCapsProbe {
    return this.host.hostCaps;
  }

  // ---- events ----

  subscribe(listener: (e: DomainEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: DomainEvent): void {
    for (const l of this.listeners) l(e);
  }

  emitState(name: string): void {
    const s = observe(this, name);
    this.emit({type: 'domain', name, state: s.state, ...(s.reason ? {reason: s.reason} : {})});
  }

  /** Watches the config directory so edits made outside bhyve-tui reach the clients. */
  watchDefinitions(): void {
    this.definitions.watch(() => this.emit({type: 'domains-changed'}));
  }

  close(): void {
    this.host.close();
    this.definitions.close();
    this.jobs.close();
  }

  // ---- what the modules beside this one answer ----

  /** The file of a valid definition (dumpxml formats it); DriverError when it is unknown or invalid. */
  validDefinitionFile = (name: string): string => this.definitions.findValid(name).file;

  /** See Definitions.prepare: parses in the worker what the request will read. */
  prepare(name?: string, forList = false): Promise<void> {
    return this.definitions.prepare(name, forList);
  }

  listDomains(): Promise<DomainSummary[]> {
    return listDomains(this);
  }

  domainDetails(name: string): Promise<DomainDetails> {
    return domainDetails(this, name);
  }

  domainProblems(name: string): Promise<DomainProblem[]> {
    return domainProblems(this, name);
  }

  hostStatus(): Promise<HostStatus> {
    return this.host.hostStatus();
  }

  capabilities(): Promise<HostCapabilities> {
    return this.host.capabilities();
  }

  probeCapabilities(): void {
    this.host.probeCapabilities();
  }

  loadModule(name: string): Promise<void> {
    return this.host.loadModule(name);
  }

  recover(): Promise<{adopted: string[]; orphans: string[]; interrupted: string[]}> {
    return this.recovery.recover(this.hooks);
  }

  finishInterruptedStarts(names: string[]): Promise<void> {
    return this.recovery.finishInterruptedStarts(names);
  }

  sweepStrayTaps(): Promise<void> {
    return this.recovery.sweepStrayTaps();
  }

  // ---- lifecycle ----

  private hooks: GuestRunHooks = {
    changed: (name: string) => {
      this.emitState(name);
      this.recovery.runChanged(name);
    },
    finished: (name: string) => {
      this.runs.delete(name);
      this.emitState(name);
      this.recovery.runFinished();
    },
  };

  async start(name: string): Promise<void> {
    this.definitions.findValid(name);
    // Before the checks below, which must run without an await between them and the lock.
    const caps = await this.host.capsForStart(name);
    const def = await this.definitions.forHost(this.definitions.findValid(name), caps);
    const now = observe(this, name).state;
    if (this.runs.has(name) || isRunning(now)) {
      throw new DriverError(`Requested operation is not valid: domain '${name}' is already running`);
    }
    if (now === 'orphaned') {
      throw new DriverError(`domain '${name}' has leftovers of an earlier run (${observe(this, name).reason}); clean them up with: bhyve-tui destroy ${name}`);
    }
    const clash = consoleInUse(this, name, domainFacts(def).consoles);
    if (clash)
      throw new DriverError(`cannot start '${name}': its console ${clash.path} is in use by running domain '${clash.other}'; give it its own nmdm pair`);
    const disk = diskInUse(this, name, domainFacts(def).files);
    if (disk) throw new DriverError(`cannot start '${name}': ${diskClash(disk)}; give it its own image, or mark the disk <readonly/> or <shareable/> in both`);
    if (!lockRun(this.layout, name)) throw new DriverError(`Requested operation is not valid: domain '${name}' is already running`);
    const run = new GuestRun(this.layout, def, this.hooks);
    run.preflightHost = {ncpu: this.host.hostCpus()};
    this.runs.set(name, run);
    try {
      await run.start();
    } finally {
      if (!run.active) this.runs.delete(name);
    }
  }

  async destroy(name: string): Promise<void> {
    this.definitions.find(name);
    const run = this.runs.get(name);
    if (run) {
      await run.destroy();
      return;
    }
    const seen = observe(this, name);
    if (!needsCleanup(seen.state)) {
      throw new DriverError(`Requested operation is not valid: domain '${name}' is not running`);
    }
    await this.recovery.cleanUpLeftovers(name, 'destroyed');
  }

  shutdown(name: string, timeoutS = 60): void {
    const bad = wholeNumberProblem(timeoutS, LIMITS.shutdownTimeoutS);
    if (bad) throw new DriverError(`cannot shut down '${name}': ${bad}`);
    this.definitions.find(name);
    const run = this.runs.get(name);
    if (!run) throw new DriverError(`Requested operation is not valid: domain '${name}' is not running`);
    run.shutdown(timeoutS);
    this.emit({type: 'shutdown', name, stage: 'acpi', deadline: run.record.shutdown!.deadline});
  }

  async reboot(name: string): Promise<void> {
    this.definitions.find(name);
    const run = this.runs.get(name);
    if (!run) throw new DriverError(`Requested operation is not valid: domain '${name}' is not running`);
    await run.reboot();
  }

  // ---- definitions: define, undefine, autostart ----

  async define(xml: string): Promise<{name: string}> {
    const defined = await this.definitions.define(xml);
    this.emit({type: 'domains-changed'});
    return defined;
  }

  undefine(name: string): void {
    const d = this.definitions.find(name);
    const state = observe(this, name).state;
    // An orphan too: without its definition, destroy could no longer clean up its VM and taps.
    if (state === 'orphaned')
      throw new DriverError(
        `Requested operation is not valid: domain '${name}' has leftovers of an earlier run; clean them up first with: bhyve-tui destroy ${name}`,
      );
    if (isActive(state) || this.runs.has(name)) {
      throw new DriverError(`Requested operation is not valid: domain '${name}' is running; destroy or shut it down first`);
    }
    // The definition first: when that cannot be removed (a read-only mount), nothing changed.
    removeFile(d.file);
    this.emit({type: 'domains-changed'});
    saveAutostart(this.layout, name, null);
    removeStopRecord(this.layout, name);
  }

  setAutostart(name: string, enabled: boolean, entry: Partial<AutostartEntry> = {}): void {
    const bad = autostartProblem(entry);
    if (bad) throw new DriverError(`cannot mark '${name}' as autostarted: ${bad}`);
    this.definitions.findValid(name);
    saveAutostart(this.layout, name, enabled ? entry : null);
    this.emitState(name);
  }

  readAutostart(name: string): AutostartEntry | null {
    return readAutostart(this.layout, name);
  }

  /** Domains marked autostart, in start order (then by name). */
  autostartList(): {name: string; entry: AutostartEntry}[] {
    return autostartList(this.layout, this.definitions.all());
  }

  // ---- a domain's definition, log and console ----

  domainXml(name: string): string {
    const file = this.definitions.find(name).file;
    try {
      return readDomainFile(file);
    } catch (e) {
      throw new DriverError(`cannot read the definition of '${name}': ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  domainLog(name: string, tailBytes = 64 * 1024): string {
    const bad = wholeNumberProblem(tailBytes, LIMITS.logTailBytes);
    if (bad) throw new DriverError(`cannot read the log of '${name}': ${bad}`);
    this.definitions.find(name);
    try {
      return readLogSince(this.layout, name, 0, tailBytes);
    } catch {
      return '';
    }
  }

  consoleDevice(name: string): {device: string; state: DomainState} {
    return consoleDevice(this, name);
  }

  /** The console the daemon holds for a running guest. */
  consoleFor(name: string): Promise<GuestConsole> {
    return consoleFor(this, name);
  }
}
