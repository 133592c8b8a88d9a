// Every request the host daemon answers, in ONE typed definition: the daemon's dispatch
// table (daemon/daemon.ts) and the client's request() (client/daemon-client.ts) are both
// checked against it by the compiler, so a misspelled method, a wrong parameter or a wrong
// result type fails `tsc` on either side. Parameters travel as a JSON array (an absent
// optional one arrives as null) and the daemon checks each one: any process that can open
// the socket may send anything.
//
// The protocol number changes whenever a client and a daemon built from different sources
// could misread each other; the first exchange on every connection (requests and consoles)
// is a `hello` that compares them (see Hello). Protocol 1 is bhyve-tui before the hello: its
// daemon answers a hello with "unknown request 'hello'".
import type {AutostartInfo, DomainDetails, DomainProblem, DomainSummary, HostCapabilities, HostStatus, ModuleName} from '../client/connection.js';
import type {HostConfig} from '../host/config.js';
import pkg from '../../package.json' with {type: 'json'};

/** The protocol this build speaks. 2: the hello, hostConfig and dumpXml. */
export const PROTOCOL = 2;

// Set by scripts/build.mjs (esbuild's define) to the version and a hash of the sources the
// bundle was built from; absent when running from the sources (tests, tsx).
declare const __BHYVE_TUI_BUILD__: string | undefined;

/** What this program is, for messages: '0.1.0+3f2a9c0e1b7d' (a bundle) or '0.1.0+source'. */
export const BUILD: string = typeof __BHYVE_TUI_BUILD__ === 'string' ? __BHYVE_TUI_BUILD__ : `${pkg.version}+source`;

/**
 * The client's hello, and the daemon's answer. These fields, `ping` and the meaning of
 * "unknown request 'hello'" never change from one protocol to the next: they are how two
 * builds find out that they differ, and whether the client may replace the daemon.
 */
export interface Hello {
  protocol: number;
  build: string;
}

export interface HelloReply extends Hello {
  /** the daemon's pid (a client that replaces it sends it SIGTERM) */
  pid: number;
  /**
   * Only when the protocols differ: the guests the daemon supervises (running, in their
   * loader, shutting down). A daemon with none may be replaced; one with guests may not.
   */
  guests?: string[];
}

/** The options of a console attach (the connection then carries console frames). */
export interface ConsoleRequest {
  force: boolean;
  readonly: boolean;
  /** who attaches, for the message another client gets when it is busy */
  pid: number;
  user: string;
}

interface DaemonMethods {
  hello(client: Hello): HelloReply;
  /** liveness, answered before a hello too (probes, tests) */
  ping(): {pid: number};
  listDomains(): DomainSummary[];
  hostStatus(): HostStatus;
  /** the host's settings file (driver/host/config.ts), with the defaults for what it lacks */
  hostConfig(): {config: HostConfig; error?: string};
  capabilities(): HostCapabilities;
  start(name: string): void;
  destroy(name: string): void;
  shutdown(name: string, timeoutS?: number): void;
  reboot(name: string): void;
  define(xml: string): {name: string};
  undefine(name: string): void;
  setAutostart(name: string, enabled: boolean, order?: number, delayS?: number): void;
  autostartInfo(name: string): AutostartInfo | null;
  /** the definition file as written (what an edit starts from) */
  domainXml(name: string): string;
  /** the parsed definition as libvirt formats its inactive XML (dumpxml) */
  dumpXml(name: string, securityInfo: boolean): string;
  domainDetails(name: string): DomainDetails;
  domainProblems(name: string): DomainProblem[];
  domainLog(name: string, tailBytes?: number): string;
  consoleDevice(name: string): string;
  loadModule(name: ModuleName): void;
  /** events follow on this connection, without an id */
  subscribe(): true;
  /** console frames follow on this connection (protocol/console-frames.ts) */
  console(name: string, opts: ConsoleRequest): {name: string; readonly: boolean};
}

export type MethodName = keyof DaemonMethods;
export type Params<K extends MethodName> = Parameters<DaemonMethods[K]>;
export type Result<K extends MethodName> = ReturnType<DaemonMethods[K]>;
