// The host daemon (`bhyve-tui daemon`): one per host, started on first use by any client
// (like tmux's server) or at boot by rc.d. It supervises the guests, answers clients over
// a unix socket only its owner can open, and pushes state changes to subscribers. Guests
// do not depend on it: killing it leaves them running, and the next daemon adopts them.
import net from 'node:net';
import {DriverError, type DomainEvent} from '../client/connection.js';
import type {HostLayout} from '../host/layout.js';
import {DomainManager} from './domain-manager.js';
import {daemonSocketPath, LineSplitter, type DaemonReply, type DaemonRequest} from '../protocol/messages.js';
import {logLine, openTextLog} from '../supervise/domain-log.js';
import {describeSystemError} from '../io/fs-errors.js';
import {FRAME_DATA, FrameReader} from '../protocol/console-frames.js';
import type {ConsoleClient} from '../console/hub.js';
import type {DaemonLock} from './lock.js';

type Handler = (m: DomainManager, params: unknown[]) => unknown;

const str = (v: unknown, what: string): string => {
  if (typeof v !== 'string') throw new DriverError(`bad request: ${what} must be a string`);
  return v;
};

// Only these methods exist; a request can never reach anything else.
const handlers: Record<string, Handler> = {
  listDomains: (m) => m.listDomains(),
  hostStatus: (m) => m.hostStatus(),
  capabilities: (m) => m.capabilities(),
  start: (m, [name]) => m.start(str(name, 'name')),
  destroy: (m, [name]) => m.destroy(str(name, 'name')),
  shutdown: (m, [name, timeoutS]) => m.shutdown(str(name, 'name'), timeoutS === undefined || timeoutS === null ? undefined : (timeoutS as number)),
  reboot: (m, [name]) => m.reboot(str(name, 'name')),
  define: (m, [xml]) => m.define(str(xml, 'xml')),
  undefine: (m, [name]) => m.undefine(str(name, 'name')),
  setAutostart: (m, [name, enabled, order, delayS]) =>
    m.setAutostart(str(name, 'name'), enabled === true, {
      ...(typeof order === 'number' ? {order} : {}),
      ...(typeof delayS === 'number' ? {delayS} : {}),
    }),
  autostartInfo: (m, [name]) => m.readAutostart(str(name, 'name')),
  domainXml: (m, [name]) => m.domainXml(str(name, 'name')),
  domainDetails: (m, [name]) => m.domainDetails(str(name, 'name')),
  domainProblems: (m, [name]) => m.domainProblems(str(name, 'name')),
  domainLog: (m, [name, tail]) => m.domainLog(str(name, 'name'), typeof tail === 'number' ? tail : undefined),
  consoleDevice: (m, [name]) => m.consoleDevice(str(name, 'name')).device,
  loadModule: (m, [name]) => m.loadModule(str(name, 'module')),
  ping: () => ({pid: process.pid}),
};

// The requests that read definitions, and which: the worker parses what changed before the
// handler runs (DomainManager.prepare), so that no request parses a large file on the loop.
const definitionsOf: Record<string, 'name' | 'list'> = {
  listDomains: 'list',
  start: 'name',
  destroy: 'name',
  shutdown: 'name',
  reboot: 'name',
  undefine: 'name',
  setAutostart: 'name',
  domainXml: 'name',
  domainDetails: 'name',
  domainProblems: 'name',
  domainLog: 'name',
  consoleDevice: 'name',
};

function prepareFor(m: DomainManager, method: string, params: unknown[]): Promise<void> | undefined {
  const use = Object.hasOwn(definitionsOf, method) ? definitionsOf[method] : undefined;
  if (use === 'list') return m.prepare(undefined, true);
  if (use === 'name' && typeof params[0] === 'string') return m.prepare(params[0]);
  return undefined;
}

/**
 * The longest request line, in bytes: a define of 1 MiB of XML is at most 2 MiB as a JSON
 * string. A longer line is a broken client; the connection is closed before the daemon has
 * to parse it (JSON.parse runs on the event loop, in time proportional to the line).
 */
const maxRequestLine = 2.5 * 1024 * 1024;

export interface DaemonOptions {
  /** start the autostart domains (host boot) */
  boot?: boolean;
  log?: (line: string) => void;
}

/**
 * Runs the daemon that holds `lock` (takeDaemonLock in daemon/lock.ts: taken, and listening,
 * before this adopts any guest): adopts the guests a previous daemon left running, then
 * answers clients.
 */
export async function runHostDaemon(layout: HostLayout, uri: string, lock: DaemonLock, opts: DaemonOptions = {}): Promise<{close(): Promise<void>}> {
  const log = opts.log ?? (() => {});
  const sockPath = daemonSocketPath(layout);

  const manager = new DomainManager(layout, uri);
  const {adopted, orphans, interrupted} = manager.recover();
  if (adopted.length) log(`adopted running guests: ${adopted.join(', ')}`);
  if (orphans.length) log(`orphaned run records: ${orphans.join(', ')}`);
  // Taps of starts that a killed daemon did not record: now, and once more when an ifconfig
  // that outlived that daemon has surely finished.
  const sweep = () => manager.sweepStrayTaps().catch((e: unknown) => log(`sweeping stray taps: ${(e as Error).message}`));
  void sweep();
  setTimeout(() => void sweep(), 10_000).unref();
  manager.watchDefinitions();
  // The first client's host panel then has its answer ready.
  manager.hostStatus().catch(() => {});
  manager.hostCaps.log = log;
  manager.log = log;
  void manager.finishInterruptedStarts(interrupted);

  const sockets = new Set<net.Socket>();
  const serve = (sock: net.Socket) => {
    sockets.add(sock);
    let unsubscribe: (() => void) | undefined;
    const send = (obj: unknown) => {
      if (!sock.destroyed) sock.write(`${JSON.stringify(obj)}\n`);
    };
    // After a 'console' request the connection carries console frames instead of lines.
    let frames: FrameReader | undefined;
    const attachConsole = async (id: number, name: unknown, opt: {force?: boolean; readonly?: boolean; pid?: number; user?: string}) => {
      try {
        await manager.prepare(str(name, 'name'));
        const con = await manager.consoleFor(str(name, 'name'));
        const client: ConsoleClient = {sock, readonly: opt.readonly === true, pid: typeof opt.pid === 'number' ? opt.pid : 0, user: typeof opt.user === 'string' ? opt.user.slice(0, 64) : '?', since: new Date()};
        con.checkAttach(client, opt.force === true);
        send({id, result: {name, readonly: client.readonly}});
        frames = new FrameReader((type, payload) => {
          if (type === FRAME_DATA) con.input(client, payload);
        });
        con.attach(client, opt.force === true);
      } catch (e) {
        send({id, error: {message: e instanceof Error ? e.message : String(e)}});
      }
    };
    const splitter = new LineSplitter((line) => {
      let req: DaemonRequest;
      try {
        req = JSON.parse(line) as DaemonRequest;
      } catch {
        sock.destroy();
        return;
      }
      if (frames) return;
      if (req.method === 'console') {
        const [name, o] = Array.isArray(req.params) ? req.params : [];
        const opt = (o ?? {}) as {force?: boolean; readonly?: boolean; pid?: number; user?: string};
        frames = new FrameReader(() => {}); // nothing but the answer until attached
        void attachConsole(req.id, name, opt);
        return;
      }
      if (req.method === 'subscribe') {
        unsubscribe ??= manager.subscribe((event: DomainEvent) => send({event}));
        send({id: req.id, result: true});
        return;
      }
      const handler = Object.hasOwn(handlers, req.method) ? handlers[req.method] : undefined;
      if (!handler) {
        send({id: req.id, error: {message: `unknown request '${String(req.method).slice(0, 64)}'`}});
        return;
      }
      const params = Array.isArray(req.params) ? req.params : [];
      Promise.resolve()
        .then(() => prepareFor(manager, req.method, params))
        .then(() => handler(manager, params))
        .then(
          (result) => send({id: req.id, result: result ?? null} satisfies DaemonReply),
          (e: unknown) => {
            // A file-system failure nobody named (a full disk, an I/O error) is still one
            // ordinary line with the file and the cause, not an "internal error".
            const system = e instanceof DriverError ? undefined : describeSystemError(e);
            const err = e instanceof DriverError
              ? {message: e.message, ...(e.detail ? {detail: e.detail} : {}), ...(e.exitCode !== undefined ? {exitCode: e.exitCode} : {})}
              : {message: system ?? `internal error: ${e instanceof Error ? e.message : String(e)}`};
            if (system) log(`${req.method}: ${system}`);
            else if (!(e instanceof DriverError)) log(`internal error in ${req.method}: ${e instanceof Error ? e.stack : String(e)}`);
            send({id: req.id, error: err} satisfies DaemonReply);
          },
        );
    }, maxRequestLine);
    // The bytes after the last newline wait here until their line is whole; the splitter gets
    // whole lines only. Handing it every chunk would make a long line cost time in proportion
    // to its square on the event loop (the splitter searches all it holds on each chunk), and
    // an over-long line is refused here, before anything decodes or parses it.
    let held: Buffer[] = [];
    let heldBytes = 0;
    sock.on('data', (chunk: Buffer) => {
      try {
        if (frames) {
          frames.push(chunk);
          return;
        }
        const last = chunk.lastIndexOf(0x0a);
        if (last < 0) {
          heldBytes += chunk.length;
          if (heldBytes > maxRequestLine) throw new Error('request line too long');
          held.push(chunk);
          return;
        }
        const lines = held.length > 0 ? Buffer.concat([...held, chunk.subarray(0, last + 1)]) : chunk.subarray(0, last + 1);
        held = last + 1 < chunk.length ? [chunk.subarray(last + 1)] : [];
        heldBytes = chunk.length - last - 1;
        splitter.push(lines);
      } catch {
        sock.destroy();
      }
    });
    sock.on('close', () => {
      unsubscribe?.();
      sockets.delete(sock);
    });
    sock.on('error', () => {});
  };
  lock.serve(serve);
  log(`daemon ${process.pid} listening on ${sockPath}`);
  // libvirt probes bhyve once at driver start; here in the background, once clients can be
  // answered. Requests that build command lines wait for it.
  manager.probeCapabilities();

  if (opts.boot) void autostartAll(manager, log);

  return {
    close: async () => {
      manager.close();
      for (const s of sockets) s.destroy();
      await lock.release();
    },
  };
}

/** Host boot: starts the autostart domains in their order, waiting each one's delay. */
async function autostartAll(manager: DomainManager, log: (l: string) => void): Promise<void> {
  for (const {name, entry} of manager.autostartList()) {
    if (entry.delayS > 0) await new Promise((r) => setTimeout(r, entry.delayS * 1000));
    try {
      await manager.start(name);
      log(`autostart: started ${name}`);
    } catch (e) {
      log(`autostart: ${name}: ${(e as Error).message}`);
    }
  }
}

/**
 * The daemon log on `fd`, open on `file`. Writing to it never throws: on a full disk it
 * pauses (the host panel says so) and the daemon carries on.
 */
export function daemonLogger(fd: number, file = 'daemon.log'): (line: string) => void {
  const log = openTextLog(file, fd);
  return (line) => logLine(log, line);
}
