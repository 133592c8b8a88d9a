// bhyve-tui's command line: with no command it opens the TUI; otherwise virsh-style verbs.
import {DriverError, type Connection, type DomainSummary} from '../driver/connection.js';
import {defaultConnectionUri} from '../driver/connection-uri.js';
import {openConnection} from '../driver/local-connection.js';
import {attachConsole} from '../driver/console-attach.js';
import {GuestSupervisor} from '../driver/guest-supervisor.js';
import {HostLayout} from '../driver/host-layout.js';
import {parseConnectionUri} from '../driver/connection-uri.js';
import path from 'node:path';
import pkg from '../package.json' with {type: 'json'};

const usage = `Usage: bhyve-tui [-c URI] [COMMAND [ARGS]]

With no command, opens the terminal UI.

Commands:
  list [--all] [--json]   list running domains (--all: every defined domain)
  start NAME [--console]  start a domain (and attach to its console)
  destroy NAME            stop a domain immediately (like pulling the plug)
  console NAME            attach to a running domain's serial console (Ctrl-] leaves)
  version                 print the version

Options:
  -c, --connect URI       host to manage: bhyve:///system (the local FreeBSD host)
                          or sim:///DIR (a simulated host rooted at DIR).
                          Default: $BHYVE_TUI_DEFAULT_URI, else bhyve:///system on
                          FreeBSD and a simulated host elsewhere.
  -h, --help              show this help
`;

class UsageError extends Error {}

interface Parsed {
  uri: string;
  command: string | undefined;
  args: string[];
  flags: Set<string>;
}

const knownFlags: Record<string, string[]> = {
  list: ['--all', '--json', '--inactive', '--name'],
  start: ['--console'],
  destroy: [],
  console: [],
  version: [],
  _run: [],
};

function parseArgs(argv: string[]): Parsed {
  let uri: string | undefined;
  let command: string | undefined;
  const args: string[] = [];
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-c' || a === '--connect') {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`option ${a} needs a URI, e.g. ${a} sim:///tmp/bhyve-sim`);
      uri = v;
    } else if (a.startsWith('--connect=')) {
      uri = a.slice('--connect='.length);
    } else if (a === '-h' || a === '--help') {
      flags.add('--help');
    } else if (a === '--') {
      args.push(...argv.slice(i + 1));
      break;
    } else if (a.startsWith('-') && a !== '-') {
      flags.add(a);
    } else if (command === undefined) {
      command = a;
    } else {
      args.push(a);
    }
  }
  if (command !== undefined && !(command in knownFlags)) {
    throw new UsageError(`unknown command '${command}'; run 'bhyve-tui --help' for the list`);
  }
  for (const f of flags) {
    if (f === '--help') continue;
    if (command === undefined || !knownFlags[command]!.includes(f)) {
      throw new UsageError(`unknown option '${f}'${command ? ` for '${command}'` : ''}; run 'bhyve-tui --help'`);
    }
  }
  return {uri: uri ?? defaultConnectionUri(), command, args, flags};
}

function oneName(p: Parsed): string {
  if (p.args.length !== 1) throw new UsageError(`'${p.command}' needs exactly one domain name, e.g. bhyve-tui ${p.command} web1`);
  return p.args[0]!;
}

function listTable(domains: DomainSummary[]): string {
  const rows = domains.map((d) => [d.pid ? String(d.pid) : '-', d.name, d.state]);
  const w0 = Math.max(2, ...rows.map((r) => r[0]!.length));
  const w1 = Math.max(4, ...rows.map((r) => r[1]!.length));
  const line = (r: string[]) => ` ${r[0]!.padEnd(w0)}   ${r[1]!.padEnd(w1)}   ${r[2]}`.trimEnd();
  const header = line(['Id', 'Name', 'State']);
  const out = [header, '-'.repeat(header.length + 3), ...rows.map(line)];
  return out.join('\n') + '\n\n';
}

async function consoleCommand(conn: Connection, name: string): Promise<number> {
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
  process.on('SIGHUP', () => {});
  return sup.run();
}

async function main(argv: string[]): Promise<number> {
  const p = parseArgs(argv);
  if (p.flags.has('--help')) {
    process.stdout.write(usage);
    return 0;
  }
  if (p.command === 'version') {
    process.stdout.write(`bhyve-tui ${pkg.version}\n`);
    return 0;
  }
  if (p.command === '_run') return runSupervisor(p.uri, oneName(p));
  const conn = await openConnection(p.uri);
  try {
    switch (p.command) {
      case undefined: {
        const {runTui} = await import('./tui.js');
        await runTui(conn);
        return 0;
      }
      case 'list': {
        if (p.args.length > 0) throw new UsageError(`'list' takes no arguments`);
        const all = await conn.listDomains();
        const shown = p.flags.has('--all') ? all : p.flags.has('--inactive') ? all.filter((d) => d.state !== 'running') : all.filter((d) => d.state === 'running' || d.state === 'bootloader');
        if (p.flags.has('--json')) process.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
        else if (p.flags.has('--name')) process.stdout.write(shown.map((d) => `${d.name}\n`).join('') + '\n');
        else process.stdout.write(listTable(shown));
        return 0;
      }
      case 'start': {
        const name = oneName(p);
        await conn.start(name);
        process.stdout.write(`Domain '${name}' started\n\n`);
        if (p.flags.has('--console')) return consoleCommand(conn, name);
        return 0;
      }
      case 'destroy': {
        const name = oneName(p);
        await conn.destroy(name);
        process.stdout.write(`Domain '${name}' destroyed\n\n`);
        return 0;
      }
      case 'console':
        return consoleCommand(conn, oneName(p));
      default:
        throw new UsageError(`unknown command '${p.command}'`);
    }
  } finally {
    conn.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof UsageError) {
      process.stderr.write(`error: ${e.message}\n`);
      process.exitCode = 2;
    } else if (e instanceof DriverError) {
      process.stderr.write(`error: ${e.message}\n`);
      if (e.detail) process.stderr.write(e.detail.replace(/^/gm, '  ') + '\n');
      process.exitCode = 1;
    } else {
      process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    }
  },
);
