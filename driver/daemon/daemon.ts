// The host daemon (`bhyve-tui daemon`): one per host, started on first use by any client
// (like tmux's server) or at boot by rc.d. It supervises the guests, answers clients over
// a unix socket only its owner can open, and pushes state changes to subscribers. Guests
// do not depend on it: killing it leaves them running, and the next daemon adopts them.
import type net from 'node:net';
import {DriverError, type DomainEvent, type ModuleName} from '../client/connection.js';
import {isActive} from '../domain/state.js';
import type {HostLayout} from '../host/layout.js';
import {DomainManager} from './domain-manager.js';
import {daemonSocketPath, LineSplitter, type DaemonReply, type DaemonRequest} from '../protocol/messages.js';
import {logLine, openTextLog} from '../supervise/domain-log.js';
import {describeSystemError} from '../io/fs-errors.js';
import {FRAME_DATA, FrameReader} from '../protocol/console-frames.js';
import type {ConsoleClient} from '../console/hub.js';
import type {DaemonLock} from './lock.js';
import {readHostConfig} from '../host/config.js';
import {BUILD, PROTOCOL, type ConsoleRequest, type Hello, type MethodName, type Params, type Result} from '../protocol/methods.js';

const str = (v: unknown, what: string): string => {
  if (typeof v !== 'string') throw new DriverError(`bad request: ${what} must be a string`);
  return v;
};

/** An optional number: absent (null in JSON) or a number, which the manager bounds-checks. */
const optNumber = (v: unknown, what: string): number | undefined => {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number') throw new DriverError(`bad request: ${what} must be a number`);
  return v;
};

// Answered by serve() itself: they change what the connection is (greeted, subscribed, a console).
type ConnectionMethod = 'hello' | 'subscribe' | 'console';
type ManagerMethod = Exclude<MethodName, ConnectionMethod>;

interface Handler<K extends ManagerMethod> {
  /** The request's params, checked and typed: they come from whoever opened the socket. */
  params(raw: unknown[]): Params<K>;
  run(m: DomainManager, ...args: Params<K>): Result<K> | Promise<Result<K>>;
  /**
   * The definitions the worker parses before the handler runs (DomainManager.prepare), so
   * that no request parses a large file on the loop: the named domain's, or every one.
   */
  prepare?: 'name' | 'list';
}

const none = (): [] => [];
const byName = (raw: unknown[]): [string] => [str(raw[0], 'name')];

// Only these methods exist; a request can never reach anything else. The type makes the
// compiler check the table against protocol/methods.ts: every method, its params, its result.
const handlers: {[K in ManagerMethod]: Handler<K>} = {
  ping: {params: none, run: () => ({pid: process.pid})},
  listDomains: {params: none, run: (m) => m.listDomains(), prepare: 'list'},
  hostStatus: {params: none, run: (m) => m.hostStatus()},
  hostConfig: {params: none, run: (m) => readHostConfig(m.layout)},
  capabilities: {params: none, run: (m) => m.capabilities()},
  start: {params: byName, run: (m, name) => m.start(name), prepare: 'name'},
  destroy: {params: byName, run: (m, name) => m.destroy(name), prepare: 'name'},
  shutdown: {params: (raw) => [str(raw[0], 'name'), optNumber(raw[1], 'timeout')], run: (m, name, timeoutS) => m.shutdown(name, timeoutS), prepare: 'name'},
  reboot: {params: byName, run: (m, name) => m.reboot(name), prepare: 'name'},
  define: {params: (raw) => [str(raw[0], 'xml')], run: (m, xml) => m.define(xml)},
  undefine: {params: byName, run: (m, name) => m.undefine(name), prepare: 'name'},
  setAutostart: {
    params: (raw) => [str(raw[0], 'name'), raw[1] === true, optNumber(raw[2], 'order'), optNumber(raw[3], 'delay')],
    run: (m, name, enabled, order, delayS) =>
      m.setAutostart(name, enabled, {...(order !== undefined ? {order} : {}), ...(delayS !== undefined ? {delayS} : {})}),
    prepare: 'name',
  },
  autostartInfo: {params: byName, run: (m, name) => m.readAutostart(name)},
  domainXml: {params: byName, run: (m, name) => m.domainXml(name), prepare: 'name'},
  dumpXml: {
    params: (raw) => [str(raw[0], 'name'), raw[1] === true],
    // The live and the inactive XML are the same for now: a running guest's live data (tap
    // names, the VNC port taken, id=) is not recorded anywhere it could be read back from.
    // In the worker: the daemon's parsed definitions leave out the XML dumpxml writes back.
    run: async (m, name, securityInfo) => {
      const r = await m.jobs.format(m.validDefinitionFile(name), securityInfo);
      if ('error' in r) throw new DriverError(`domain '${name}' is invalid: ${r.error}`, r.detail);
      return r.xml;
    },
    prepare: 'name',
  },
  domainDetails: {params: byName, run: (m, name) => m.domainDetails(name), prepare: 'name'},
  domainProblems: {params: byName, run: (m, name) => m.domainProblems(name), prepare: 'name'},
  domainLog: {params: (raw) => [str(raw[0], 'name'), optNumber(raw[1], 'log tail')], run: (m, name, tail) => m.domainLog(name, tail), prepare: 'name'},
  consoleDevice: {params: byName, run: (m, name) => m.consoleDevice(name).device, prepare: 'name'},
  // (any string: the manager refuses what is not a module bhyve needs, naming them)
  loadModule: {params: (raw) => [str(raw[0], 'module') as ModuleName], run: (m, name) => m.loadModule(name)},
};

const isManagerMethod = (method: unknown): method is ManagerMethod => typeof method === 'string' && Object.hasOwn(handlers, method);

/** One request, typed end to end: params checked, definitions prepared, the manager asked. */
async function dispatch<K extends ManagerMethod>(m: DomainManager, method: K, raw: unknown[]): Promise<Result<K>> {
  const handler: Handler<K> = handlers[method];
  const args = handler.params(raw);
  if (handler.prepare === 'list') await m.prepare(undefined, true);
  else if (handler.prepare === 'name' && typeof raw[0] === 'string') await m.prepare(raw[0]);
  return handler.run(m, ...args);
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
  manager.log = log;
  const {adopted, orphans, interrupted} = await manager.recover();
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
    const attachConsole = async (id: number, raw: unknown[]) => {
      try {
        const name = str(raw[0], 'name');
        const o = (raw[1] !== null && typeof raw[1] === 'object' ? raw[1] : {}) as Partial<Record<keyof ConsoleRequest, unknown>>;
        const opt: ConsoleRequest = {
          force: o.force === true,
          readonly: o.readonly === true,
          pid: typeof o.pid === 'number' ? o.pid : 0,
          user: typeof o.user === 'string' ? o.user.slice(0, 64) : '?',
        };
        await manager.prepare(name);
        const con = await manager.consoleFor(name);
        const client: ConsoleClient = {sock, readonly: opt.readonly, pid: opt.pid, user: opt.user, since: new Date()};
        con.checkAttach(client, opt.force);
        send({id, result: {name, readonly: client.readonly} satisfies Result<'console'>});
        frames = new FrameReader((type, payload) => {
          if (type === FRAME_DATA) con.input(client, payload);
        });
        con.attach(client, opt.force);
      } catch (e) {
        send({id, error: {message: e instanceof Error ? e.message : String(e)}});
      }
    };
    // The client's hello: until it comes, nothing but a ping is answered (a bhyve-tui from
    // before the hello gets one line saying so instead of answers it might misread).
    let peer: Hello | undefined;
    const greet = async (id: number, raw: unknown[]) => {
      const h = (raw[0] !== null && typeof raw[0] === 'object' ? raw[0] : {}) as Partial<Record<keyof Hello, unknown>>;
      if (typeof h.protocol !== 'number' || typeof h.build !== 'string') {
        send({id, error: {message: 'bad request: hello needs {protocol: number, build: string}'}});
        return;
      }
      peer = {protocol: h.protocol, build: h.build.slice(0, 100)};
      const reply: Result<'hello'> = {protocol: PROTOCOL, build: BUILD, pid: process.pid};
      // A client of another protocol decides whether it may replace this daemon: only if no guest would lose its supervisor.
      if (peer.protocol !== PROTOCOL) {
        try {
          await manager.prepare(undefined, true);
          reply.guests = (await manager.listDomains()).filter((d) => isActive(d.state)).map((d) => d.name);
        } catch (e) {
          log(`hello: cannot list the guests for a client of protocol ${peer.protocol}: ${(e as Error).message}`);
        }
      }
      send({id, result: reply} satisfies DaemonReply);
    };
    const refusal = (method: unknown): string | undefined => {
      if (method === 'ping' || method === 'hello') return undefined;
      if (peer === undefined)
        return `this bhyve-tui daemon (protocol ${PROTOCOL}, build ${BUILD}) got a request before a hello: the client is an older bhyve-tui; quit it and start the installed one`;
      if (peer.protocol !== PROTOCOL)
        return `this bhyve-tui daemon speaks protocol ${PROTOCOL} (build ${BUILD}), the client protocol ${peer.protocol} (build ${peer.build})`;
      return undefined;
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
      const params: unknown[] = Array.isArray(req.params) ? req.params : [];
      const refused = refusal(req.method);
      if (refused) {
        send({id: req.id, error: {message: refused}});
        return;
      }
      if (req.method === 'hello') {
        void greet(req.id, params);
        return;
      }
      if (req.method === 'console') {
        frames = new FrameReader(() => {}); // nothing but the answer until attached
        void attachConsole(req.id, params);
        return;
      }
      if (req.method === 'subscribe') {
        unsubscribe ??= manager.subscribe((event: DomainEvent) => send({event}));
        send({id: req.id, result: true satisfies Result<'subscribe'>});
        return;
      }
      const method = req.method;
      if (!isManagerMethod(method)) {
        send({id: req.id, error: {message: `unknown request '${String(method).slice(0, 64)}'`}});
        return;
      }
      dispatch(manager, method, params).then(
        (result) => send({id: req.id, result: result ?? null} satisfies DaemonReply),
        (e: unknown) => {
          // A file-system failure nobody named (a full disk, an I/O error) is still one
          // ordinary line with the file and the cause, not an "internal error".
          const system = e instanceof DriverError ? undefined : describeSystemError(e);
          const err =
            e instanceof DriverError
              ? {message: e.message, ...(e.detail ? {detail: e.detail} : {}), ...(e.exitCode !== undefined ? {exitCode: e.exitCode} : {})}
              : {message: system ?? `internal error: ${e instanceof Error ? e.message : String(e)}`};
          if (system) log(`${method}: ${system}`);
          else if (!(e instanceof DriverError)) log(`internal error in ${method}: ${e instanceof Error ? e.stack : String(e)}`);
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
  log(`daemon ${process.pid} listening on ${sockPath} (lock generation ${lock.generation})`);
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
