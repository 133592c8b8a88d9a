// Verbs that list and drive domains, with virsh's names and messages, and `daemon`,
// which runs the host daemon in the foreground.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {spawn} from 'node:child_process';
import {DriverError, type Connection, type ConsoleOptions, type DomainSummary} from '../driver/client/connection.js';
import {isActive, isRunning} from '../driver/domain/state.js';
import {layoutForUri} from '../driver/client/daemon-client.js';
import {lastLines} from '../driver/io/bounded-read.js';
import {LIMITS, parseWholeNumber, type WholeNumberLimit} from '../driver/protocol/request-limits.js';
import {daemonSocketPath} from '../driver/protocol/messages.js';
import {cliPath} from '../driver/host/install-paths.js';
import type {HostLayout} from '../driver/host/layout.js';
import {attachTerminal} from '../driver/console/attach.js';
import {daemonLogger, runHostDaemon} from '../driver/daemon/daemon.js';
import {takeDaemonLock} from '../driver/daemon/lock.js';
import {readInputFile} from './commands-xml.js';
import {UsageError, flagValue, type CommandContext, type CommandSpec} from './command-spec.js';

function listTable(domains: DomainSummary[]): string {
  const rows = domains.map((d) => [d.pid ? String(d.pid) : '-', d.name, d.state]);
  const w0 = Math.max(2, ...rows.map((r) => r[0]!.length));
  const w1 = Math.max(4, ...rows.map((r) => r[1]!.length));
  const line = (r: string[]) => ` ${r[0]!.padEnd(w0)}   ${r[1]!.padEnd(w1)}   ${r[2]}`.trimEnd();
  const header = line(['Id', 'Name', 'State']);
  return [header, '-'.repeat(header.length + 3), ...rows.map(line)].join('\n') + '\n\n';
}

/** Hat notation as virsh takes it for -e: '^]' is Ctrl-], a single character is itself. */
export function parseEscape(spec: string | undefined): number {
  if (spec === undefined) return 0x1d;
  if (/^\^[@-_a-z]$/.test(spec)) return spec.toUpperCase().charCodeAt(1) - 0x40;
  if (spec.length === 1 && spec.charCodeAt(0) < 0x80) return spec.charCodeAt(0);
  // (quoted so that the message stays one short line, whatever was given)
  const shown = JSON.stringify(spec.length > 16 ? `${spec.slice(0, 16)}…` : spec);
  throw new UsageError(`invalid escape character ${shown}: use hat notation such as ^] or a single character`);
}

async function consoleSession(conn: Connection, name: string, escapeByte?: number, opts: ConsoleOptions = {}): Promise<number> {
  escapeByte ??= await defaultEscape(conn);
  const channel = await conn.openConsole(name, opts);
  const {end, detail} = await attachTerminal(channel, {name, input: process.stdin, output: process.stdout, escape: escapeByte});
  if (end === 'escape') process.stdout.write('\r\n');
  else if (end === 'stopped') process.stdout.write(`\r\nDomain '${name}' stopped${detail ? ` (${detail})` : ''}\r\n`);
  else process.stdout.write(`\r\nThe console of '${name}' was ${end === 'taken' ? 'taken over by another client' : 'closed'}\r\n`);
  return 0;
}

/** The escape character from the host's settings (console.escape), else Ctrl-]. */
export async function defaultEscape(conn: Connection): Promise<number> {
  try {
    return parseEscape((await conn.hostConfig()).config.console.escape);
  } catch {
    // a setting that does not parse, or no answer: the console still opens, with Ctrl-]
    return 0x1d;
  }
}

const one = (ctx: CommandContext) => ctx.args[0]!;

/** A whole-number flag within the bound its use can hold (request-limits.ts). */
function intFlag(ctx: CommandContext, flag: string, limit: WholeNumberLimit): number | undefined {
  const v = flagValue(ctx, flag);
  if (v === undefined) return undefined;
  const r = parseWholeNumber(v, limit);
  if ('problem' in r) throw new UsageError(`option ${flag}: ${r.problem}`);
  return r.value;
}

/** How long a guest may take after its forced power-off before the daemon destroys it, plus slack. */
const afterForceS = 10 + 20;

/**
 * Host shutdown, like vm-bhyve's `vm stopall`: the ACPI button for every running guest (a
 * guest still in its loader is destroyed: a loader menu ignores ACPI), the daemon's forced
 * power-off for those still running after timeoutS, and a wait until every one is off.
 * rc.d's stop runs this before the daemon exits, so init's SIGTERM/SIGKILL at the end of
 * shutdown finds no guest.
 */
async function shutdownAll(ctx: CommandContext, conn: Connection, timeoutS: number): Promise<number> {
  // The guests that run: an orphan has no guest to shut down and is left to destroy.
  const active = (d: DomainSummary) => isRunning(d.state);
  const targets = (await conn.listDomains()).filter(active);
  if (targets.length === 0) {
    ctx.print('No running domains\n\n');
    return 0;
  }
  ctx.print(
    `Shutting down ${targets.length} domain${targets.length === 1 ? '' : 's'}: ${targets.map((d) => d.name).join(', ')} (forced power-off after ${timeoutS} s)\n`,
  );
  let failed = 0;
  for (const d of targets) {
    try {
      if (d.state === 'running') await conn.shutdown(d.name, {timeoutS});
      else if (d.state === 'bootloader') await conn.destroy(d.name);
      // 'in shutdown': already on its way, with its own deadline
    } catch (e) {
      // It may have stopped meanwhile; the wait below tells.
      ctx.note(`warning: ${d.name}: ${(e as Error).message}`);
    }
  }
  const names = new Set(targets.map((d) => d.name));
  const deadline = Date.now() + (timeoutS + afterForceS) * 1000;
  while (names.size > 0) {
    const now = await conn.listDomains();
    for (const d of now) {
      if (names.has(d.name) && !active(d)) {
        names.delete(d.name);
        ctx.print(`Domain '${d.name}' is ${d.state}${d.reason ? ` (${d.reason})` : ''}\n`);
      }
    }
    for (const n of [...names]) {
      if (!now.some((d) => d.name === n)) names.delete(n); // undefined meanwhile
    }
    if (names.size === 0) break;
    if (Date.now() > deadline) {
      ctx.note(`error: still running after ${timeoutS + afterForceS} s: ${[...names].join(', ')}`);
      failed = names.size;
      break;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  ctx.print('\n');
  return failed > 0 ? 1 : 0;
}

/**
 * `daemon --background` (rc.d's start): the daemon detached, its output in daemon.log;
 * returns once it answers, or fails with the end of its log. rc(8) then knows at once
 * whether the start worked.
 */
async function backgroundDaemon(ctx: CommandContext, layout: HostLayout): Promise<number> {
  const sockPath = daemonSocketPath(layout);
  if (await canConnect(sockPath)) {
    ctx.print(`bhyve-tui daemon for ${ctx.uri} is already running\n`);
    return 0;
  }
  layout.backend.claim(); // a simulated host's directory is made and marked before its log goes in
  fs.mkdirSync(layout.logDir, {recursive: true});
  const logFile = path.join(layout.logDir, 'daemon.log');
  const logFd = fs.openSync(logFile, 'a', 0o640);
  const size = fs.fstatSync(logFd).size;
  const child = spawn(process.execPath, [cliPath(), '-c', ctx.uri, 'daemon', ...(ctx.flags.has('--boot') ? ['--boot'] : [])], {
    detached: true,
    stdio: ['ignore', logFd, logFd],
  });
  child.unref();
  fs.closeSync(logFd);
  let exited: number | null = null;
  child.once('exit', (code) => (exited = code ?? 1));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (await canConnect(sockPath)) return 0;
    // Exit 0: another daemon started meanwhile and holds the lock; it will answer.
    if (exited !== null && exited !== 0 && !(await canConnect(sockPath))) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const tail = lastLines(logFile, 3, size);
  throw new DriverError(`the bhyve-tui daemon for ${ctx.uri} did not start${exited !== null ? '' : ' within 30 s'}; see ${logFile}`, tail || undefined);
}

function canConnect(sockPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createConnection(sockPath);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function daemonCommand(ctx: CommandContext): Promise<number> {
  const layout = layoutForUri(ctx.uri);
  if (ctx.flags.has('--background')) return backgroundDaemon(ctx, layout);
  // Like daemon(3): a long-lived daemon must not hold the directory it was started from
  // (an unmountable file system, a removed directory). Every path it uses is absolute.
  process.chdir('/');
  await layout.backend.ensureHost(); // the simulator makes its directory, or refuses one that is not its own
  fs.mkdirSync(layout.logDir, {recursive: true});
  const logFd = fs.openSync(path.join(layout.logDir, 'daemon.log'), 'a', 0o640);
  const log = daemonLogger(logFd, path.join(layout.logDir, 'daemon.log'));
  // One daemon per host: a daemon that finds another one running leaves before it touches
  // anything, quietly (clients start daemons freely; the one that runs answers them).
  const taken = await takeDaemonLock(layout);
  if (!taken.won) {
    log(`daemon ${process.pid}: another daemon (${taken.holder}) runs for ${ctx.uri}; exiting`);
    fs.closeSync(logFd);
    return 0;
  }
  layout.backend.seedDomains();
  const daemon = await runHostDaemon(layout, ctx.uri, taken.lock, {boot: ctx.flags.has('--boot'), log});
  // Guests never depend on the daemon: stopping it leaves them running.
  await new Promise<void>((resolve) => {
    for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => resolve());
    process.on('SIGHUP', () => {});
  });
  log(`daemon ${process.pid} stopping; guests keep running`);
  await daemon.close();
  // Open consoles and watchers of running guests would keep the process alive; the guests
  // themselves do not need us.
  process.exit(0);
}

/** A verb that acts on one domain and says so, as virsh does: `Domain 'NAME' <done>`. */
function oneDomainVerb(name: string, summary: string, act: (conn: Connection, domain: string) => Promise<void>, done: string): CommandSpec {
  return {
    name,
    synopsis: `${name} NAME`,
    summary,
    flags: [],
    args: 1,
    async run(ctx) {
      await act(await ctx.connect(), one(ctx));
      ctx.print(`Domain '${one(ctx)}' ${done}\n\n`);
      return 0;
    },
  };
}

export const lifecycleCommands: CommandSpec[] = [
  {
    name: 'list',
    synopsis: 'list [--all] [--inactive] [--name] [--json]',
    summary: 'list active domains: running, or orphaned (--all: every defined domain)',
    flags: ['--all', '--inactive', '--name', '--json'],
    args: 0,
    async run(ctx) {
      const all = await (await ctx.connect()).listDomains();
      const active = (d: DomainSummary) => isActive(d.state);
      const shown = ctx.flags.has('--all') ? all : ctx.flags.has('--inactive') ? all.filter((d) => !active(d)) : all.filter(active);
      if (ctx.flags.has('--json')) ctx.print(`${JSON.stringify(shown, null, 2)}\n`);
      else if (ctx.flags.has('--name')) ctx.print(shown.map((d) => `${d.name}\n`).join('') + '\n');
      else ctx.print(listTable(shown));
      return 0;
    },
  },
  {
    name: 'start',
    synopsis: 'start NAME [--console]',
    summary: 'start a domain (and attach to its console)',
    flags: ['--console'],
    args: 1,
    needsTerminal: (flags) => (flags.has('--console') ? 'start it with :start, then press c on it' : undefined),
    async run(ctx) {
      const conn = await ctx.connect();
      await conn.start(one(ctx));
      ctx.print(`Domain '${one(ctx)}' started\n\n`);
      return ctx.flags.has('--console') ? consoleSession(conn, one(ctx)) : 0;
    },
  },
  {
    name: 'shutdown',
    synopsis: 'shutdown NAME | --all [--timeout S]',
    summary: 'press the ACPI power button; force it off after S seconds (default 60); --all: every guest, and wait',
    flags: ['--timeout=', '--all'],
    args: [0, 1],
    async run(ctx) {
      const timeoutS = intFlag(ctx, '--timeout', LIMITS.shutdownTimeoutS);
      if (ctx.flags.has('--all')) {
        if (ctx.args.length > 0) throw new UsageError(`'shutdown --all' takes no domain name; usage: bhyve-tui shutdown NAME | --all [--timeout S]`);
        return shutdownAll(ctx, await ctx.connect(), timeoutS ?? 60);
      }
      if (ctx.args.length !== 1) throw new UsageError(`'shutdown' needs a domain name or --all; usage: bhyve-tui shutdown NAME | --all [--timeout S]`);
      await (await ctx.connect()).shutdown(one(ctx), timeoutS === undefined ? {} : {timeoutS});
      ctx.print(`Domain '${one(ctx)}' is being shutdown\n\n`);
      return 0;
    },
  },
  oneDomainVerb('destroy', 'stop a domain immediately (like pulling the plug)', (conn, n) => conn.destroy(n), 'destroyed'),

  oneDomainVerb('reboot', 'reset a domain; it boots again through its loader', (conn, n) => conn.reboot(n), 'is being rebooted'),

  {
    name: 'define',
    synopsis: 'define FILE',
    summary: 'define (or redefine) a domain from an XML file',
    flags: [],
    args: 1,
    async run(ctx) {
      const xml = readInputFile(one(ctx));
      const {name} = await (await ctx.connect()).define(xml);
      ctx.print(`Domain '${name}' defined from ${one(ctx)}\n\n`);
      return 0;
    },
  },
  oneDomainVerb('undefine', 'remove a shut-off domain’s definition', (conn, n) => conn.undefine(n), 'has been undefined'),

  {
    name: 'autostart',
    synopsis: 'autostart NAME [--disable] [--order N] [--delay S]',
    summary: 'start the domain when the host boots (in order N, S seconds after the previous)',
    flags: ['--disable', '--order=', '--delay='],
    args: 1,
    async run(ctx) {
      const conn = await ctx.connect();
      const disable = ctx.flags.has('--disable');
      const order = intFlag(ctx, '--order', LIMITS.autostartOrder);
      const delayS = intFlag(ctx, '--delay', LIMITS.autostartDelayS);
      await conn.setAutostart(one(ctx), !disable, {...(order !== undefined ? {order} : {}), ...(delayS !== undefined ? {delayS} : {})});
      ctx.print(disable ? `Domain '${one(ctx)}' unmarked as autostarted\n\n` : `Domain '${one(ctx)}' marked as autostarted\n\n`);
      return 0;
    },
  },
  {
    name: 'dominfo',
    synopsis: 'dominfo NAME',
    summary: 'basic information about a domain',
    flags: [],
    args: 1,
    async run(ctx) {
      const conn = await ctx.connect();
      const d = (await conn.listDomains()).find((x) => x.name === one(ctx));
      if (!d) throw new DriverError(`failed to get domain '${one(ctx)}': no domain with that name is defined`);
      const rows: [string, string][] = [
        ['Id', d.pid ? String(d.pid) : '-'],
        ['Name', d.name],
      ];
      if (d.state !== 'invalid') {
        const det = await conn.domainDetails(d.name);
        const auto = await conn.autostartInfo(d.name);
        rows.push(
          ['UUID', det.uuid],
          ['OS Type', 'hvm'],
          ['State', d.state],
          ['CPU(s)', String(det.vcpus)],
          ['Max memory', `${det.memoryKiB} KiB`],
          ['Used memory', `${det.memoryKiB} KiB`],
          ['Persistent', 'yes'],
          ['Autostart', auto ? `enable (order ${auto.order}, delay ${auto.delayS} s)` : 'disable'],
          ['Boot', det.boot],
          ['File', d.file],
        );
      } else {
        rows.push(['State', 'invalid'], ['Error', d.error ?? ''], ['File', d.file]);
      }
      ctx.print(rows.map(([k, v]) => `${`${k}:`.padEnd(16)}${v}`).join('\n') + '\n\n');
      return 0;
    },
  },
  {
    name: 'domstate',
    synopsis: 'domstate NAME [--reason]',
    summary: 'the state of a domain (and why)',
    flags: ['--reason'],
    args: 1,
    async run(ctx) {
      const d = (await (await ctx.connect()).listDomains()).find((x) => x.name === one(ctx));
      if (!d) throw new DriverError(`failed to get domain '${one(ctx)}': no domain with that name is defined`);
      ctx.print(`${d.state}${ctx.flags.has('--reason') && d.reason ? ` (${d.reason})` : ''}\n\n`);
      return 0;
    },
  },
  {
    name: 'log',
    synopsis: 'log NAME [--tail BYTES]',
    summary: "the domain's log: commands run, tools' output, every action taken",
    flags: ['--tail='],
    args: 1,
    async run(ctx) {
      const tailBytes = intFlag(ctx, '--tail', LIMITS.logTailBytes);
      ctx.print(await (await ctx.connect()).domainLog(one(ctx), tailBytes === undefined ? {} : {tailBytes}));
      return 0;
    },
  },
  {
    name: 'console',
    synopsis: 'console NAME [--force] [--readonly] [-e CHAR]',
    summary: "attach to a running domain's serial console (Ctrl-] leaves; --force takes it over)",
    flags: ['-e=', '--escape=', '--force', '--readonly'],
    args: 1,
    needsTerminal: () => 'press c on the domain',
    async run(ctx) {
      const conn = await ctx.connect();
      const given = flagValue(ctx, '-e') ?? flagValue(ctx, '--escape');
      const escapeByte = given === undefined ? await defaultEscape(conn) : parseEscape(given);
      return consoleSession(conn, one(ctx), escapeByte, {force: ctx.flags.has('--force'), readonly: ctx.flags.has('--readonly')});
    },
  },
  {
    name: 'daemon',
    synopsis: 'daemon [--boot] [--background]',
    summary: 'run the host daemon (--boot: start autostart domains; --background: detach once it answers)',
    flags: ['--boot', '--background'],
    args: 0,
    needsTerminal: () => 'run it from a shell',
    run: daemonCommand,
  },
];
