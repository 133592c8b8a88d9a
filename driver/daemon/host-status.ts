// The host as the host panel and a start see it: the kernel modules bhyve needs,
// host-validate's checks, bhyve's capabilities, the CPUs, paused logging. What costs a
// process to find out is worked out in the background; a `host` event tells the clients
// when an answer changed.
import fs from 'node:fs';
import path from 'node:path';
import {DriverError, type HostCapabilities, type HostCheck, type HostStatus, type ModuleStatus} from '../client/connection.js';
import type {HostLayout} from '../host/layout.js';
import type {Definitions} from './definitions.js';
import {isModuleName, loadModule, MODULE_NAMES, probeModules} from '../host/modules.js';
import {HostCapsProbe, type ProbedHostCaps} from '../bhyve/capabilities-probe.js';
import {capNames, capsSummary} from '../bhyve/capabilities.js';
import {validateHost} from '../host/validate.js';
import {BackgroundValue} from '../host/background-value.js';
import {firmwareDir} from '../bhyve/guest-commands.js';
import {logPauses} from '../io/append-log.js';

export class HostInfo {
  /** the last kernel-module probe, and the one under way (see modules()) */
  private moduleProbe = new BackgroundValue(
    () => probeModules(this.layout),
    3000,
    () => this.changed(),
  );
  /** host-validate's findings for the host panel */
  private checkRun = new BackgroundValue(
    async () => {
      await this.definitions.prepare();
      return validateHost(this.layout, {caps: () => this.hostCaps.get(), definitions: this.definitions.all(), modules: await this.modules()});
    },
    10_000,
    () => this.changed(),
  );
  /** what the host's bhyve supports: probed once per daemon start, cached by the binary's identity */
  readonly hostCaps: HostCapsProbe;
  private unwatchLogs: () => void;

  constructor(
    private readonly layout: HostLayout,
    private readonly uri: string,
    private readonly definitions: Definitions,
    /** a `host` event for the clients */
    private readonly changed: () => void,
    /** the daemon log */
    log: (line: string) => void,
  ) {
    this.hostCaps = new HostCapsProbe(layout);
    // A log that pauses (a full disk) or resumes is news for the daemon log and the host panel.
    this.unwatchLogs = logPauses.subscribe((file, pause, lost) => {
      if (pause) log(`logging paused: ${pause.error}; it resumes once writes succeed again`);
      else if (lost !== undefined) log(`logging to ${file} resumed; ${lost} bytes were not logged meanwhile`);
      this.changed();
    });
  }

  close(): void {
    this.unwatchLogs();
    this.hostCaps.close();
  }

  get simulated(): boolean {
    return this.layout.backend.kind === 'simulated';
  }

  /**
   * Kernel modules, probed at most every 3 s. Once one probe has answered, callers get the
   * last answer at once while a new probe runs (kldstat is a process; the TUI's first frame
   * should not wait for it), and a `host` event follows when the new answer differs.
   */
  private modules(): Promise<ModuleStatus[]> {
    return this.moduleProbe.get();
  }

  hostCpus(): number | null {
    return this.layout.backend.hostFacts().ncpu;
  }

  async hostStatus(): Promise<HostStatus> {
    const modules = await this.modules();
    const facts = this.layout.backend.hostFacts();
    const status: HostStatus = {
      uri: this.uri,
      simulated: this.simulated,
      hostname: facts.hostname,
      modules,
      ncpu: facts.ncpu,
    };
    if (facts.tapUpOnOpen !== undefined) status.tapUpOnOpen = facts.tapUpOnOpen;
    if (facts.virtualization !== undefined) status.virtualization = facts.virtualization;
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
      () => this.changed(),
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

  /** Caps to build a start's command lines with; no bhyve (or one that cannot be probed) ends the start here. */
  async capsForStart(name: string): Promise<ProbedHostCaps> {
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
    this.changed();
    if (!r.ok) throw new DriverError(`cannot load ${name}: ${r.message}`);
  }
}
