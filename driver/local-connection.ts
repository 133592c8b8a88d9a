// A connection to the host this process runs on: the real FreeBSD host (bhyve:///system)
// or a simulated one (sim:///DIR). Both run the same code against the same layout; the
// simulated host's tools are stand-ins rooted at DIR.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type {Connection, DomainSummary, HostStatus, ModuleStatus} from './connection.js';
import {DriverError} from './connection.js';
import {parseConnectionUri} from './connection-uri.js';
import {HostLayout} from './host-layout.js';
import {probeModules} from './host-modules.js';
import {loadAllDomains, requireValidDomain} from './domain-store.js';
import {observeDomain} from './domain-monitor.js';
import {domainFacts} from './domain-facts.js';
import {destroyDomain, startDomain} from './process-lifecycle.js';
import type {SupervisorEvent} from './guest-supervisor.js';
import {seedDemoDomains} from './demo-domains.js';
import {ensureSimHost} from './sim/sim-host.js';

export class LocalConnection implements Connection {
  readonly simulated: boolean;
  readonly layout: HostLayout;

  private constructor(readonly uri: string, root: string) {
    this.simulated = root !== '';
    this.layout = new HostLayout(root);
  }

  static async open(uri: string): Promise<LocalConnection> {
    const parsed = parseConnectionUri(uri);
    if (parsed.driver === 'bhyve') {
      if (process.platform !== 'freebsd') {
        throw new DriverError(`cannot connect to '${uri}': this is not a FreeBSD host; use a simulated host, e.g. -c sim:///tmp/bhyve-sim`);
      }
      return new LocalConnection(uri, '');
    }
    const root = path.resolve(parsed.path);
    try {
      fs.mkdirSync(root, {recursive: true});
      await ensureSimHost(root);
      const conn = new LocalConnection(uri, root);
      seedDemoDomains(conn.layout);
      return conn;
    } catch (e) {
      if (e instanceof DriverError) throw e;
      throw new DriverError(`cannot set up the simulated host in ${root}: ${(e as Error).message}`);
    }
  }

  async listDomains(): Promise<DomainSummary[]> {
    return loadAllDomains(this.layout).map((d) => {
      if (!d.ok) return {name: d.name, state: 'invalid', vcpus: null, memoryKiB: null, file: d.file, error: d.error};
      const seen = observeDomain(this.layout, d.name);
      const s: DomainSummary = {name: d.name, state: seen.state, vcpus: d.def.vcpus, memoryKiB: d.def.memoryKiB, file: d.file};
      if (seen.pid) s.pid = seen.pid;
      if (seen.lastError) s.lastError = seen.lastError;
      return s;
    });
  }

  // Probing runs kldstat once per module; the UI asks every second, modules change rarely.
  private modulesCache: {at: number; value: Promise<ModuleStatus[]>} | null = null;

  private modules(): Promise<ModuleStatus[]> {
    const now = Date.now();
    if (!this.modulesCache || now - this.modulesCache.at > 3000) {
      const value = probeModules(this.layout);
      this.modulesCache = {at: now, value};
      value.catch(() => {
        this.modulesCache = null;
      });
    }
    return this.modulesCache.value;
  }

  async hostStatus(): Promise<HostStatus> {
    const modules = await this.modules();
    let hostname = os.hostname();
    let ncpu: number | null = os.availableParallelism();
    if (this.simulated) {
      try {
        const state = JSON.parse(fs.readFileSync(path.join(this.layout.root, 'host.json'), 'utf8')) as {hostname?: string; ncpu?: number};
        hostname = state.hostname ?? hostname;
        ncpu = state.ncpu ?? null;
      } catch {
        // host.json unreadable: the module probe above reports the trouble
      }
    }
    return {uri: this.uri, simulated: this.simulated, hostname, modules, ncpu};
  }

  start(name: string, onProgress?: (e: SupervisorEvent) => void): Promise<void> {
    return startDomain(this.layout, this.uri, name, onProgress);
  }

  destroy(name: string): Promise<void> {
    return destroyDomain(this.layout, name);
  }

  async consoleDevice(name: string): Promise<string> {
    const {def} = requireValidDomain(this.layout, name);
    const consoles = domainFacts(def).consoles;
    if (consoles.length === 0) {
      throw new DriverError(`domain '${name}' has no nmdm console; add <serial type='nmdm'/> to its definition`);
    }
    const state = observeDomain(this.layout, name).state;
    if (state !== 'running' && state !== 'bootloader') {
      throw new DriverError(`domain '${name}' is not running; start it first`);
    }
    const device = this.layout.resolve(consoles[0]!.slave);
    // On FreeBSD the lookup itself clones the nmdm pair; the simulated pair appears once
    // the loader or bhyve has opened its side, which may be a moment after the start.
    const deadline = Date.now() + 3000;
    while (!fs.existsSync(device) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    return device;
  }

  close(): void {}
}

export function openConnection(uri: string): Promise<LocalConnection> {
  return LocalConnection.open(uri);
}
