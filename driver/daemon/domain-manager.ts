// The host daemon's view of the domains: definitions (cached by file mtime), the guests it
// supervises, what stopped guests left behind, and every operation a client may ask for.
// Operations on one domain are checked synchronously before the first await, so two
// racing starts give one start and one 'already running'.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  DriverError,
  type DomainDetails,
  type DomainEvent,
  type DomainProblem,
  type DomainState,
  type DomainSummary,
  type HostCapabilities,
  type HostCheck,
  type HostStatus,
  type ModuleStatus,
} from '../client/connection.js';
import type {HostLayout} from '../host/layout.js';
import {listDomainFiles, loadDomainFile, readDomainFile, type StoredDomain} from './domain-store.js';
import {readBoundedText} from '../io/bounded-read.js';
import {LIMITS, wholeNumberProblem, type WholeNumberLimit} from '../protocol/request-limits.js';
import {domainFacts} from '../domain/facts.js';
import {domainNameProblem} from '../domain/name.js';
import {isModuleName, loadModule, MODULE_NAMES, probeModules} from '../host/modules.js';
import {conflictingUse, fileUse, preflight, type PreflightFacts} from '../supervise/start-preflight.js';
import {vmInstanceExists} from '../supervise/domain-monitor.js';
import {pidAlive, sampleProcesses, type ProcessSample} from '../host/process-table.js';
import {deviceMapFile, endProcess, GuestRun, readRunRecord, readStopRecord, runRecordPath, stopRecordPath, type RunRecord} from '../supervise/guest-run.js';
import {runTool} from '../host/tools.js';
import {destroyTaps, sweepStrayTaps} from '../host/tap-network.js';
import {domainLogPath, readLogSince} from '../supervise/domain-log.js';
import {removeDeadWritersTemps, writeFileAtomic} from '../io/atomic-file.js';
import {readPidFile} from '../supervise/exit-recorder.js';
import type {DomainDef} from '../domain/model.js';
import {domainPreview} from '../domain/preview.js';
import {placeOf, type DefinitionSubject} from '../domain/definition-scan.js';
import {DefinitionJobs} from './definition-jobs.js';
import {HostCapsProbe, type ProbedHostCaps} from '../bhyve/capabilities-probe.js';
import {capNames, capsSummary} from '../bhyve/capabilities.js';
import {validateHost} from '../host/validate.js';
import {BackgroundValue} from '../host/background-value.js';
import {firmwareDir} from '../bhyve/guest-commands.js';
import {logPauses} from '../io/append-log.js';
import {removeFile} from '../io/fs-errors.js';
import pkg from '../../package.json' with {type: 'json'};

interface Cached {
  mtimeMs: number;
  size: number;
  stored: StoredDomain;
}

/** A definition as the list shows it. */
interface Listed {
  ok: boolean;
  name: string;
  file: string;
  vcpus: number | null;
  memoryKiB: number | null;
  error?: string;
}

interface CachedListing {
  mtimeMs: number;
  size: number;
  listed: Listed;
}

function listedOf(d: StoredDomain): Listed {
  return d.ok
    ? {ok: true, name: d.name, file: d.file, vcpus: d.def.vcpus, memoryKiB: d.def.memoryKiB}
    : {ok: false, name: d.name, file: d.file, vcpus: null, memoryKiB: null, error: d.error};
}

function diskClash(d: {path: string; as: string; other: string}): string {
  return `its disk image ${d.path} is in use by running domain '${d.other}'${d.as === d.path ? '' : ` (as ${d.as})`}`;
}

export interface AutostartEntry {
  order: number;
  delayS: number;
}

export class DomainManager {
  private cache = new Map<string, Cached>();
  private listCache: Record<string, CachedListing> | undefined;
  private runs = new Map<string, GuestRun>();
  private listeners = new Set<(e: DomainEvent) => void>();
  /** the last kernel-module probe, and the one under way (see modules()) */
  private moduleProbe = new BackgroundValue(() => probeModules(this.layout), 3000, () => this.emit({type: 'host'}));
  /** host-validate's findings for the host panel */
  private checkRun = new BackgroundValue(
    async () => {
      await this.prepare();
      return validateHost(this.layout, {caps: () => this.hostCaps.get(), definitions: this.definitions(), modules: await this.modules()});
    },
    10_000,
    () => this.emit({type: 'host'}),
  );
  private watcher: fs.FSWatcher | undefined;
  /** what the host's bhyve supports: probed once per daemon start, cached by the binary's identity */
  readonly hostCaps: HostCapsProbe;
  /** the daemon log */
  log: (line: string) => void = () => {};
  private unwatchLogs: () => void;
  /** parsing and scanning of definitions, off the event loop */
  readonly jobs = new DefinitionJobs((line) => this.hostCaps.log(line));

  constructor(
    readonly layout: HostLayout,
    readonly uri: string,
  ) {
    this.hostCaps = new HostCapsProbe(layout);
    // A log that pauses (a full disk) or resumes is news for the daemon log and the host panel.
    this.unwatchLogs = logPauses.subscribe((file, pause, lost) => {
      if (pause) this.log(`logging paused: ${pause.error}; it resumes once writes succeed again`);
      else if (lost !== undefined) this.log(`logging to ${file} resumed; ${lost} bytes were not logged meanwhile`);
      this.emit({type: 'host'});
    });
  }

  get simulated(): boolean {
    return this.layout.root !== '';
  }

  // ---- events ----

  subscribe(listener: (e: DomainEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: DomainEvent): void {
    for (const l of this.listeners) l(e);
  }

  private emitState(name: string): void {
    const s = this.observe(name);
    this.emit({type: 'domain', name, state: s.state, ...(s.reason ? {reason: s.reason} : {})});
  }

  /** Watches the config directory so edits made outside bhyve-tui reach the clients. */
  watchDefinitions(): void {
    try {
      fs.mkdirSync(this.layout.domainsDir, {recursive: true});
      let pending: NodeJS.Timeout | undefined;
      this.watcher = fs.watch(this.layout.domainsDir, () => {
        if (pending) return;
        pending = setTimeout(() => {
          pending = undefined;
          this.emit({type: 'domains-changed'});
        }, 100);
      });
      this.watcher.on('error', () => {}); // clients still see changes on their next list
    } catch {
      // no file watching: clients still see changes on their next list
    }
  }

  close(): void {
    this.unwatchLogs();
    this.watcher?.close();
    this.hostCaps.close();
    this.jobs.close();
  }

  // ---- definitions ----

  /** One definition file, parsed at most once per version of the file. */
  private loadCached(file: string, st: fs.Stats): StoredDomain {
    const hit = this.cache.get(file);
    if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.stored;
    const stored = loadDomainFile(file);
    this.cache.set(file, {mtimeMs: st.mtimeMs, size: st.size, stored});
    return stored;
  }

  /** Files being parsed in the worker, so that two requests share one parse. */
  private loading = new Map<string, Promise<void>>();

  /** Parses `file` in the worker unless the cache has this version of it. */
  private async refresh(file: string, listedToo = false): Promise<void> {
    let st: fs.Stats;
    try {
      st = fs.statSync(file);
    } catch {
      return;
    }
    const same = (x: {mtimeMs: number; size: number} | undefined) => x !== undefined && x.mtimeMs === st.mtimeMs && x.size === st.size;
    if (same(this.cache.get(file)) || (listedToo && same(this.readListCache()[file]))) return;
    let loading = this.loading.get(file);
    if (!loading) {
      loading = this.jobs.load(file).then(
        (r) => {
          if (r.stat) this.cache.set(file, {mtimeMs: r.stat.mtimeMs, size: r.stat.size, stored: r.stored});
        },
        () => {
          // the listing parses it in place, as it always could
        },
      );
      this.loading.set(file, loading);
      void loading.finally(() => this.loading.delete(file));
    }
    await loading;
  }

  /**
   * Brings the definitions a request needs up to date, parsing changed files in the worker:
   * `name`'s file, or every file (also when `name`'s is not NAME.xml); with `forList`, only
   * what the list cannot take from its summary. The synchronous lookups that follow then
   * find every file parsed, and the event loop never parses a large definition itself
   * (unless a file changes between the two, which costs one parse).
   */
  async prepare(name?: string, forList = false): Promise<void> {
    if (name !== undefined) {
      if (domainNameProblem(name)) return;
      const direct = path.join(this.layout.domainsDir, `${name}.xml`);
      await this.refresh(direct);
      if (this.cache.get(direct)?.stored.name === name) return;
    }
    for (const file of listDomainFiles(this.layout)) await this.refresh(file, forList);
  }

  private definitions(): StoredDomain[] {
    const out: StoredDomain[] = [];
    const seen = new Set<string>();
    for (const file of listDomainFiles(this.layout)) {
      seen.add(file);
      try {
        out.push(this.loadCached(file, fs.statSync(file)));
      } catch {
        // removed meanwhile
      }
    }
    for (const file of this.cache.keys()) if (!seen.has(file)) this.cache.delete(file);
    return out;
  }

  /**
   * What the list needs of every definition (name, vCPUs, memory, first error), without
   * parsing files that have not changed since a previous daemon listed them: a fresh daemon
   * on a host with a thousand domains answers its first list from this summary.
   */
  private listed(): Listed[] {
    const disk = this.readListCache();
    const fresh: Record<string, CachedListing> = {};
    let parsed = false;
    const out: Listed[] = [];
    for (const file of listDomainFiles(this.layout)) {
      let st: fs.Stats;
      try {
        st = fs.statSync(file);
      } catch {
        continue;
      }
      const mem = this.cache.get(file);
      const old = disk[file];
      let entry: Listed;
      if (mem && mem.mtimeMs === st.mtimeMs && mem.size === st.size) entry = listedOf(mem.stored);
      else if (old && old.mtimeMs === st.mtimeMs && old.size === st.size) entry = old.listed;
      else {
        entry = listedOf(this.loadCached(file, st));
        parsed = true;
      }
      fresh[file] = {mtimeMs: st.mtimeMs, size: st.size, listed: entry};
      out.push(entry);
    }
    if (parsed || Object.keys(disk).length !== out.length) this.writeListCache(fresh);
    return out;
  }

  private listCachePath(): string {
    return path.join(this.layout.runDir, '.definitions-cache.json');
  }

  private readListCache(): Record<string, CachedListing> {
    if (this.listCache) return this.listCache;
    try {
      const saved = JSON.parse(fs.readFileSync(this.listCachePath(), 'utf8')) as {version?: string; entries?: Record<string, CachedListing>};
      // Another version of bhyve-tui may judge definitions differently: start over.
      this.listCache = saved.version === pkg.version && saved.entries ? saved.entries : {};
    } catch {
      this.listCache = {};
    }
    return this.listCache;
  }

  private writeListCache(entries: Record<string, CachedListing>): void {
    this.listCache = entries;
    try {
      writeFileAtomic(this.listCachePath(), JSON.stringify({version: pkg.version, entries}), 0o600);
    } catch {
      // only a speed-up
    }
  }

  private find(name: string): StoredDomain {
    const problem = domainNameProblem(name);
    if (problem) throw new DriverError(problem);
    // NAME.xml first: starting one domain should not parse every other one.
    const direct = path.join(this.layout.domainsDir, `${name}.xml`);
    try {
      const d = this.loadCached(direct, fs.statSync(direct));
      if (d.name === name) return d;
    } catch {
      // not there: look at every file
    }
    const d = this.definitions().find((x) => x.name === name);
    if (!d) throw new DriverError(`failed to get domain '${name}': no domain with that name is defined`);
    return d;
  }

  private findValid(name: string): Extract<StoredDomain, {ok: true}> {
    const d = this.find(name);
    if (!d.ok) throw new DriverError(`domain '${name}' is invalid: ${d.error}`, `file: ${d.file}`);
    return d;
  }

  // ---- state ----

  private observe(name: string): {state: DomainState; reason?: string; pid?: number; record?: RunRecord} {
    const run = this.runs.get(name);
    if (run) {
      const out: {state: DomainState; reason?: string; pid?: number; record?: RunRecord} = {state: run.state, record: run.record};
      if (run.record.pid) out.pid = run.record.pid;
      if (run.state === 'running') out.reason = run.record.restarts.length ? 'rebooted' : 'booted';
      if (run.state === 'in shutdown') out.reason = 'ACPI power button';
      return out;
    }
    const record = readRunRecord(this.layout, name);
    if (record || vmInstanceExists(this.layout, name)) {
      const stop = readStopRecord(this.layout, name);
      if (!record && stop?.state === 'crashed') return {state: 'crashed', reason: stop.reason};
      return {state: 'orphaned', reason: record ? 'run record without a process' : `/dev/vmm/${name} without a process`};
    }
    const stop = readStopRecord(this.layout, name);
    if (stop) return {state: stop.state, reason: stop.reason};
    return {state: 'shut off'};
  }

  private autostartPath(name: string): string {
    return path.join(this.layout.configDir, 'autostart', `${name}.json`);
  }

  readAutostart(name: string): AutostartEntry | null {
    try {
      const saved = JSON.parse(readBoundedText(this.autostartPath(name), {maxBytes: 4096})) as Partial<AutostartEntry> | null;
      // A hand-edited entry with a value a timer or the sort cannot hold starts with the defaults.
      const ok = (v: unknown, limit: WholeNumberLimit) => (wholeNumberProblem(v, limit) === null ? (v as number) : 0);
      return {order: ok(saved?.order, LIMITS.autostartOrder), delayS: ok(saved?.delayS, LIMITS.autostartDelayS)};
    } catch {
      return null;
    }
  }

  private dirSet(dir: string): Set<string> {
    try {
      return new Set(fs.readdirSync(dir));
    } catch {
      return new Set();
    }
  }

  // CPU% and RSS of running guests: one ps(1) for all of them, at most every 2 s.
  private samples: {at: number; value: Promise<Map<number, ProcessSample>>} | null = null;

  private guestSamples(): Promise<Map<number, ProcessSample>> {
    const now = Date.now();
    if (!this.samples || now - this.samples.at > 2000) {
      const pids = [...this.runs.values()].filter((r) => r.record.phase !== 'preparing' && r.record.pid).map((r) => r.record.pid!);
      this.samples = {at: now, value: sampleProcesses(this.layout, pids).catch(() => new Map())};
    }
    return this.samples.value;
  }

  async listDomains(): Promise<DomainSummary[]> {
    const samples = this.runs.size > 0 ? await this.guestSamples() : new Map<number, ProcessSample>();
    // One read of each directory instead of several failing opens per domain.
    const runFiles = this.dirSet(this.layout.runDir);
    const autostart = this.dirSet(path.join(this.layout.configDir, 'autostart'));
    const vmm = this.dirSet(this.layout.vmmDir);
    return this.listed().map((d) => {
      const auto = autostart.has(`${d.name}.json`);
      if (!d.ok) return {name: d.name, state: 'invalid', vcpus: null, memoryKiB: null, file: d.file, autostart: auto, error: d.error ?? 'invalid definition', problemCount: 1};
      const s: DomainSummary = {name: d.name, state: 'shut off', vcpus: d.vcpus, memoryKiB: d.memoryKiB, file: d.file, autostart: auto, problemCount: 0};
      const quiet = !this.runs.has(d.name) && !runFiles.has(`${d.name}.json`) && !runFiles.has(`${d.name}.last.json`) && !vmm.has(d.name);
      if (quiet) return s;
      const seen = this.observe(d.name);
      s.state = seen.state;
      if (seen.reason) s.reason = seen.reason;
      if (seen.pid) {
        s.pid = seen.pid;
        const sample = samples.get(seen.pid);
        if (sample) {
          s.cpuPercent = sample.cpuPercent;
          s.rssKiB = sample.rssKiB;
        }
      }
      if (seen.record?.shutdown) s.shutdownDeadline = seen.record.shutdown.deadline;
      const stop = runFiles.has(`${d.name}.last.json`) ? readStopRecord(this.layout, d.name) : null;
      if (stop?.error && seen.state === 'shut off') {
        s.lastError = stop.error;
        s.problemCount++;
      }
      if (seen.state === 'orphaned' || seen.state === 'crashed') s.problemCount++;
      return s;
    });
  }

  /**
   * Kernel modules, probed at most every 3 s. Once one probe has answered, callers get the
   * last answer at once while a new probe runs (kldstat is a process; the TUI's first frame
   * should not wait for it), and a `host` event follows when the new answer differs.
   */
  private modules(): Promise<ModuleStatus[]> {
    return this.moduleProbe.get();
  }

  private simHostJson(): {hostname?: string; ncpu?: number; tapUpOnOpen?: boolean; vmmHardware?: boolean} | null {
    if (!this.simulated) return null;
    try {
      return JSON.parse(readBoundedText(path.join(this.layout.root, 'host.json'), {maxBytes: 1024 * 1024})) as {hostname?: string; ncpu?: number};
    } catch {
      return null;
    }
  }

  private hostCpus(): number | null {
    const sim = this.simHostJson();
    if (this.simulated) return sim?.ncpu ?? null;
    return os.cpus().length || null;
  }

  async hostStatus(): Promise<HostStatus> {
    const modules = await this.modules();
    const sim = this.simHostJson();
    const status: HostStatus = {
      uri: this.uri,
      simulated: this.simulated,
      hostname: sim?.hostname ?? os.hostname(),
      modules,
      ncpu: this.hostCpus(),
    };
    if (sim?.tapUpOnOpen !== undefined) status.tapUpOnOpen = sim.tapUpOnOpen;
    if (sim) status.virtualization = sim.vmmHardware === false ? 'none (VT-x/AMD-V missing or disabled)' : 'VT-x with EPT and unrestricted guest (simulated)';
    const caps = this.hostCaps.current();
    if (caps) status.bhyveCapabilities = caps.problem ? `unknown: ${caps.problem}` : `${caps.release ?? 'release unknown'}: ${capsSummary(caps)}`;
    const checks = this.hostChecks();
    if (checks) status.checks = checks;
    const paused = logPauses.list();
    if (paused.length) status.loggingPaused = paused.map((p) => ({file: p.file, cause: p.cause, since: p.since}));
    return status;
  }

  /**
   * host-validate's checks, run in the background at most every 10 s (they run kldstat,
   * sysctl and node): the last answer at once, a `host` event when a new one differs.
   */
  private hostChecks(): HostCheck[] | undefined {
    return this.checkRun.peek();
  }

  /** Starts the probe (daemon start); the host panel learns the answer through a `host` event. */
  probeCapabilities(): void {
    this.hostCaps.get().then(
      () => this.emit({type: 'host'}),
      (e: unknown) => this.hostCaps.log(`bhyve capabilities: ${(e as Error).message}`),
    );
  }

  /** The host's caps, and libvirt's firmware directory with what it holds (domcapabilities). */
  async capabilities(): Promise<HostCapabilities> {
    const r = await this.hostCaps.get();
    let entries: string[] = [];
    try {
      // libvirt lists every entry but . and .. (virDirRead), in readdir order; sorted here
      entries = fs.readdirSync(this.layout.resolve(firmwareDir)).sort();
    } catch {
      // no firmware directory: libvirt warns and offers no values
    }
    const out: HostCapabilities = {
      caps: capNames(r.caps),
      grubCaps: [...r.grubCaps],
      probedAt: r.probedAt,
      fromCache: r.fromCache,
      firmwareDir,
      firmwares: entries.map((f) => path.posix.join(firmwareDir, f)),
    };
    if (r.release) out.release = r.release;
    if (r.bhyve) out.bhyve = r.bhyve;
    if (r.grub) out.grubBhyve = r.grub;
    if (r.problem) out.problem = r.problem;
    return out;
  }

  /**
   * The definition as libvirt would have parsed it with these caps. Only AHCI32SLOT matters
   * at parse time (SATA drive addresses: 32 per controller, or one controller per disk);
   * stored definitions are parsed with a current host's caps, so reparse only without it.
   */
  private async defForHost(d: Extract<StoredDomain, {ok: true}>, caps: ProbedHostCaps): Promise<DomainDef> {
    if (caps.caps.has('AHCI32SLOT')) return d.def;
    try {
      const r = await this.jobs.load(d.file, caps.caps);
      return r.stored.ok ? r.stored.def : d.def; // changed meanwhile: the next listing reports it
    } catch {
      return d.def;
    }
  }

  /** Caps to build a start's command lines with; no bhyve (or one that cannot be probed) ends the start here. */
  private async capsForStart(name: string): Promise<ProbedHostCaps> {
    const r = await this.hostCaps.get();
    if (r.problem) throw new DriverError(`cannot start '${name}': ${r.problem}`);
    return r;
  }

  async loadModule(name: string): Promise<void> {
    if (!isModuleName(name)) {
      throw new DriverError(`cannot load ${JSON.stringify(name.slice(0, 40))}: not one of the modules bhyve needs (${MODULE_NAMES.join(', ')})`);
    }
    const r = await loadModule(this.layout, name);
    // The next answer waits for a new probe: the operator expects to see the module loaded.
    this.moduleProbe.invalidate(true);
    this.checkRun.invalidate(false);
    this.emit({type: 'host'});
    if (!r.ok) throw new DriverError(`cannot load ${name}: ${r.message}`);
  }

  // ---- lifecycle ----

  private hooks = {
    changed: (name: string) => {
      this.emitState(name);
      // The start that kept a sweep from a tap has made its taps now: sweep again.
      if (this.sweepDeferred && this.runs.get(name)?.record.phase !== 'preparing') {
        this.sweepDeferred = false;
        this.sweepStrayTaps().catch((e: unknown) => this.log(`sweeping stray taps: ${(e as Error).message}`));
      }
    },
    finished: (name: string) => {
      this.runs.delete(name);
      this.emitState(name);
      // A stray tap the sweep at daemon start left alone, because a start of its domain was
      // under way then, goes when that run ends.
      this.sweepStrayTaps().catch((e: unknown) => this.log(`sweeping stray taps: ${(e as Error).message}`));
    },
  };

  /**
   * Destroys the taps marked as ours that no run records and no start of this daemon is
   * making: what a daemon killed between `ifconfig tap create` and saving the run record
   * leaves behind (an orphan's taps are in its record, which destroy removes).
   */
  async sweepStrayTaps(): Promise<void> {
    const recorded = new Set<string>();
    try {
      for (const f of fs.readdirSync(this.layout.runDir)) {
        if (!/^[^.].*\.json$/.test(f) || f.endsWith('.last.json')) continue;
        for (const tap of readRunRecord(this.layout, f.slice(0, -'.json'.length))?.taps ?? []) recorded.add(tap);
      }
    } catch {
      return; // no run directory: nothing was ever started
    }
    let deferred = false;
    await sweepStrayTaps(
      this.layout,
      (tap, domain) => {
        if (recorded.has(tap)) return true;
        // A start of that domain still making its taps may own it and not have recorded it yet.
        const making = this.runs.get(domain)?.record.phase === 'preparing';
        deferred ||= making;
        return making;
      },
      (m) => this.log(m),
    );
    this.sweepDeferred = deferred;
  }

  /** set when a sweep left a tap alone because its domain's start was still making taps */
  private sweepDeferred = false;

  /** Adopts the guests a previous daemon left running (after a crash or kill -9). */
  recover(): {adopted: string[]; orphans: string[]; interrupted: string[]} {
    const adopted: string[] = [];
    const orphans: string[] = [];
    const interrupted: string[] = [];
    let files: string[] = [];
    try {
      files = fs.readdirSync(this.layout.runDir).filter((f) => /^[^.].*\.json$/.test(f) && !f.endsWith('.last.json'));
    } catch {
      return {adopted, orphans, interrupted};
    }
    for (const f of files) {
      const name = f.slice(0, -'.json'.length);
      const record = readRunRecord(this.layout, name);
      if (!record || record.name !== name || typeof record.phase !== 'string' || this.runs.has(name)) continue;
      // bhyve's files if it was started (a daemon may die between spawning it and saving
      // the record), else the loader's.
      const bhyvePid = readPidFile(path.join(this.layout.runDir, `${name}.bhyve.pid`));
      const stage = bhyvePid !== null || (record.phase !== 'bootloader' && record.phase !== 'preparing') ? 'bhyve' : 'loader';
      const statusFile = path.join(this.layout.runDir, `${name}.${stage}.status`);
      const stagePid = readPidFile(path.join(this.layout.runDir, `${name}.${stage}.pid`));
      if (stagePid !== null && stagePid !== record.pid) {
        record.pid = stagePid;
        if (stage === 'loader') record.phase = 'bootloader';
      }
      // bhyve was spawned (its pid file exists) by a daemon that died before it saw bhyve
      // come up: the phase still says loader, but bhyve's exit is the one to wait for.
      if (stage === 'bhyve' && (record.phase === 'bootloader' || record.phase === 'preparing')) record.phase = 'running';
      const alive = record.pid !== undefined && pidAlive(record.pid);
      let def;
      try {
        def = this.findValid(name).def;
      } catch {
        orphans.push(name);
        continue;
      }
      if (alive || fs.existsSync(statusFile)) {
        const run = new GuestRun(this.layout, def, this.hooks, record);
        this.runs.set(name, run);
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

  async start(name: string): Promise<void> {
    this.findValid(name);
    // Before the checks below, which must run without an await between them and the lock.
    const caps = await this.capsForStart(name);
    const def = await this.defForHost(this.findValid(name), caps);
    const now = this.observe(name).state;
    if (this.runs.has(name) || now === 'running' || now === 'bootloader' || now === 'in shutdown') {
      throw new DriverError(`Requested operation is not valid: domain '${name}' is already running`);
    }
    if (now === 'orphaned') {
      throw new DriverError(`domain '${name}' has leftovers of an earlier run (${this.observe(name).reason}); clean them up with: bhyve-tui destroy ${name}`);
    }
    const clash = this.consoleInUse(name, domainFacts(def).consoles);
    if (clash) throw new DriverError(`cannot start '${name}': its console ${clash.path} is in use by running domain '${clash.other}'; give it its own nmdm pair`);
    const disk = this.diskInUse(name, domainFacts(def).files);
    if (disk) throw new DriverError(`cannot start '${name}': ${diskClash(disk)}; give it its own image, or mark the disk <readonly/> or <shareable/> in both`);
    if (!GuestRun.lock(this.layout, name)) throw new DriverError(`Requested operation is not valid: domain '${name}' is already running`);
    const run = new GuestRun(this.layout, def, this.hooks);
    run.preflightHost = {ncpu: this.hostCpus()};
    this.runs.set(name, run);
    try {
      await run.start();
    } finally {
      if (!run.active) this.runs.delete(name);
    }
  }

  async destroy(name: string): Promise<void> {
    this.find(name);
    const run = this.runs.get(name);
    if (run) {
      await run.destroy();
      return;
    }
    const seen = this.observe(name);
    if (seen.state !== 'orphaned' && seen.state !== 'crashed') {
      throw new DriverError(`Requested operation is not valid: domain '${name}' is not running`);
    }
    await this.cleanUpLeftovers(name, 'destroyed');
  }

  /**
   * Cleans up what a run left behind (an orphan, a preserved crash, a start whose daemon was
   * killed before it spawned anything) and records the guest as shut off for `reason`.
   */
  private async cleanUpLeftovers(name: string, reason: string): Promise<void> {
    // A process of the run that still runs (a loader at its menu, a bhyve) goes first and
    // for good: a loader does not notice its VM being destroyed, and a tap cannot be
    // destroyed while bhyve holds it.
    const record = readRunRecord(this.layout, name);
    if (record?.pid && pidAlive(record.pid)) await endProcess(record.pid, 'SIGKILL', 0, 2_000);
    if (record?.taps.length) await destroyTaps(this.layout, record.taps, () => {});
    if (vmInstanceExists(this.layout, name)) {
      const r = await runTool(this.layout, 'bhyvectl', ['--destroy', `--vm=${name}`]);
      if (r.exitCode !== 0 && vmInstanceExists(this.layout, name)) throw new DriverError(`failed to destroy '${name}': ${r.stderr.trim() || r.stdout.trim()}`, undefined, r.exitCode);
    }
    // The run's own files by their exact names: a prefix would also take another domain's
    // (web1's `web1.bhyve.*` is not domain web1.bhyve's) or the daemon's (domain 'daemon').
    const leftovers = [`${name}.json`, ...(['loader', 'bhyve'] as const).flatMap((s) => [`${name}.${s}.pid`, `${name}.${s}.status`, `${name}.${s}.pid.tmp`, `${name}.${s}.status.tmp`])];
    for (const f of leftovers) removeFile(path.join(this.layout.runDir, f));
    removeFile(deviceMapFile(this.layout, name));
    writeFileAtomic(stopRecordPath(this.layout, name), JSON.stringify({state: 'shut off', reason, at: new Date().toISOString()}), 0o600);
    this.emitState(name);
  }

  /**
   * After recover(): the starts a killed daemon left before it spawned a loader or bhyve
   * (run record in phase 'preparing', no process, no exit) are cleaned up, not left as
   * orphans for the operator; and the temp files of its interrupted atomic writes go.
   */
  async finishInterruptedStarts(names: string[]): Promise<void> {
    for (const dir of [this.layout.runDir, this.layout.domainsDir]) {
      for (const f of removeDeadWritersTemps(dir, pidAlive)) this.log(`removed ${path.join(dir, f)}, left by a writer that was killed`);
    }
    for (const name of names) {
      try {
        await this.cleanUpLeftovers(name, 'start interrupted');
        this.log(`the start of '${name}' was interrupted (its daemon was killed before it ran anything): cleaned up`);
      } catch (e) {
        this.log(`the start of '${name}' was interrupted; cleaning up failed, it stays orphaned: ${(e as Error).message}`);
      }
    }
    // A tap the interrupted start made but had not recorded yet is no run's now.
    if (names.length) await this.sweepStrayTaps();
  }

  shutdown(name: string, timeoutS = 60): void {
    const bad = wholeNumberProblem(timeoutS, LIMITS.shutdownTimeoutS);
    if (bad) throw new DriverError(`cannot shut down '${name}': ${bad}`);
    this.find(name);
    const run = this.runs.get(name);
    if (!run) throw new DriverError(`Requested operation is not valid: domain '${name}' is not running`);
    run.shutdown(timeoutS);
    this.emit({type: 'shutdown', name, stage: 'acpi', deadline: run.record.shutdown!.deadline});
  }

  async reboot(name: string): Promise<void> {
    this.find(name);
    const run = this.runs.get(name);
    if (!run) throw new DriverError(`Requested operation is not valid: domain '${name}' is not running`);
    await run.reboot();
  }

  /** Waits until the domain is no longer supervised (for shutdown --wait and tests). */
  async waitStopped(name: string): Promise<void> {
    await this.runs.get(name)?.stopped();
  }

  // ---- definitions: define, undefine, autostart ----

  async define(xml: string): Promise<{name: string}> {
    if (Buffer.byteLength(xml) > 1024 * 1024) throw new DriverError('domain XML over 1 MiB is refused');
    const parsed = await this.jobs.parse(xml);
    if ('error' in parsed) {
      const loc = parsed.error;
      throw new DriverError(`${loc.line ? `line ${loc.line}${loc.column ? `, column ${loc.column}` : ''}: ` : ''}${loc.message}`);
    }
    const {name} = parsed;
    const bad = domainNameProblem(name);
    if (bad) throw new DriverError(bad);
    await this.prepare();
    // The existing file for this name, wherever it is, else NAME.xml.
    const existing = this.definitions().find((d) => d.name === name);
    const file = existing?.file ?? path.join(this.layout.domainsDir, `${name}.xml`);
    // Temp file and rename: a full disk fails the define with one line naming the file and
    // leaves the definition that was there untouched.
    writeFileAtomic(file, xml, 0o644);
    this.emit({type: 'domains-changed'});
    return {name};
  }

  undefine(name: string): void {
    const d = this.find(name);
    const state = this.observe(name).state;
    if (state === 'running' || state === 'bootloader' || state === 'in shutdown' || this.runs.has(name)) {
      throw new DriverError(`Requested operation is not valid: domain '${name}' is running; destroy or shut it down first`);
    }
    // The definition first: when that cannot be removed (a read-only mount), nothing changed.
    removeFile(d.file);
    this.emit({type: 'domains-changed'});
    removeFile(this.autostartPath(name));
    removeFile(stopRecordPath(this.layout, name));
  }

  setAutostart(name: string, enabled: boolean, entry: Partial<AutostartEntry> = {}): void {
    const bad = (entry.order !== undefined ? wholeNumberProblem(entry.order, LIMITS.autostartOrder) : null) ?? (entry.delayS !== undefined ? wholeNumberProblem(entry.delayS, LIMITS.autostartDelayS) : null);
    if (bad) throw new DriverError(`cannot mark '${name}' as autostarted: ${bad}`);
    this.findValid(name);
    if (!enabled) {
      removeFile(this.autostartPath(name));
    } else {
      writeFileAtomic(this.autostartPath(name), JSON.stringify({order: entry.order ?? 0, delayS: entry.delayS ?? 0}), 0o644);
    }
    this.emitState(name);
  }

  /** Domains marked autostart, in start order (then by name). */
  autostartList(): {name: string; entry: AutostartEntry}[] {
    return this.definitions()
      .filter((d) => d.ok)
      .map((d) => ({name: d.name, entry: this.readAutostart(d.name)}))
      .filter((x): x is {name: string; entry: AutostartEntry} => x.entry !== null)
      .sort((a, b) => a.entry.order - b.entry.order || a.name.localeCompare(b.name));
  }

  // ---- information ----

  domainXml(name: string): string {
    const file = this.find(name).file;
    try {
      return readDomainFile(file);
    } catch (e) {
      throw new DriverError(`cannot read the definition of '${name}': ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** The file of a valid definition (dumpxml formats it); DriverError when it is unknown or invalid. */
  validDefinitionFile(name: string): string {
    return this.findValid(name).file;
  }

  async domainDetails(name: string): Promise<DomainDetails> {
    this.findValid(name);
    const caps = await this.hostCaps.get();
    const d = this.findValid(name);
    const seen = this.observe(name);
    const details = domainPreview(
      this.layout,
      await this.defForHost(d, caps),
      d.file,
      {
        state: seen.state,
        ...(seen.reason ? {reason: seen.reason} : {}),
        autostart: this.readAutostart(name) !== null,
        taps: seen.record?.taps ?? [],
      },
      caps,
    );
    if (caps.problem) {
      // Built with no caps, the lines would fail on the first cap; say why instead.
      delete details.commands;
      details.commandsError = caps.problem;
    }
    return details;
  }

  async domainProblems(name: string): Promise<DomainProblem[]> {
    const d = this.find(name);
    const problems: DomainProblem[] = [];
    const scan = await this.jobs.scan(d.file);
    let facts: PreflightFacts;
    if (d.ok) {
      facts = domainFacts(d.def);
    } else {
      const p: DomainProblem = {
        severity: 'error',
        source: d.problem.kind === 'syntax' ? 'xml-syntax' : 'xml-semantic',
        message: d.problem.message,
        file: d.file,
        hint: d.problem.kind === 'syntax' ? 'fix the XML at that place (E edits the file)' : 'correct the definition (E edits the file)',
      };
      if (d.problem.line !== undefined) p.line = d.problem.line;
      if (d.problem.column !== undefined) p.column = d.problem.column;
      problems.push(p);
      // The rest of a broken file is still checked against the host, as far as it can be read.
      facts = {vcpus: scan.vcpus?.value ?? 0, files: scan.files, bridges: scan.bridges.map((b) => b.name), consoles: scan.consoles};
    }
    const state = this.observe(name);
    // Where in the file a host problem's element is.
    const at = (subject: DefinitionSubject | undefined): Pick<DomainProblem, 'file' | 'line' | 'column'> => {
      const place = subject && placeOf(scan, subject);
      return place ? {file: d.file, line: place.line, column: place.column} : {};
    };
    if (state.state === 'shut off' || state.state === 'crashed') {
      for (const p of await preflight(this.layout, facts, {ncpu: this.hostCpus()})) {
        problems.push({severity: 'error', source: 'host', message: p.message, ...at(p.subject), ...(p.hint ? {hint: p.hint} : {})});
      }
      const clash = this.consoleInUse(name, facts.consoles);
      if (clash) {
        problems.push({
          severity: 'error',
          source: 'host',
          message: `its console ${clash.path} is in use by running domain '${clash.other}'`,
          ...at({kind: 'console', value: clash.path}),
          hint: 'give it its own nmdm pair',
        });
      }
      const disk = this.diskInUse(name, facts.files);
      if (disk) {
        problems.push({severity: 'error', source: 'host', message: diskClash(disk), ...at({kind: 'file', value: disk.path}), hint: 'give it its own image, or mark the disk <readonly/> or <shareable/> in both'});
      }
    }
    if (state.state === 'orphaned') {
      problems.push({severity: 'warning', source: 'host', message: `leftovers of an earlier run: ${state.reason}`, hint: `clean up with: bhyve-tui destroy ${name} (D in the list)`});
    }
    const stop = readStopRecord(this.layout, name);
    if (stop?.error || (stop && stop.state === 'crashed')) {
      const p: DomainProblem = {severity: 'error', source: 'last-start', message: stop.error ?? `the guest stopped: ${stop.reason}`, file: domainLogPath(this.layout, name)};
      if (stop.detail) p.detail = stop.detail;
      if (stop.exitCode !== undefined) {
        p.exitCode = stop.exitCode;
        p.exitMeaning = stop.exitMeaning ?? '';
      }
      p.hint = 'see the log (l) for the full output';
      problems.push(p);
    }
    return problems;
  }

  /**
   * A console device of `consoles` that a running domain other than `name` holds (two guests
   * on one nmdm pair would read each other's keystrokes), compared as the devices the paths
   * name: /dev/nmdm0B, /dev//nmdm0B and a symlink to it are one device.
   */
  private consoleInUse(name: string, consoles: readonly {master: string; slave: string}[]): {path: string; other: string} | undefined {
    const mine = consoles.flatMap((c) => [c.master, c.slave]).map((p) => ({path: p, exclusive: true}));
    for (const [other, run] of this.runs) {
      if (other === name) continue;
      const theirs = domainFacts(run.definition).consoles.flatMap((c) => [c.master, c.slave]).map((p) => ({path: p, exclusive: true}));
      const clash = conflictingUse(this.layout, mine, theirs);
      if (clash) return {path: clash.mine, other};
    }
    return undefined;
  }

  /** A disk image of `files` that a running domain other than `name` uses, where one of the two would write it (compared as files). */
  private diskInUse(name: string, files: PreflightFacts['files']): {path: string; as: string; other: string} | undefined {
    const mine = files.map(fileUse);
    for (const [other, run] of this.runs) {
      if (other === name) continue;
      const clash = conflictingUse(this.layout, mine, domainFacts(run.definition).files.map(fileUse));
      if (clash) return {path: clash.mine, as: clash.theirs, other};
    }
    return undefined;
  }

  domainLog(name: string, tailBytes = 64 * 1024): string {
    const bad = wholeNumberProblem(tailBytes, LIMITS.logTailBytes);
    if (bad) throw new DriverError(`cannot read the log of '${name}': ${bad}`);
    this.find(name);
    try {
      return readLogSince(this.layout, name, 0, tailBytes);
    } catch {
      return '';
    }
  }

  consoleDevice(name: string): {device: string; state: DomainState} {
    const {def} = this.findValid(name);
    const consoles = domainFacts(def).consoles;
    if (consoles.length === 0) throw new DriverError(`domain '${name}' has no nmdm console; add <serial type='nmdm'/> to its definition`);
    const state = this.observe(name).state;
    if (state !== 'running' && state !== 'bootloader' && state !== 'in shutdown') {
      throw new DriverError(`domain '${name}' is not running; start it first`);
    }
    return {device: this.layout.resolve(consoles[0]!.slave), state};
  }

  /** The console the daemon holds for a running guest. */
  async consoleFor(name: string): Promise<import('../console/hub.js').GuestConsole> {
    const {def} = this.findValid(name);
    if (domainFacts(def).consoles.length === 0) throw new DriverError(`domain '${name}' has no nmdm console; add <serial type='nmdm'/> to its definition`);
    const run = this.runs.get(name);
    if (!run) throw new DriverError(`domain '${name}' is not running; start it first`);
    // Right after a start the console may still be opening.
    const con = run.console ?? (await Promise.race([run.consoleReady, new Promise<undefined>((r) => setTimeout(() => r(undefined), 10_000))]));
    // No console because the guest stopped meanwhile: say that, not that the console failed.
    if (!con && run.ending) throw new DriverError(`domain '${name}' is not running; start it first`);
    if (!con) throw new DriverError(`the console of '${name}' could not be opened; see its log (bhyve-tui log ${name})`);
    return con;
  }

  isActive(name: string): boolean {
    return this.runs.has(name);
  }

  runRecordFile(name: string): string {
    return runRecordPath(this.layout, name);
  }
}
