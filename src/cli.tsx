// bhyve-tui's command line: with no command it opens the TUI; otherwise virsh-style verbs.
import {DriverError} from '../driver/client/connection.js';
import {defaultConnectionUri} from '../driver/client/connection-uri.js';
import {openConnection, type DaemonConnection} from '../driver/client/daemon-client.js';
import type {EarlyStart} from './early-start.js';
import {UsageError, type CommandContext, type CommandSpec} from './command-spec.js';
import {lifecycleCommands} from './commands-lifecycle.js';
import {xmlCommands} from './commands-xml.js';
import {hostCommands} from './commands-host.js';
import pkg from '../package.json' with {type: 'json'};

const versionCommand: CommandSpec = {
  name: 'version',
  synopsis: 'version',
  summary: 'print the version',
  flags: [],
  args: 0,
  async run() {
    process.stdout.write(`bhyve-tui ${pkg.version}\n`);
    return 0;
  },
};

const commands: CommandSpec[] = [...lifecycleCommands, ...xmlCommands, ...hostCommands, versionCommand];

function usage(): string {
  const visible = commands.filter((c) => !c.hidden);
  // A long synopsis gets its summary on the next line rather than widening every row.
  const width = Math.min(46, Math.max(...visible.map((c) => c.synopsis.length)) + 2);
  return `Usage: bhyve-tui [-c URI] [COMMAND [ARGS]]

With no command, opens the terminal UI.

Commands:
${visible.map((c) => (c.synopsis.length + 2 > width ? `  ${c.synopsis}\n  ${''.padEnd(width)}${c.summary}` : `  ${c.synopsis.padEnd(width)}${c.summary}`)).join('\n')}

Options:
  -c, --connect URI   host to manage: bhyve:///system (the local FreeBSD host)
                      or sim:///DIR (a simulated host rooted at DIR).
                      Default: $BHYVE_TUI_DEFAULT_URI, else bhyve:///system on
                      FreeBSD and a simulated host elsewhere.
  -h, --help          show this help
`;
}

interface Parsed {
  uri: string;
  help: boolean;
  command: CommandSpec | undefined;
  args: string[];
  flags: Map<string, string | true>;
}

function parseArgs(argv: string[]): Parsed {
  let uri: string | undefined;
  let command: CommandSpec | undefined;
  let help = false;
  const args: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-c' || a === '--connect') {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`option ${a} needs a URI, e.g. ${a} sim:///tmp/bhyve-sim`);
      uri = v;
    } else if (a.startsWith('--connect=')) {
      uri = a.slice('--connect='.length);
    } else if (a === '-h' || a === '--help') {
      help = true;
    } else if (a === '--') {
      args.push(...argv.slice(i + 1));
      break;
    } else if (a.startsWith('-') && a !== '-') {
      if (!command) throw new UsageError(`unknown option '${a}'; run 'bhyve-tui --help'`);
      const eq = a.indexOf('=');
      const flag = eq > 0 ? a.slice(0, eq) : a;
      const takesValue = command.flags.includes(`${flag}=`);
      if (!takesValue && !command.flags.includes(flag)) {
        throw new UsageError(`unknown option '${flag}' for '${command.name}'; usage: bhyve-tui ${command.synopsis}`);
      }
      if (takesValue) {
        const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
        if (v === undefined) throw new UsageError(`option ${flag} needs a value; usage: bhyve-tui ${command.synopsis}`);
        flags.set(flag, v);
      } else {
        flags.set(flag, true);
      }
    } else if (!command) {
      command = commands.find((c) => c.name === a);
      if (!command) throw new UsageError(`unknown command '${a}'; run 'bhyve-tui --help' for the list`);
    } else {
      args.push(a);
    }
  }
  if (command && !help) {
    const [min, max] = typeof command.args === 'number' ? [command.args, command.args] : command.args;
    if (args.length < min || args.length > max) {
      const what = max === 0 ? 'takes no arguments' : min === max ? `needs exactly ${min === 1 ? 'one argument' : `${min} arguments`}` : `needs ${min} to ${max} arguments`;
      throw new UsageError(`'${command.name}' ${what}; usage: bhyve-tui ${command.synopsis}`);
    }
  }
  return {uri: uri ?? defaultConnectionUri(), help, command, args, flags};
}

async function main(argv: string[], early: EarlyStart | undefined): Promise<number> {
  const p = parseArgs(argv);
  if (p.help) {
    process.stdout.write(p.command ? `Usage: bhyve-tui [-c URI] ${p.command.synopsis}\n\n${p.command.summary}\n` : usage());
    return 0;
  }
  let conn: DaemonConnection | undefined = early?.connection;
  const ctx: CommandContext = {
    uri: p.uri,
    args: p.args,
    flags: p.flags,
    connect: async () => (conn ??= await openConnection(p.uri)),
  };
  try {
    if (!p.command) {
      if (early) {
        // The first frame is on the screen (unless the daemon was slow): Ink starts from its data.
        const {runTui} = await import('./tui.js');
        await runTui(early.connection, early.shown);
        return 0;
      }
      // Start-up: the daemon lists the domains while Ink loads.
      const connected = ctx.connect().then((c) => {
        c.prefetch();
        return c;
      });
      connected.catch(() => {}); // reported below, once Ink has loaded
      const {runTui} = await import('./tui.js');
      await runTui(await connected);
      return 0;
    }
    return await p.command.run(ctx);
  } finally {
    conn?.close();
  }
}

/** Runs the command line (the launcher passes the TUI's first frame data when it drew one). */
export async function runCli(argv: string[], early?: EarlyStart): Promise<void> {
  try {
    process.exitCode = await main(argv, early);
  } catch (e: unknown) {
    process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    if (e instanceof DriverError && e.detail) process.stderr.write(e.detail.replace(/^/gm, '  ') + '\n');
    process.exitCode = e instanceof UsageError ? 2 : 1;
  }
}
