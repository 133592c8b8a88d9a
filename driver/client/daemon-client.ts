// The Connection every client uses: requests to the host daemon over its unix socket.
// A client that finds no daemon starts one (detached, like tmux's server) and retries.
// Every connection begins with a hello (protocol/methods.ts): a daemon of another protocol
// is replaced when it supervises no guests, and refused with a way out when it does.
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {
  DriverError,
  type ConsoleChannel,
  type ConsoleOptions,
  type Connection,
  type DomainDetails,
  type DomainEvent,
  type DomainProblem,
  type DomainState,
  type DomainSummary,
  type AutostartInfo,
  type HostCapabilities,
  type HostStatus,
  type ModuleName,
} from './connection.js';
import {isActive} from '../domain/state.js';
import type {HostLayout} from '../host/layout.js';
import {backendForUri} from '../host/backend-for-uri.js';
import {daemonSocketPath, daemonSocketPathProblem, LineSplitter, type DaemonReply} from '../protocol/messages.js';
import {BUILD, PROTOCOL, type HelloReply, type MethodName, type Params, type Result} from '../protocol/methods.js';
import type {HostConfig} from '../host/config.js';
import {pidAlive} from '../host/process-alive.js';
import {cliPath} from '../host/install-paths.js';
import {lastLines} from '../io/bounded-read.js';
import os from 'node:os';
import type {Duplex} from 'node:stream';
import {ownUri, parseConnectionUri, type ParsedUri} from './connection-uri.js';
import {openSsh, SSH_ANSWER_TIMEOUT_MS, sshFailure, sshLabel} from './ssh-transport.js';
import {FRAME_DATA, FRAME_END, FrameReader, frame} from '../protocol/console-frames.js';

/** The host's layout for a URI; its backend (`layout.backend`) is the URI's (driver/host/backend-for-uri.ts). */
export function layoutForUri(uri: string): HostLayout {
  return backendForUri(uri).layout;
}

function isPermissionError(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'EACCES' || code === 'EPERM';
}

/** One line for a user without access to the daemon's socket (a non-root user on a real host). */
function permissionDenied(sockPath: string, layout: HostLayout): DriverError {
  return new DriverError(`cannot reach the bhyve-tui daemon: permission denied on ${sockPath}; run as ${layout.backend.operator}`);
}

function connectSocket(sockPath: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const sock = net.createConnection(sockPath);
    sock.once('connect', () => {
      sock.off('error', reject);
      resolve(sock);
    });
    sock.once('error', reject);
  });
}

/**
 * One request on a socket nobody reads yet (the hello, before the connection is attached):
 * its reply. Untyped on purpose: the daemon may speak another protocol. The socket is
 * left paused, so that no byte is lost before its reader is attached.
 */
function exchange(sock: Duplex, id: number, method: string, params: unknown[]): Promise<DaemonReply> {
  return new Promise((resolve, reject) => {
    const done = () => {
      sock.off('data', onData);
      sock.off('close', onClose);
      sock.off('error', onClose);
      sock.pause();
    };
    const splitter = new LineSplitter((line) => {
      done();
      try {
        resolve(JSON.parse(line) as DaemonReply);
      } catch {
        sock.destroy();
        reject(new DriverError(`the bhyve-tui daemon answered '${method}' with something other than JSON`));
      }
    });
    const onData = (c: Buffer) => {
      try {
        splitter.push(c);
      } catch (e) {
        done();
        sock.destroy();
        reject(new DriverError(`the bhyve-tui daemon broke the protocol: ${(e as Error).message}`));
      }
    };
    const onClose = () => {
      done();
      reject(new ClosedBeforeAnswer(method));
    };
    sock.on('data', onData);
    sock.once('close', onClose);
    sock.on('error', onClose);
    sock.resume();
    sock.write(`${JSON.stringify({id, method, params})}\n`);
  });
}

/**
 * The daemon closed the connection before its first answer: it was exiting (a kill, a
 * replacement, a racing start that lost), and the connect landed in its listening
 * socket's backlog while its last thread let go of it. Nothing ran, so the client may
 * try again.
 */
class ClosedBeforeAnswer extends DriverError {
  constructor(method: string) {
    super(`the bhyve-tui daemon closed the connection before it answered '${method}'`);
  }
}

/** How often, and how long apart, a connection closed before the hello is tried again. */
const closedRetries = 40;
const closedRetryMs = 50;

/** A daemon that speaks another protocol than this client: who it is and what it supervises. */
interface OtherDaemon {
  protocol: number;
  build: string;
  pid: number | undefined;
  /** the guests it supervises; null when it did not say */
  guests: string[] | null;
}

/**
 * The hello: null when the daemon speaks this client's protocol, else what the client
 * needs to know to replace it or to say why not. A daemon from before the hello (protocol
 * 1) answers "unknown request 'hello'"; its list and ping say what the hello would have.
 */
async function greet(sock: Duplex, uri: string): Promise<OtherDaemon | null> {
  // An error after the hello, before the connection's reader is attached, is not thrown.
  sock.on('error', () => {});
  const hello: Params<'hello'> = [{protocol: PROTOCOL, build: BUILD}];
  const reply = await exchange(sock, 0, 'hello', hello);
  const validPid = (v: unknown) => (typeof v === 'number' && Number.isSafeInteger(v) && v > 1 && v !== process.pid ? v : undefined);
  if ('result' in reply) {
    const r = (reply.result ?? {}) as Partial<Record<keyof HelloReply, unknown>>;
    if (r.protocol === PROTOCOL) return null;
    return {
      protocol: typeof r.protocol === 'number' ? r.protocol : Number.NaN,
      build: typeof r.build === 'string' ? r.build.slice(0, 100) : 'unknown',
      pid: validPid(r.pid),
      guests: Array.isArray(r.guests) ? r.guests.filter((g): g is string => typeof g === 'string') : null,
    };
  }
  if (reply.error.message !== "unknown request 'hello'") {
    throw new DriverError(`the bhyve-tui daemon for ${uri} refused the hello: ${reply.error.message}`);
  }
  const list = await exchange(sock, 1, 'listDomains', []);
  const ping = await exchange(sock, 2, 'ping', []);
  const domains = 'result' in list && Array.isArray(list.result) ? (list.result as Partial<DomainSummary>[]) : null;
  return {
    protocol: 1,
    build: 'unknown',
    pid: 'result' in ping ? validPid((ping.result as {pid?: unknown} | null)?.pid) : undefined,
    guests: domains?.filter((d) => typeof d.name === 'string' && typeof d.state === 'string' && isActive(d.state as DomainState)).map((d) => d.name!) ?? null,
  };
}

/** How long an old daemon has to exit after SIGTERM (it lets go of its socket first). */
const replaceTimeoutMs = 10_000;

/**
 * A daemon of another protocol: replaced (SIGTERM, then a new one starts) when it
 * supervises no guests; otherwise a one-line DriverError telling how to upgrade without
 * stopping them. Guests do not depend on the daemon: one that is ended leaves them
 * running, and the next daemon adopts every guest whose run record names a live loader or
 * bhyve (DomainManager.recover).
 */
async function replaceDaemon(uri: string, old: OtherDaemon, notice: (line: string) => void): Promise<void> {
  const line = `the bhyve-tui daemon for ${uri} speaks protocol ${Number.isNaN(old.protocol) ? '?' : old.protocol} (build ${old.build}), this client protocol ${PROTOCOL} (build ${BUILD})`;
  const pid = old.pid === undefined ? 'its pid (see daemon.pid in its run directory)' : String(old.pid);
  if (old.protocol > PROTOCOL) throw new DriverError(`${line}; the daemon is newer: use the bhyve-tui it was started from (${old.build})`);
  if (old.guests === null || old.guests.length > 0 || old.pid === undefined) {
    const what =
      old.guests === null
        ? 'it did not say which guests it supervises'
        : old.guests.length > 0
          ? `it supervises ${old.guests.join(', ')}`
          : 'it did not say its pid';
    throw new DriverError(
      `${line}; ${what}, so it is not replaced: the guests do not depend on the daemon, so end it with 'kill ${pid}' (not 'service bhyve_tui restart', which shuts the guests down first) and run bhyve-tui again: the new daemon adopts the running guests`,
    );
  }
  notice(`${line}; it supervises no guests: replacing it`);
  try {
    process.kill(old.pid, 'SIGTERM');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw new DriverError(`${line}; cannot end it (pid ${old.pid}): ${(e as Error).message}`);
  }
  const deadline = Date.now() + replaceTimeoutMs;
  while (pidAlive(old.pid)) {
    if (Date.now() > deadline)
      throw new DriverError(
        `${line}; it did not exit within ${replaceTimeoutMs / 1000} s of SIGTERM: end it with 'kill -9 ${old.pid}' and run bhyve-tui again`,
      );
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Where notices go (a daemon replaced): stderr, as a warning line, unless the caller says otherwise. */
const stderrNotice = (line: string) => {
  process.stderr.write(`warning: ${line}\n`);
};

export interface OpenOptions {
  /** one-line notices (e.g. an old daemon replaced); default: a warning line on stderr */
  notice?: (line: string) => void;
}

/** How a connection reaches a daemon of this client's protocol: a greeted stream each time. */
interface Dialer {
  readonly simulated: boolean;
  /** the daemon runs on another host: its paths are not this host's */
  readonly remote: boolean;
  /**
   * `first`: a socket just connected, greeted before any other is tried; `given up`: the
   * connection was closed meanwhile, so no other daemon is tried (nor started)
   */
  dial(notice: (line: string) => void, first?: net.Socket, givenUp?: () => boolean): Promise<Duplex>;
}

/** This host's daemon, at its own socket (started when none answers) or at ?socket=. */
class LocalDialer implements Dialer {
  readonly remote = false;
  readonly simulated: boolean;
  private readonly layout: HostLayout;
  /** the socket a +unix URI names: connected to, never started */
  private readonly socket: string | undefined;
  /** the URI a started daemon is given: the host's own (sim+unix:///D is sim:///D) */
  private readonly daemonUri: string;

  constructor(
    private readonly uri: string,
    parsed: ParsedUri,
  ) {
    this.socket = parsed.options?.socket;
    this.daemonUri = parsed.transport === 'unix' ? ownUri(parsed) : uri;
    this.layout = layoutForUri(this.daemonUri);
    this.simulated = this.layout.backend.kind === 'simulated';
  }

  /**
   * A connection to a daemon of this client's protocol, greeted: `first` (a socket just
   * connected) or one found or started, or put in place of a daemon of another protocol
   * (replaceDaemon). Requests and consoles both come here.
   */
  async dial(notice: (line: string) => void, first?: net.Socket, givenUp: () => boolean = () => false): Promise<Duplex> {
    const uri = this.uri;
    let replaced = false;
    let useFirst = first !== undefined;
    for (let closed = 0; ; ) {
      const sock = useFirst && first ? first : await this.connectOrStart();
      useFirst = false;
      let other: OtherDaemon | null;
      try {
        other = await greet(sock, uri);
      } catch (e) {
        sock.destroy();
        // A dying daemon's backlog: the next connect finds the next daemon, or starts it.
        // Not when this client closed it: that is a client going away (q while loading).
        if (e instanceof ClosedBeforeAnswer && ++closed < closedRetries && !givenUp()) {
          await new Promise((r) => setTimeout(r, closedRetryMs));
          continue;
        }
        throw e;
      }
      if (other === null) return sock;
      sock.destroy();
      // The daemon started for this client is from another build on disk (an upgrade
      // under way): say so rather than replace daemons in a loop.
      if (replaced)
        throw new DriverError(
          `the bhyve-tui daemon started for ${uri} speaks protocol ${other.protocol} (build ${other.build}), this client protocol ${PROTOCOL} (build ${BUILD}): run the installed bhyve-tui`,
        );
      await replaceDaemon(uri, other, notice);
      replaced = true;
    }
  }

  /** Connects to the daemon, starting one when none answers. */
  async connectOrStart(): Promise<net.Socket> {
    const {uri, layout} = this;
    if (this.socket !== undefined) {
      try {
        return await connectSocket(this.socket);
      } catch (e) {
        throw new DriverError(`no bhyve-tui daemon answers at ${this.socket} (${uri}): ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
    }
    const sockPath = daemonSocketPath(layout);
    const tooLong = daemonSocketPathProblem(layout);
    if (tooLong) throw new DriverError(tooLong);
    try {
      return await connectSocket(sockPath);
    } catch (e) {
      // A daemon this user may not reach: starting a second one would not help.
      if (isPermissionError(e)) throw permissionDenied(sockPath, layout);
      // no daemon (or a stale socket): start one below
    }
    // The daemon's log goes into the host's tree: a simulated host's root is made (and
    // marked as the simulator's) first, or refused if it is not the simulator's to use.
    layout.backend.claim();
    fs.mkdirSync(layout.logDir, {recursive: true});
    const logFd = fs.openSync(path.join(layout.logDir, 'daemon.log'), 'a', 0o640);
    const child = spawn(process.execPath, [cliPath(), '-c', this.daemonUri, 'daemon'], {detached: true, stdio: ['ignore', logFd, logFd]});
    child.unref();
    fs.closeSync(logFd);
    let exited: number | null = null;
    child.once('exit', (code) => (exited = code ?? 1));
    const deadline = Date.now() + 15_000;
    let last: unknown;
    while (Date.now() < deadline) {
      try {
        return await connectSocket(sockPath);
      } catch (e) {
        last = e;
      }
      // A daemon that lost the race to another one exits 0; keep trying the winner. One
      // that failed exits non-zero and its log says why.
      if (exited !== null && exited !== 0 && Date.now() > deadline - 12_000) {
        const tail = lastLines(path.join(layout.logDir, 'daemon.log'));
        throw new DriverError(`the bhyve-tui daemon for ${uri} did not start`, tail || undefined);
      }
      await new Promise((r) => setTimeout(r, 30));
    }
    throw new DriverError(`cannot reach the bhyve-tui daemon for ${uri}: ${(last as Error)?.message ?? 'timed out'}`);
  }
}

/**
 * A daemon on another host, through `ssh … bhyve-tui -c URI proxy` (driver/client/ssh-transport.ts).
 * The far end's bhyve-tui finds, starts or replaces its own daemon; a daemon of another
 * protocol there is reported by name, never replaced from here.
 */
class SshDialer implements Dialer {
  readonly remote = true;
  readonly simulated: boolean;

  constructor(
    private readonly uri: string,
    private readonly parsed: ParsedUri,
  ) {
    this.simulated = parsed.driver === 'sim';
  }

  async dial(notice: (line: string) => void, _first?: net.Socket, givenUp: () => boolean = () => false): Promise<Duplex> {
    const p = this.parsed;
    const session = openSsh(p);
    // A client that closes while ssh connects (q in the TUI) ends the ssh too.
    const watch = setInterval(() => {
      if (givenUp()) session.stream.destroy();
    }, 100);
    const who = sshLabel(p);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new DriverError(`${who} did not answer within ${SSH_ANSWER_TIMEOUT_MS / 1000} s over ssh (${this.uri})`)),
        SSH_ANSWER_TIMEOUT_MS,
      );
    });
    let other: OtherDaemon | null;
    try {
      other = await Promise.race([greet(session.stream, this.uri), timeout]);
    } catch (e) {
      session.stream.destroy();
      session.kill();
      if (e instanceof ClosedBeforeAnswer) {
        // ssh (or the far end) ended first: its exit and stderr say why.
        const code = await Promise.race([session.exited, new Promise<number>((r) => setTimeout(() => r(255), 2000))]);
        throw sshFailure(p, code, session.stderr());
      }
      throw e;
    } finally {
      clearTimeout(timer);
      clearInterval(watch);
    }
    if (other !== null) {
      session.stream.destroy();
      throw new DriverError(
        `the bhyve-tui on ${who} speaks protocol ${Number.isNaN(other.protocol) ? '?' : other.protocol} (build ${other.build}), this client protocol ${PROTOCOL} (build ${BUILD}): install the same bhyve-tui on both hosts`,
      );
    }
    // The far end's notices (an old daemon it replaced) reach the user as this host's would.
    for (const line of session.stderr().split('\n')) if (line.startsWith('warning: ')) notice(`${who}: ${line.slice('warning: '.length)}`);
    return session.stream;
  }
}

export class DaemonConnection implements Connection {
  readonly simulated: boolean;
  private nextId = 1;
  private pending = new Map<number, {resolve(v: unknown): void; reject(e: Error): void}>();
  private listeners = new Set<(e: DomainEvent) => void>();
  private subscribed = false;
  private closed = false;
  /**
   * Settles once the hello is done (and a daemon of another protocol replaced, or refused):
   * requests wait for it, and fail with its error. open() does not, so that a daemon slow
   * to answer holds up the TUI's first request, not its start.
   */
  private readonly ready: Promise<void>;
  private greeted = false;

  private sock: Duplex | undefined;

  private constructor(
    readonly uri: string,
    private readonly dialer: Dialer,
    first: net.Socket | undefined,
    private readonly notice: (line: string) => void,
  ) {
    this.simulated = dialer.simulated;
    this.sock = first; // closed by close() even before the hello is answered
    this.ready = dialer
      .dial(notice, first, () => this.closed)
      .then((greeted) => {
        if (this.closed) {
          greeted.destroy();
          throw new DriverError('the connection to the bhyve-tui daemon was closed');
        }
        this.sock = greeted;
        this.greeted = true;
        this.attach(greeted);
      });
    this.ready.catch(() => {}); // reported by the requests that wait for it
  }

  static async open(uri: string, opts: OpenOptions = {}): Promise<DaemonConnection> {
    const parsed = parseConnectionUri(uri);
    const notice = opts.notice ?? stderrNotice;
    if (parsed.transport === 'ssh') return new DaemonConnection(uri, new SshDialer(uri, parsed), undefined, notice);
    const local = new LocalDialer(uri, parsed);
    return new DaemonConnection(uri, local, await local.connectOrStart(), notice);
  }

  /** A greeted socket to this host's own daemon (found, started or replaced): what `bhyve-tui proxy` relays. */
  static dialLocal(uri: string, notice: (line: string) => void = stderrNotice): Promise<Duplex> {
    const parsed = parseConnectionUri(uri);
    if (parsed.transport === 'ssh') return Promise.reject(new DriverError(`'${uri}' is a remote host: bhyve-tui proxy serves the host it runs on`));
    return new LocalDialer(uri, parsed).dial(notice);
  }

  private attach(sock: Duplex): void {
    const splitter = new LineSplitter((line) => {
      const msg = JSON.parse(line) as DaemonReply | {event: DomainEvent};
      if ('event' in msg) {
        for (const l of this.listeners) l(msg.event);
        return;
      }
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if ('error' in msg) p.reject(new DriverError(msg.error.message, msg.error.detail, msg.error.exitCode));
      else p.resolve(msg.result);
    });
    sock.on('data', (c: Buffer) => {
      try {
        splitter.push(c);
      } catch {
        sock.destroy(); // a broken stream ends the connection, never the program
      }
    });
    sock.resume(); // paused since the hello
    sock.on('error', () => {});
    sock.on('close', () => {
      for (const p of this.pending.values()) p.reject(new DriverError('the connection to the bhyve-tui daemon was lost'));
      this.pending.clear();
      // Only a client that follows events (the TUI) needs a new daemon; a one-shot
      // command reports the lost connection and ends.
      if (!this.closed && this.subscribed) void this.reconnect();
    });
  }

  /** The daemon went away (restart, kill): start or find the next one and carry on. */
  private async reconnect(): Promise<void> {
    for (let i = 0; i < 50 && !this.closed; i++) {
      try {
        // (no notice: the TUI draws the screen; a refusal is retried like a daemon not yet up)
        const sock = await this.dialer.dial(
          () => {},
          undefined,
          () => this.closed,
        );
        if (this.closed) {
          sock.destroy();
          return;
        }
        this.sock = sock;
        this.attach(sock);
        if (this.subscribed) await this.request('subscribe', []);
        for (const l of this.listeners) l({type: 'domains-changed'});
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  /** A request, checked by the compiler against protocol/methods.ts. */
  request<K extends MethodName>(method: K, params: Params<K>): Promise<Result<K>> {
    if (!this.greeted) return this.ready.then(() => this.request(method, params));
    const sock = this.sock;
    if (!sock || sock.destroyed) return Promise.reject(new DriverError('the connection to the bhyve-tui daemon was lost'));
    const id = this.nextId++;
    return new Promise<Result<K>>((resolve, reject) => {
      this.pending.set(id, {resolve: resolve as (v: unknown) => void, reject});
      sock.write(`${JSON.stringify({id, method, params})}\n`);
    });
  }

  private prefetched: {list?: Promise<DomainSummary[]>; host?: Promise<HostStatus>} = {};

  /** Asks for the list and host status now; the next calls get these answers (TUI start-up). */
  prefetch(): void {
    this.prefetched = {list: this.request('listDomains', []), host: this.request('hostStatus', [])};
    this.prefetched.list!.catch(() => {});
    this.prefetched.host!.catch(() => {});
  }

  listDomains(): Promise<DomainSummary[]> {
    const early = this.prefetched.list;
    if (early) {
      delete this.prefetched.list;
      return early;
    }
    return this.request('listDomains', []);
  }
  hostStatus(): Promise<HostStatus> {
    const early = this.prefetched.host;
    if (early) {
      delete this.prefetched.host;
      return early;
    }
    return this.request('hostStatus', []);
  }
  capabilities(): Promise<HostCapabilities> {
    return this.request('capabilities', []);
  }
  hostConfig(): Promise<{config: HostConfig; error?: string}> {
    return this.request('hostConfig', []);
  }
  async start(name: string): Promise<void> {
    await this.request('start', [name]);
  }
  async shutdown(name: string, opts: {timeoutS?: number} = {}): Promise<void> {
    await this.request('shutdown', [name, opts.timeoutS ?? 60]);
  }
  async destroy(name: string): Promise<void> {
    await this.request('destroy', [name]);
  }
  async reboot(name: string): Promise<void> {
    await this.request('reboot', [name]);
  }
  define(xml: string): Promise<{name: string}> {
    return this.request('define', [xml]);
  }
  async undefine(name: string): Promise<void> {
    await this.request('undefine', [name]);
  }
  async setAutostart(name: string, enabled: boolean, entry: {order?: number; delayS?: number} = {}): Promise<void> {
    await this.request('setAutostart', [name, enabled, entry.order, entry.delayS]);
  }
  autostartInfo(name: string): Promise<AutostartInfo | null> {
    return this.request('autostartInfo', [name]);
  }
  domainXml(name: string): Promise<string> {
    return this.request('domainXml', [name]);
  }
  dumpXml(name: string, opts: {securityInfo?: boolean} = {}): Promise<string> {
    return this.request('dumpXml', [name, opts.securityInfo === true]);
  }
  domainDetails(name: string): Promise<DomainDetails> {
    return this.request('domainDetails', [name]);
  }
  domainProblems(name: string): Promise<DomainProblem[]> {
    return this.request('domainProblems', [name]);
  }
  domainLog(name: string, opts: {tailBytes?: number} = {}): Promise<string> {
    return this.request('domainLog', [name, opts.tailBytes]);
  }
  async loadModule(name: ModuleName): Promise<void> {
    await this.request('loadModule', [name]);
  }
  async consoleDevice(name: string): Promise<string> {
    const device = await this.request('consoleDevice', [name]);
    // On FreeBSD the lookup itself clones the nmdm pair; the simulated pair appears once
    // the loader or bhyve has opened its side, which may be a moment after the start.
    if (this.dialer.remote) return device; // a path on the far host
    const deadline = Date.now() + 3000;
    while (!fs.existsSync(device) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    return device;
  }

  /** Attaches to the console the daemon holds: scrollback first, then live bytes both ways. */
  async openConsole(name: string, opts: ConsoleOptions = {}): Promise<ConsoleChannel> {
    // Through reach(), like the connection itself: a daemon killed or restarted since this
    // connection was opened is found again (or started) instead of failing with ECONNREFUSED.
    const sock = await this.dialer.dial(this.notice);
    const dataListeners: ((b: Buffer) => void)[] = [];
    const endListeners: ((why: 'stopped' | 'taken' | 'closed', detail?: string) => void)[] = [];
    const pendingData: Buffer[] = [];
    let ended: {why: 'stopped' | 'taken' | 'closed'; detail?: string} | undefined;
    const end = (why: 'stopped' | 'taken' | 'closed', detail?: string) => {
      if (ended) return;
      ended = detail === undefined ? {why} : {why, detail};
      for (const l of endListeners) l(why, detail);
    };
    const frames = new FrameReader((type, payload) => {
      if (type === FRAME_DATA) {
        if (dataListeners.length) for (const l of dataListeners) l(payload);
        else pendingData.push(Buffer.from(payload));
      } else if (type === FRAME_END) {
        const info = JSON.parse(payload.toString()) as {why: 'stopped' | 'taken' | 'closed'; detail?: string};
        end(info.why, info.detail);
      }
    });
    let header = Buffer.alloc(0);
    let replied = false;
    await new Promise<void>((resolve, reject) => {
      sock.on('data', (chunk: Buffer) => {
        if (replied) {
          try {
            frames.push(chunk);
          } catch {
            sock.destroy(); // a broken stream ends the session, never the program
          }
          return;
        }
        header = Buffer.concat([header, chunk]);
        const nl = header.indexOf(0x0a);
        if (nl < 0) return;
        replied = true;
        const reply = JSON.parse(header.subarray(0, nl).toString()) as DaemonReply;
        if ('error' in reply) {
          sock.destroy();
          reject(new DriverError(reply.error.message, reply.error.detail, reply.error.exitCode));
          return;
        }
        const rest = header.subarray(nl + 1);
        if (rest.length) frames.push(rest);
        resolve();
      });
      sock.on('error', (e) => (replied ? end('closed') : reject(new DriverError(`console of '${name}': ${e.message}`))));
      sock.on('close', () => (replied ? end('closed') : reject(new DriverError('the bhyve-tui daemon closed the console connection'))));
      sock.resume(); // paused since the hello
      const params: Params<'console'> = [name, {force: opts.force === true, readonly: opts.readonly === true, pid: process.pid, user: os.userInfo().username}];
      sock.write(`${JSON.stringify({id: 1, method: 'console', params})}\n`);
    });
    return {
      onData: (l) => {
        dataListeners.push(l);
        for (const b of pendingData.splice(0)) l(b);
      },
      onEnd: (l) => {
        endListeners.push(l);
        if (ended) l(ended.why, ended.detail);
      },
      write: (bytes) => {
        if (!sock.destroyed && !opts.readonly) sock.write(frame(FRAME_DATA, bytes));
      },
      // end(), not destroy(): the last keys typed before the escape still reach the guest.
      close: () => sock.end(),
    };
  }

  subscribe(listener: (e: DomainEvent) => void): () => void {
    this.listeners.add(listener);
    if (!this.subscribed) {
      this.subscribed = true;
      void this.request('subscribe', []).catch(() => {});
    }
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.closed = true;
    this.sock?.end();
    this.sock?.destroy();
  }
}

export function openConnection(uri: string, opts: OpenOptions = {}): Promise<DaemonConnection> {
  return DaemonConnection.open(uri, opts);
}
