// The one implementation of every verb: the table of CommandSpecs, the parser of their
// arguments, and the runner the TUI's `:` line uses. The CLI (cli.tsx) prints what a verb
// prints; the TUI runs the same verb on its own connection and shows the same text, so
// `:dumpxml web1` and `bhyve-tui dumpxml web1` cannot drift apart.
import {DriverError, type Connection} from '../driver/client/connection.js';
import {UsageError, type CommandContext, type CommandSpec} from './command-spec.js';
import {lifecycleCommands} from './commands-lifecycle.js';
import {xmlCommands} from './commands-xml.js';
import {hostCommands} from './commands-host.js';
import {editCommands} from './commands-edit.js';
import {proxyCommands} from './commands-proxy.js';
import pkg from '../package.json' with {type: 'json'};

const versionCommand: CommandSpec = {
  name: 'version',
  synopsis: 'version',
  summary: 'print the version',
  flags: [],
  args: 0,
  async run(ctx) {
    ctx.print(`bhyve-tui ${pkg.version}\n`);
    return 0;
  },
};

export const commands: CommandSpec[] = [...lifecycleCommands, ...xmlCommands, ...editCommands, ...hostCommands, ...proxyCommands, versionCommand];

export interface ParsedCommandLine {
  /** each -c / --connect given, in order (a URI, or a name from the settings' connections) */
  uris: string[];
  help: boolean;
  command: CommandSpec | undefined;
  args: string[];
  flags: Map<string, string | true>;
}

/** bhyve-tui's arguments: options, a verb and its flags and arguments, checked against its spec. */
export function parseCommandLine(argv: readonly string[]): ParsedCommandLine {
  const uris: string[] = [];
  let command: CommandSpec | undefined;
  let help = false;
  const args: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-c' || a === '--connect') {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`option ${a} needs a URI, e.g. ${a} sim:///tmp/bhyve-sim`);
      uris.push(v);
    } else if (a.startsWith('--connect=')) {
      uris.push(a.slice('--connect='.length));
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
      const what =
        max === 0
          ? 'takes no arguments'
          : min === max
            ? `needs exactly ${min === 1 ? 'one argument' : `${min} arguments`}`
            : `needs ${min} to ${max} arguments`;
      throw new UsageError(`'${command.name}' ${what}; usage: bhyve-tui ${command.synopsis}`);
    }
  }
  if (command && uris.length > 1) throw new UsageError(`'${command.name}' acts on one host: give -c once (several -c are for the TUI)`);
  return {uris, help, command, args, flags};
}

/** What `bhyve-tui VERB --help` prints. */
export function commandHelp(command: CommandSpec): string {
  return `Usage: bhyve-tui [-c URI] ${command.synopsis}\n\n${command.summary}\n`;
}

/**
 * A verb typed on the TUI's `:` line (argv without the program name), run on the TUI's
 * connection: resolves with what `bhyve-tui VERB ...` prints on stdout, with its warnings
 * after it; rejects with the error the CLI would print (a DriverError, or a UsageError).
 */
export async function runVerbOn(connection: Connection, argv: readonly string[], options: {shutdownTimeoutS?: number} = {}): Promise<string> {
  const verb = argv[0] ?? '';
  if (!commands.some((c) => c.name === verb)) throw new UsageError(`unknown command '${verb}' — ? lists the commands`);
  const p = parseCommandLine(argv);
  const command = p.command!;
  if (p.uris.length > 0) throw new UsageError(`the TUI is connected to ${connection.uri}; -c works on the command line only`);
  if (p.help) return commandHelp(command);
  const instead = command.needsTerminal?.(p.flags);
  if (instead !== undefined) throw new UsageError(`':${argv.join(' ')}' needs the terminal to itself; in the TUI, ${instead}`);
  // `t` and `:shutdown` wait the same time before the forced power-off.
  if (command.name === 'shutdown' && options.shutdownTimeoutS !== undefined && !p.flags.has('--timeout'))
    p.flags.set('--timeout', String(options.shutdownTimeoutS));
  let out = '';
  const notes: string[] = [];
  const ctx: CommandContext = {
    uri: connection.uri,
    args: p.args,
    flags: p.flags,
    connect: async () => connection,
    print: (text) => {
      out += text;
    },
    note: (line) => {
      notes.push(line);
    },
  };
  const status = await command.run(ctx);
  if (status !== 0) {
    const error = notes.find((l) => l.startsWith('error: ')) ?? notes.at(-1);
    throw new DriverError(error?.replace(/^error: /, '') ?? `'${verb}' failed (exit status ${status})`, out.trimEnd() || undefined, status);
  }
  return notes.length === 0 ? out : `${out}${notes.join('\n')}\n`;
}
