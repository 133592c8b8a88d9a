// A Connection whose every answer is awaited for a bounded time: a host that accepts the
// connection but never answers turns into an error, not into a view that loads for ever or
// an action that never reports. Only used when the TUI shows several hosts, where one such
// host must not hold up the rest. Once the link gives the host up (`retire`), calls fail at
// once: views still holding this connection say so instead of waiting out their timeouts.
import {
  DriverError,
  type AutostartInfo,
  type Connection,
  type ConsoleChannel,
  type ConsoleOptions,
  type DomainDetails,
  type DomainEvent,
  type DomainProblem,
  type DomainSummary,
  type HostCapabilities,
  type HostStatus,
  type ModuleName,
} from '../../driver/client/connection.js';
import type {HostConfig} from '../../driver/host/config.js';

export interface Bounds {
  /** listings, status, details, logs, XML, opening a console */
  requestMs: number;
  /** start, shutdown, destroy, reboot, define, kldload …: a loader may take a while */
  actionMs: number;
}

export const defaultBounds: Bounds = {requestMs: 10_000, actionMs: 120_000};

/** `10 s`, or `150 ms` for a bound under a second. */
export function durationText(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`;
}

export class BoundedConnection implements Connection {
  private retired: string | undefined;

  constructor(
    private readonly inner: Connection,
    /** the host's name, for the messages */
    private readonly host: string,
    private readonly bounds: Bounds = defaultBounds,
    /** told every listing that arrives (the link keeps the latest for a remounted view) */
    private readonly onListing?: (domains: DomainSummary[]) => void,
  ) {}

  get uri(): string {
    return this.inner.uri;
  }

  get simulated(): boolean {
    return this.inner.simulated;
  }

  /** The link gave this connection up (lost, or the TUI quits): later calls fail at once. */
  retire(why: string): void {
    this.retired ??= why;
  }

  private async bound<T>(ms: number, call: () => Promise<T>): Promise<T> {
    if (this.retired !== undefined) {
      throw new DriverError(`${this.host} is not connected: ${this.retired}`);
    }

    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        reject(new DriverError(`${this.host} did not answer within ${durationText(ms)}`));
      }, ms);
      timer.unref();
    });
    try {
      return await Promise.race([call(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private request<T>(call: () => Promise<T>): Promise<T> {
    return this.bound(this.bounds.requestMs, call);
  }

  private action<T>(call: () => Promise<T>): Promise<T> {
    return this.bound(this.bounds.actionMs, call);
  }

  async listDomains(): Promise<DomainSummary[]> {
    const domains = await this.request(async () => this.inner.listDomains());
    this.onListing?.(domains);
    return domains;
  }

  hostStatus(): Promise<HostStatus> {
    return this.request(async () => this.inner.hostStatus());
  }

  capabilities(): Promise<HostCapabilities> {
    return this.action(async () => this.inner.capabilities());
  }

  hostConfig(): Promise<{config: HostConfig; error?: string}> {
    return this.request(async () => this.inner.hostConfig());
  }

  loadModule(name: ModuleName): Promise<void> {
    return this.action(async () => this.inner.loadModule(name));
  }

  start(name: string): Promise<void> {
    return this.action(async () => this.inner.start(name));
  }

  shutdown(name: string, opts?: {timeoutS?: number}): Promise<void> {
    return this.action(async () => this.inner.shutdown(name, opts));
  }

  destroy(name: string): Promise<void> {
    return this.action(async () => this.inner.destroy(name));
  }

  reboot(name: string): Promise<void> {
    return this.action(async () => this.inner.reboot(name));
  }

  define(xml: string): Promise<{name: string}> {
    return this.action(async () => this.inner.define(xml));
  }

  undefine(name: string): Promise<void> {
    return this.action(async () => this.inner.undefine(name));
  }

  setAutostart(name: string, enabled: boolean, entry?: {order?: number; delayS?: number}): Promise<void> {
    return this.action(async () => this.inner.setAutostart(name, enabled, entry));
  }

  autostartInfo(name: string): Promise<AutostartInfo | null> {
    return this.request(async () => this.inner.autostartInfo(name));
  }

  domainXml(name: string): Promise<string> {
    return this.request(async () => this.inner.domainXml(name));
  }

  dumpXml(name: string, opts?: {securityInfo?: boolean}): Promise<string> {
    return this.request(async () => this.inner.dumpXml(name, opts));
  }

  domainDetails(name: string): Promise<DomainDetails> {
    return this.request(async () => this.inner.domainDetails(name));
  }

  domainProblems(name: string): Promise<DomainProblem[]> {
    return this.request(async () => this.inner.domainProblems(name));
  }

  domainLog(name: string, opts?: {tailBytes?: number}): Promise<string> {
    return this.request(async () => this.inner.domainLog(name, opts));
  }

  consoleDevice(name: string): Promise<string> {
    return this.request(async () => this.inner.consoleDevice(name));
  }

  openConsole(name: string, opts?: ConsoleOptions): Promise<ConsoleChannel> {
    let opening: Promise<ConsoleChannel> | undefined;
    return this.request(async () => (opening = this.inner.openConsole(name, opts))).catch((error: unknown) => {
      // A channel that opens after the timeout would hold the guest's console for nobody.
      opening?.then(
        (channel) => {
          channel.close();
        },
        () => {},
      );
      throw error;
    });
  }

  subscribe(listener: (event: DomainEvent) => void): () => void {
    return this.inner.subscribe(listener);
  }

  close(): void {
    this.retire('closed');
    this.inner.close();
  }
}
