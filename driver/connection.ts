// The one interface every client (TUI, CLI) uses to reach a host.
// Today the only implementation drives the local host directly (real FreeBSD or the
// simulated host); a supervising daemon and bhyve+ssh:// remotes slot in behind it later.

/** What a domain is doing, in virsh's words, plus the states only a manager can see. */
export type DomainState =
  | 'running'
  | 'bootloader' // bhyveload / grub-bhyve is running
  | 'shut off'
  | 'orphaned' // /dev/vmm/NAME exists but no bhyve process owns it
  | 'invalid'; // the definition file does not parse or validate

export interface DomainSummary {
  name: string;
  state: DomainState;
  /** null when the definition is invalid */
  vcpus: number | null;
  memoryKiB: number | null;
  /** pid of bhyve (running) or of the loader (bootloader) */
  pid?: number;
  /** absolute path of the domain XML file */
  file: string;
  /** first problem with the definition, one line, when state is 'invalid' */
  error?: string;
  /** last failed start, one line, if the most recent start failed */
  lastError?: string;
}

export type ModuleName = 'vmm' | 'if_tuntap' | 'if_bridge' | 'nmdm';

export interface ModuleStatus {
  /** the module checked with `kldstat -q -m NAME` */
  name: ModuleName;
  /** how the operator knows it: 'if_tuntap/if_tap' for the tap driver */
  label: string;
  loaded: boolean;
  /** kldload line that fixes a missing module; absent when loaded */
  fix?: string;
}

export interface HostStatus {
  uri: string;
  simulated: boolean;
  hostname: string;
  modules: ModuleStatus[];
  ncpu: number | null;
}

/** A failure the operator can act on: one line, no stack trace. */
export class DriverError extends Error {
  constructor(
    message: string,
    /** extra lines (a tool's stderr) shown under the message */
    readonly detail?: string,
    /** exit code of the tool that failed, if one did */
    readonly exitCode?: number,
  ) {
    super(message);
    this.name = 'DriverError';
  }
}

export interface Connection {
  readonly uri: string;
  readonly simulated: boolean;
  listDomains(): Promise<DomainSummary[]>;
  hostStatus(): Promise<HostStatus>;
  /** Runs the loader, then bhyve; resolves once bhyve runs. Throws DriverError. */
  start(name: string): Promise<void>;
  /** `bhyvectl --destroy` and cleanup; resolves once the domain is shut off. */
  destroy(name: string): Promise<void>;
  /** The user side (B) of the domain's nmdm console, as a path this process can open. */
  consoleDevice(name: string): Promise<string>;
  close(): void;
}
