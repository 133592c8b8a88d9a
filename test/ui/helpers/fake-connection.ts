// An in-memory Connection for component tests: domains, details, problems, logs and host
// status are plain data, every call is counted, actions can be made to fail or to wait for
// a gate, and tests push events to subscribers with `emit`.
import {
  DriverError,
  type ConsoleChannel,
  type Connection,
  type DomainDetails,
  type DomainEvent,
  type DomainProblem,
  type DomainSummary,
  type AutostartInfo,
  type HostCheck,
  type HostCapabilities,
  type HostStatus,
  type ModuleName,
  type ModuleStatus,
} from '../../../driver/client/connection.js';
import {defaultHostConfig, type HostConfig} from '../../../driver/host/config.js';

export function domain(name: string, state: DomainSummary['state'] = 'shut off', extra: Partial<DomainSummary> = {}): DomainSummary {
  const invalid = state === 'invalid';
  return {
    name,
    state,
    vcpus: invalid ? null : 2,
    memoryKiB: invalid ? null : 2 * 1024 * 1024,
    file: `/usr/local/etc/bhyve-tui/domains/${name}.xml`,
    autostart: false,
    problemCount: invalid ? 1 : 0,
    ...(state === 'running' ? {pid: 4242} : {}),
    ...extra,
  };
}

export const allModules: ModuleStatus[] = [
  {name: 'vmm', label: 'vmm', loaded: true, detail: 'loaded'},
  {name: 'if_tuntap', label: 'if_tuntap/if_tap', loaded: true, detail: 'compiled in'},
  {name: 'if_bridge', label: 'if_bridge', loaded: true, detail: 'loaded'},
  {name: 'nmdm', label: 'nmdm', loaded: true, detail: 'loaded'},
];

export function missingModule(name: ModuleStatus['name'], label: string = name): ModuleStatus {
  return {name, label, loaded: false, detail: 'missing', fix: `kldload ${name}`, persist: `sysrc kld_list+=${name}`};
}

/** A module with no .ko in kern.module_path, as the daemon reports it (driver/host/modules.ts). */
export function noFileModule(name: ModuleStatus['name']): ModuleStatus {
  const fix = `install the kernel's modules, or build it: make -C /usr/src/sys/modules/${name} all install`;
  return {name, label: name, loaded: false, detail: 'no file', searched: '/boot/kernel;/boot/modules', fix};
}

export interface Gate {
  promise: Promise<void>;
  open(): void;
}

export function gate(): Gate {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return {promise, open};
}

function sampleDetails(summary: DomainSummary): DomainDetails {
  return {
    name: summary.name,
    uuid: '4f1c1c2e-0000-4000-8000-00000000beef',
    state: summary.state,
    ...(summary.reason === undefined ? {} : {reason: summary.reason}),
    vcpus: summary.vcpus ?? 1,
    memoryKiB: summary.memoryKiB ?? 0,
    autostart: summary.autostart,
    file: summary.file,
    boot: 'bhyveload',
    disks: [
      {target: 'vda', bus: 'virtio', device: 'disk', source: `/vm/${summary.name}/disk0.img`, exists: true},
      {target: 'hdc', bus: 'sata', device: 'cdrom', source: '/vm/iso/FreeBSD-14.1-RELEASE-amd64-disc1.iso', exists: false},
    ],
    nics: [{type: 'bridge', model: 'virtio', bridge: 'bridge0', tap: 'tap3', mac: '52:54:00:12:34:56'}],
    consoles: [{master: `/dev/nmdm-${summary.name}.1A`, slave: `/dev/nmdm-${summary.name}.1B`}],
    vnc: {
      listen: '0.0.0.0',
      port: 5900,
      password: false,
      warning: "VNC listens on 0.0.0.0 without a password: anyone who can reach this host sees the guest's screen",
    },
    commands: {
      loader: `bhyveload -c /dev/nmdm-${summary.name}.1A -m 2048M -d /vm/${summary.name}/disk0.img ${summary.name}`,
      bhyve: `bhyve -c 2 -m 2048M -A -I -u -H -P -s 0:0,hostbridge -s 2:0,virtio-blk,/vm/${summary.name}/disk0.img -s 3:0,virtio-net,tap3,mac=52:54:00:12:34:56 -s 31,lpc -l com1,/dev/nmdm-${summary.name}.1A ${summary.name}`,
    },
  };
}

export class FakeConnection implements Connection {
  readonly uri: string;
  readonly simulated: boolean;
  domains: DomainSummary[];
  modules: ModuleStatus[] = allModules.map((module) => ({...module}));
  ncpu: number | null = 4;
  hostname = 'fakehost';
  tapUpOnOpen: boolean | undefined = true;
  virtualization: string | undefined = 'VT-x with EPT and unrestricted guest';
  /** host-validate's findings, as the daemon reports them once it ran them */
  checks: HostCheck[] | undefined = undefined;
  /** logs the daemon cannot write (a full disk), as hostStatus reports them */
  loggingPaused: HostStatus['loggingPaused'] = undefined;

  /** per domain; a default is derived from the summary when missing */
  details = new Map<string, DomainDetails>();
  problems = new Map<string, DomainProblem[]>();
  logs = new Map<string, string>();
  xml = new Map<string, string>();

  /** thrown by the next call when set */
  startError: Error | undefined;
  destroyError: Error | undefined;
  listError: Error | undefined;
  /** thrown by define() while set; a function decides per XML text */
  defineError: Error | ((xml: string) => Error | undefined) | undefined;
  actionError: Error | undefined;
  detailsError: Error | undefined;
  /** start()/destroy()/shutdown()/... wait for this before finishing */
  actionGate: Gate | undefined;

  readonly calls: string[] = [];
  readonly defined: string[] = [];
  listCalls = 0;
  hostCalls = 0;
  detailsCalls = 0;
  problemsCalls = 0;
  logCalls = 0;
  listInFlight = 0;
  maxListInFlight = 0;
  listDelayMs = 0;
  closed = false;
  readonly listeners = new Set<(event: DomainEvent) => void>();

  constructor(domains: DomainSummary[], options: {simulated?: boolean; uri?: string} = {}) {
    this.domains = domains;
    this.simulated = options.simulated ?? false;
    this.uri = options.uri ?? 'bhyve:///system';
  }

  async listDomains(): Promise<DomainSummary[]> {
    this.listCalls++;
    this.listInFlight++;
    this.maxListInFlight = Math.max(this.maxListInFlight, this.listInFlight);
    try {
      if (this.listDelayMs > 0) {
        await new Promise((resolve) => setTimeout(resolve, this.listDelayMs));
      }

      if (this.listError !== undefined) {
        throw this.listError;
      }

      return this.domains.map((entry) => ({...entry}));
    } finally {
      this.listInFlight--;
    }
  }

  async hostStatus(): Promise<HostStatus> {
    this.hostCalls++;
    return {
      uri: this.uri,
      simulated: this.simulated,
      hostname: this.hostname,
      modules: this.modules.map((module) => ({...module})),
      ncpu: this.ncpu,
      ...(this.tapUpOnOpen === undefined ? {} : {tapUpOnOpen: this.tapUpOnOpen}),
      ...(this.virtualization === undefined ? {} : {virtualization: this.virtualization}),
      ...(this.checks === undefined ? {} : {checks: this.checks}),
      ...(this.loggingPaused === undefined ? {} : {loggingPaused: this.loggingPaused}),
    };
  }

  /** what capabilities() answers: a current FreeBSD's full set unless a test changes it */
  caps: HostCapabilities = {
    caps: ['RTC_UTC', 'AHCI32SLOT', 'NET_E1000', 'LPC_BOOTROM', 'FBUF', 'XHCI', 'CPUTOPOLOGY', 'SOUND_HDA', 'VNC_PASSWORD', 'VIRTIO_9P', 'VIRTIO_RND'],
    grubCaps: ['CONSDEV'],
    release: '14.2-RELEASE',
    probedAt: '2026-12-01T00:00:00.000Z',
    fromCache: false,
    firmwareDir: '/usr/local/share/uefi-firmware',
    firmwares: [],
  };

  async capabilities(): Promise<HostCapabilities> {
    this.calls.push('capabilities');
    return structuredClone(this.caps);
  }

  /** what hostConfig() answers */
  config: HostConfig = structuredClone(defaultHostConfig);

  async hostConfig(): Promise<{config: HostConfig}> {
    this.calls.push('hostConfig');
    return {config: structuredClone(this.config)};
  }

  async loadModule(name: ModuleName): Promise<void> {
    await this.act(`loadModule ${name}`);
  }

  private async act(call: string, error?: Error): Promise<void> {
    this.calls.push(call);
    await this.actionGate?.promise;
    const failure = error ?? this.actionError;
    if (failure !== undefined) {
      throw failure;
    }
  }

  async start(name: string): Promise<void> {
    await this.act(`start ${name}`, this.startError);
    this.setState(name, 'running');
  }

  async shutdown(name: string, opts?: {timeoutS?: number}): Promise<void> {
    await this.act(`shutdown ${name}`);
    const deadline = Date.now() + (opts?.timeoutS ?? 60) * 1000;
    this.update(name, {state: 'in shutdown', shutdownDeadline: deadline});
    this.emit({type: 'shutdown', name, stage: 'acpi', deadline});
  }

  async destroy(name: string): Promise<void> {
    await this.act(`destroy ${name}`, this.destroyError);
    this.setState(name, 'shut off');
  }

  async reboot(name: string): Promise<void> {
    await this.act(`reboot ${name}`);
  }

  async define(xml: string): Promise<{name: string}> {
    this.calls.push('define');
    this.defined.push(xml);
    const failure = typeof this.defineError === 'function' ? this.defineError(xml) : this.defineError;
    if (failure !== undefined) {
      throw failure;
    }

    const name = /<name>([^<]*)<\/name>/.exec(xml)?.[1] ?? 'unnamed';
    this.xml.set(name, xml);
    return {name};
  }

  async undefine(name: string): Promise<void> {
    await this.act(`undefine ${name}`);
    this.domains = this.domains.filter((entry) => entry.name !== name);
  }

  async setAutostart(name: string, enabled: boolean): Promise<void> {
    await this.act(`autostart ${name} ${enabled ? 'on' : 'off'}`);
    this.update(name, {autostart: enabled});
  }

  async autostartInfo(name: string): Promise<AutostartInfo | null> {
    return this.domains.find((entry) => entry.name === name)?.autostart === true ? {order: 0, delayS: 0} : null;
  }

  async domainXml(name: string): Promise<string> {
    this.calls.push(`domainXml ${name}`);
    return this.xml.get(name) ?? `<domain type='bhyve'>\n  <name>${name}</name>\n  <memory unit='MiB'>2048</memory>\n  <vcpu>2</vcpu>\n</domain>\n`;
  }

  /** dumpxml: the fake formats nothing; it answers the text domainXml would */
  async dumpXml(name: string): Promise<string> {
    this.calls.push(`dumpXml ${name}`);
    return (this.xml.get(name) ?? `<domain type='bhyve'>\n  <name>${name}</name>\n</domain>`).trimEnd();
  }

  async domainDetails(name: string): Promise<DomainDetails> {
    this.detailsCalls++;
    if (this.detailsError !== undefined) {
      throw this.detailsError;
    }

    const found = this.details.get(name);
    if (found !== undefined) {
      return found;
    }

    const summary = this.domains.find((entry) => entry.name === name);
    if (summary === undefined) {
      throw new DriverError(`no domain named '${name}'`);
    }

    return sampleDetails(summary);
  }

  async domainProblems(name: string): Promise<DomainProblem[]> {
    this.problemsCalls++;
    return this.problems.get(name) ?? [];
  }

  async domainLog(name: string): Promise<string> {
    this.logCalls++;
    return this.logs.get(name) ?? '';
  }

  async consoleDevice(name: string): Promise<string> {
    this.calls.push(`consoleDevice ${name}`);
    return `/dev/nmdm-${name}.1B`;
  }

  async openConsole(name: string): Promise<ConsoleChannel> {
    this.calls.push(`openConsole ${name}`);
    throw new DriverError('the fake connection has no consoles');
  }

  subscribe(listener: (event: DomainEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  emit(event: DomainEvent): void {
    for (const listener of this.listeners) {
      listener(event);
    }
  }

  close(): void {
    this.closed = true;
  }

  update(name: string, patch: Partial<DomainSummary>): void {
    this.domains = this.domains.map((entry) => (entry.name === name ? {...entry, ...patch} : entry));
  }

  setState(name: string, state: DomainSummary['state']): void {
    this.domains = this.domains.map((entry) => {
      if (entry.name !== name) {
        return entry;
      }

      const {pid: _pid, shutdownDeadline: _deadline, ...rest} = entry;
      return state === 'running' ? {...rest, state, pid: 4242} : {...rest, state};
    });
  }
}

export {DriverError};
