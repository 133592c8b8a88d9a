// Verbs that list and drive domains: list, start, destroy, console, and the hidden _run
// that supervises one guest.
import path from 'node:path';
import type {Connection, DomainSummary} from '../driver/connection.js';
import {attachConsole} from '../driver/console-attach.js';
import {parseConnectionUri} from '../driver/connection-uri.js';
import {GuestSupervisor} from '../driver/guest-supervisor.js';
import {HostLayout} from '../driver/host-layout.js';
import type {CommandSpec} from './command-spec.js';

function listTable(domains: DomainSummary[]): string {
  const rows = domains.map((d) => [d.pid ? String(d.pid) : '-', d.name, d.state]);
  const w0 = Math.max(2, ...rows.map((r) => r[0]!.length));
  const w1 = Math.max(4, ...rows.map((r) => r[1]!.length));
  const line = (r: string[]) => ` ${r[0]!.padEnd(w0)}   ${r[1]!.padEnd(w1)}   ${r[2]}`.trimEnd();
  const header = line(['Id', 'Name', 'State']);
  return [header, '-'.repeat(header.length + 3), ...rows.map(line)].join('\n') + '\n\n';
}

export async function consoleSession(conn: Connection, name: string): Promise<number> {
  const device = await conn.consoleDevice(name);
  const end = await attachConsole({
    name,
    device,
    input: process.stdin,
    output: process.stdout,
    stillRunning: async () => {
      const d = (await conn.listDomains()).find((x) => x.name === name);
      return d?.state === 'running' || d?.state === 'bootloader';
    },
  });
  process.stdout.write(end === 'escape' ? '\r\n' : `\r\nDomain '${name}' ${end === 'stopped' ? 'stopped' : 'console closed'}\r\n`);
  return 0;
}

async function runSupervisor(uri: string, name: string): Promise<number> {
  const parsed = parseConnectionUri(uri);
  const layout = new HostLayout(parsed.driver === 'sim' ? path.resolve(parsed.path) : '');
  // Reports go to the starting client while it listens; it may be gone long before we are.
  let open = true;
  process.stdout.on('error', () => {
    open = false;
  });
  const sup = new GuestSupervisor(layout, name, (ev) => {
    if (!open) return;
    process.stdout.write(`${JSON.stringify(ev)}\n`);
    if (ev.event !== 'bootloader') {
      open = false;
      process.stdout.end();
    }
  });
  // Detached from any terminal, but a hangup must never take a guest down.
  process.on('SIGHUP', () => {});
  return sup.run();
}

export const lifecycleCommands: CommandSpec[] = [
  {
    name: 'list',
    synopsis: 'list [--all] [--inactive] [--name] [--json]',
    summary: 'list running domains (--all: every defined domain)',
    flags: ['--all', '--inactive', '--name', '--json'],
    args: 0,
    async run(ctx) {
      const conn = await ctx.connect();
      const all = await conn.listDomains();
      const active = (d: DomainSummary) => d.state === 'running' || d.state === 'bootloader';
      const shown = ctx.flags.has('--all') ? all : ctx.flags.has('--inactive') ? all.filter((d) => !active(d)) : all.filter(active);
      if (ctx.flags.has('--json')) process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
      else if (ctx.flags.has('--name')) process.stdout.write(shown.map((d) => `${d.name}\n`).join('') + '\n');
      else process.stdout.write(listTable(shown));
      return 0;
    },
  },
  {
    name: 'start',
    synopsis: 'start NAME [--console]',
    summary: 'start a domain (and attach to its console)',
    flags: ['--console'],
    args: 1,
    async run(ctx) {
      const conn = await ctx.connect();
      const name = ctx.args[0]!;
      await conn.start(name);
      process.stdout.write(`Domain '${name}' started\n\n`);
      return ctx.flags.has('--console') ? consoleSession(conn, name) : 0;
    },
  },
  {
    name: 'destroy',
    synopsis: 'destroy NAME',
    summary: 'stop a domain immediately (like pulling the plug)',
    flags: [],
    args: 1,
    async run(ctx) {
      const conn = await ctx.connect();
      const name = ctx.args[0]!;
      await conn.destroy(name);
      process.stdout.write(`Domain '${name}' destroyed\n\n`);
      return 0;
    },
  },
  {
    name: 'console',
    synopsis: 'console NAME',
    summary: "attach to a running domain's serial console (Ctrl-] leaves)",
    flags: [],
    args: 1,
    async run(ctx) {
      return consoleSession(await ctx.connect(), ctx.args[0]!);
    },
  },
  {
    name: '_run',
    synopsis: '_run NAME',
    summary: 'supervise one guest (internal)',
    flags: [],
    args: 1,
    hidden: true,
    run: (ctx) => runSupervisor(ctx.uri, ctx.args[0]!),
  },
];
