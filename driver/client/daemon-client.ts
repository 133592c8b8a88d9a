// The Connection every client uses: requests to the host daemon over its unix socket.
// A client that finds no daemon starts one (detached, like tmux's server) and retries.
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
  type DomainSummary,
  type HostCapabilities,
  type HostStatus,
  type ModuleName,
} from './connection.js';
import type {HostLayout} from '../host/layout.js';
import {backendForUri} from '../host/backend-for-uri.js';
import {daemonSocketPath, daemonSocketPathProblem, LineSplitter, type DaemonReply} from '../protocol/messages.js';
import {cliPath} from '../host/install-paths.js';
import {lastLines} from '../io/bounded-read.js';
import os from 'node:os';
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

export class DaemonConnection implements Connection {
  readonly simulated: boolean;
  private nextId = 1;
  private pending = new Map<number, {resolve(v: unknown): void; reject(e: Error): void}>();
  private listeners = new Set<(e: DomainEvent) => void>();
  private subscribed = false;
  private closed = false;

  private constructor(
    readonly uri: string,
    readonly layout: HostLayout,
    private sock: net.Socket,
  ) {
    this.simulated = layout.backend.kind === 'simulated';
    this.attach(sock);
  }

  static async open(uri: string): Promise<DaemonConnection> {
    const layout = layoutForUri(uri);
    return new DaemonConnection(uri, layout, await DaemonConnection.reach(uri, layout));
  }

  /** Connects to the daemon, starting one when none answers. */
  private static async reach(uri: string, layout: HostLayout): Promise<net.Socket> {
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
    const child = spawn(process.execPath, [cliPath(), '-c', uri, 'daemon'], {detached: true, stdio: ['ignore', logFd, logFd]});
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

  private attach(sock: net.Socket): void {
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
        const sock = await DaemonConnection.reach(this.uri, this.layout);
        if (this.closed) {
          sock.destroy();
          return;
        }
        this.sock = sock;
        this.attach(this.sock);
        if (this.subscribed) await this.request('subscribe', []);
        for (const l of this.listeners) l({type: 'domains-changed'});
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  request<T>(method: string, params: unknown[]): Promise<T> {
    if (this.sock.destroyed) return Promise.reject(new DriverError('the connection to the bhyve-tui daemon was lost'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, {resolve: resolve as (v: unknown) => void, reject});
      this.sock.write(`${JSON.stringify({id, method, params})}\n`);
    });
  }

  private prefetched: {list?: Promise<DomainSummary[]>; host?: Promise<HostStatus>} = {};

  /** Asks for the list and host status now; the next calls get these answers (TUI start-up). */
  prefetch(): void {
    this.prefetched = {list: this.request<DomainSummary[]>('listDomains', []), host: this.request<HostStatus>('hostStatus', [])};
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
  autostartInfo(name: string): Promise<{order: number; delayS: number} | null> {
    return this.request('autostartInfo', [name]);
  }
  domainXml(name: string): Promise<string> {
    return this.request('domainXml', [name]);
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
    const device = await this.request<string>('consoleDevice', [name]);
    // On FreeBSD the lookup itself clones the nmdm pair; the simulated pair appears once
    // the loader or bhyve has opened its side, which may be a moment after the start.
    const deadline = Date.now() + 3000;
    while (!fs.existsSync(device) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    return device;
  }

  /** Attaches to the console the daemon holds: scrollback first, then live bytes both ways. */
  async openConsole(name: string, opts: ConsoleOptions = {}): Promise<ConsoleChannel> {
    // Through reach(), like the connection itself: a daemon killed or restarted since this
    // connection was opened is found again (or started) instead of failing with ECONNREFUSED.
    const sock = await DaemonConnection.reach(this.uri, this.layout);
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
      const params = [name, {force: opts.force === true, readonly: opts.readonly === true, pid: process.pid, user: os.userInfo().username}];
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
    this.sock.end();
    this.sock.destroy();
  }
}

export function openConnection(uri: string): Promise<DaemonConnection> {
  return DaemonConnection.open(uri);
}
