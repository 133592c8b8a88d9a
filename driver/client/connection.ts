// The one interface every client (TUI, CLI) uses to reach a host. The implementation
// talks to the host's supervising daemon; a bhyve+ssh:// remote slots in behind it later.
// Clients (src/, ui/) read nothing of the host themselves: definitions, settings and
// capabilities all come through here.
import type {HostConfig} from '../host/config.js';

/** What a domain is doing, in virsh's words, plus the states only a manager can see. */
export type DomainState =
  | 'running'
  | 'bootloader' // bhyveload / grub-bhyve is running
  | 'in shutdown' // the ACPI button was pressed; waiting for the guest
  | 'shut off'
  | 'crashed' // stopped after a fault (exit >= 3, a signal, or a crash loop) with <on_crash>preserve or a crash loop
  | 'orphaned' // /dev/vmm/NAME, a pid or lock file exists but no bhyve process owns it
  | 'invalid'; // the definition file does not parse or validate

export interface DomainSummary {
  name: string;
  state: DomainState;
  /** why it is in that state, virsh-style: 'booted', 'destroyed', 'shutdown', 'crashed', 'crash loop', ... */
  reason?: string;
  /** null when the definition is invalid */
  vcpus: number | null;
  memoryKiB: number | null;
  /** pid of bhyve (running) or of the loader (bootloader) */
  pid?: number;
  /** absolute path of the domain XML file */
  file: string;
  autostart: boolean;
  /** first problem with the definition, one line, when state is 'invalid' */
  error?: string;
  /** last failed start, one line, if the most recent start failed */
  lastError?: string;
  /** how many problems the errors view would show (definition, host preflight, last start) */
  problemCount: number;
  /** while 'in shutdown': epoch ms at which the shutdown escalates to a forced power-off */
  shutdownDeadline?: number;
  /** running guests: CPU use of bhyve in percent of one core, and its resident memory */
  cpuPercent?: number;
  rssKiB?: number;
}

export type ModuleName = 'vmm' | 'if_tuntap' | 'if_bridge' | 'nmdm';

export interface ModuleStatus {
  /** the module checked with `kldstat -q -m NAME` */
  name: ModuleName;
  /** how the operator knows it: 'if_tuntap/if_tap' for the tap driver */
  label: string;
  loaded: boolean;
  /**
   * 'loaded' | 'compiled in' (no .ko file) | 'missing' (kldload would load it) | 'no file' (not
   * loaded, and no .ko in kern.module_path: kldload cannot help) | 'failed' (file loaded, module
   * did not start: no VT-x/SVM)
   */
  detail?: 'loaded' | 'compiled in' | 'missing' | 'no file' | 'failed';
  /** the line that fixes a missing module (kldload; for 'no file', how to install the file); absent when loaded */
  fix?: string;
  /** 'no file': the directories searched (kern.module_path) */
  searched?: string;
  /** the rc.conf line that loads it at boot: sysrc kld_list+=NAME */
  persist?: string;
}

export type CheckStatus = 'PASS' | 'WARN' | 'FAIL';

/** One finding of `bhyve-tui host-validate` (driver/host/validate.ts). */
export interface HostCheck {
  /** stable key, e.g. 'cpu', 'module:vmm' */
  id: string;
  /** what is checked, as the operator knows it */
  title: string;
  status: CheckStatus;
  /** what was found, one line */
  detail: string;
  /** what to do, one line (WARN and FAIL) */
  fix?: string;
}

export interface HostStatus {
  uri: string;
  simulated: boolean;
  hostname: string;
  modules: ModuleStatus[];
  ncpu: number | null;
  /** sysctl net.link.tap.up_on_open, when known */
  tapUpOnOpen?: boolean;
  /** CPU virtualization support, when known: e.g. 'VT-x with EPT and unrestricted guest' */
  virtualization?: string;
  /** host-validate's findings, once the daemon has run them */
  checks?: HostCheck[];
  /** once probed: the host's release and what its bhyve supports, one line ('14.2-RELEASE: all 11 bhyve capabilities') */
  bhyveCapabilities?: string;
  /** logs the daemon cannot write now (a full disk, an I/O error): paused, consoles keep working */
  loggingPaused?: {file: string; cause: string; since: string}[];
}

/** Identity of an installed binary, as the capability cache keys it. */
interface BinaryInfo {
  path: string;
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
}

/** What the host's bhyve and grub-bhyve were probed to support (libvirt's BHYVE_CAP_* names). */
export interface HostCapabilities {
  /** e.g. ['RTC_UTC', 'AHCI32SLOT', ...], in libvirt's order */
  caps: string[];
  /** ['CONSDEV'] when grub-bhyve has --cons-dev */
  grubCaps: string[];
  /** uname -r of the host, e.g. '14.2-RELEASE' */
  release?: string;
  bhyve?: BinaryInfo;
  grubBhyve?: BinaryInfo;
  probedAt: string;
  /** answered from the cache file (the binaries did not change since they were probed) */
  fromCache: boolean;
  /** why there are no caps (no bhyve, a bhyve that could not be probed) */
  problem?: string;
  /** libvirt's firmware_dir and the files in it, as host paths (for domcapabilities) */
  firmwareDir: string;
  firmwares: string[];
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

export interface DomainProblem {
  severity: 'error' | 'warning';
  /** where it comes from */
  source: 'xml-syntax' | 'xml-semantic' | 'host' | 'last-start';
  message: string;
  /** where it is */
  file?: string;
  line?: number;
  column?: number;
  /** what to do about it, one line */
  hint?: string;
  /** a tool's stderr and the like */
  detail?: string;
  exitCode?: number;
  /** what that exit code means, e.g. 'bhyve: exited due to an error' */
  exitMeaning?: string;
}

export interface DomainDetails {
  name: string;
  uuid: string;
  state: DomainState;
  reason?: string;
  vcpus: number;
  memoryKiB: number;
  autostart: boolean;
  file: string;
  /** 'bhyveload', 'grub-bhyve', 'UEFI (/usr/local/share/uefi-firmware/BHYVE_UEFI.fd)', or a custom loader path */
  boot: string;
  disks: {target: string; bus: string; device: string; source?: string; exists?: boolean}[];
  nics: {type: string; model?: string; bridge?: string; tap?: string; mac?: string}[];
  consoles: {master: string; slave: string}[];
  vnc?: {listen: string; port: number | 'auto'; password: boolean; warning?: string};
  /** the command lines a start would run (domxml-to-native preview), rendered */
  commands?: {loader?: string; bhyve: string};
  /** why the preview could not be built */
  commandsError?: string;
}

export type DomainEvent =
  | {type: 'domain'; name: string; state: DomainState; reason?: string}
  | {type: 'domains-changed'} // a definition was added, removed or edited
  | {type: 'host'} // modules or host settings changed
  | {type: 'shutdown'; name: string; stage: 'acpi' | 'force-poweroff' | 'destroy' | 'done'; deadline?: number};

export interface ConsoleOptions {
  /** take over from the client that holds the console */
  force?: boolean;
  /** watch only: keys are not sent to the guest */
  readonly?: boolean;
}

/** An attached console: bytes both ways; the daemon keeps the scrollback. */
export interface ConsoleChannel {
  /** scrollback replayed on attach, then live output */
  onData(listener: (bytes: Buffer) => void): void;
  /** the session ended: the guest stopped ('stopped', with reason), another client took over ('taken'), or the link closed */
  onEnd(listener: (why: 'stopped' | 'taken' | 'closed', detail?: string) => void): void;
  write(bytes: Buffer): void;
  close(): void;
}

/** When and in which order a domain starts at host boot (`autostart --order N --delay S`). */
export interface AutostartInfo {
  order: number;
  delayS: number;
}

export interface Connection {
  readonly uri: string;
  readonly simulated: boolean;
  listDomains(): Promise<DomainSummary[]>;
  hostStatus(): Promise<HostStatus>;
  /** The host's probed bhyve capabilities (waits for the probe the daemon runs at start). */
  capabilities(): Promise<HostCapabilities>;
  /** The host's bhyve-tui settings (console escape, scrollback, ...); `error` when its file is bad and defaults stand in. */
  hostConfig(): Promise<{config: HostConfig; error?: string}>;
  /** kldloads one of the modules bhyve needs. Throws DriverError. */
  loadModule(name: ModuleName): Promise<void>;
  /** Runs the loader, then bhyve; resolves once bhyve runs. Throws DriverError. */
  start(name: string): Promise<void>;
  /** Presses the ACPI power button once; escalates to a forced power-off, then destroy, after timeoutS (default 60). Resolves when requested; follow with events. */
  shutdown(name: string, opts?: {timeoutS?: number}): Promise<void>;
  /** `bhyvectl --destroy` and cleanup; resolves once the domain is shut off. */
  destroy(name: string): Promise<void>;
  /** Reboot: a forced reset; the guest restarts through its loader. */
  reboot(name: string): Promise<void>;
  /** Validates the XML and writes it atomically as the domain's definition; a bad one never replaces a good one. */
  define(xml: string): Promise<{name: string}>;
  /** Removes the definition (the guest must be shut off). */
  undefine(name: string): Promise<void>;
  setAutostart(name: string, enabled: boolean, entry?: {order?: number; delayS?: number}): Promise<void>;
  /** The domain's autostart entry, or null when it does not start at boot. */
  autostartInfo(name: string): Promise<AutostartInfo | null>;
  /** The domain's XML file as written (what an edit starts from; also for an invalid definition). */
  domainXml(name: string): Promise<string>;
  /** The parsed definition as libvirt formats its inactive XML (dumpxml); the VNC password only with securityInfo. */
  dumpXml(name: string, opts?: {securityInfo?: boolean}): Promise<string>;
  domainDetails(name: string): Promise<DomainDetails>;
  domainProblems(name: string): Promise<DomainProblem[]>;
  /** The end of the domain's log (commands, tool output, every action taken). */
  domainLog(name: string, opts?: {tailBytes?: number}): Promise<string>;
  /** The user side (B) of the domain's nmdm console, as a path this process can open. */
  consoleDevice(name: string): Promise<string>;
  /** Attaches to the console the daemon holds (scrollback replayed first). Throws DriverError naming the holder when busy and !force. */
  openConsole(name: string, opts?: ConsoleOptions): Promise<ConsoleChannel>;
  /** Live state changes; returns the unsubscribe function. */
  subscribe(listener: (e: DomainEvent) => void): () => void;
  close(): void;
}
