// bhyve-tui's command line: with no command it opens the TUI; otherwise virsh-style verbs.
import {DriverError} from '../driver/client/connection.js';
import {defaultConnectionUri} from '../driver/client/connection-uri.js';
import {resolveConnection} from '../driver/client/client-settings.js';
import {openConnection, type DaemonConnection} from '../driver/client/daemon-client.js';
import type {EarlyStart} from './early-start.js';
import {UsageError, type CommandContext} from './command-spec.js';
import {commandHelp, commands, parseCommandLine} from './verbs.js';

function usage(): string {
  const visible = commands.filter((c) => !c.hidden);
  // A long synopsis gets its summary on the next line rather than widening every row.
  const width = Math.min(46, Math.max(...visible.map((c) => c.synopsis.length)) + 2);
  return `Usage: bhyve-tui [-c URI] [COMMAND [ARGS]]

With no command, opens the terminal UI.

Commands:
${visible.map((c) => (c.synopsis.length + 2 > width ? `  ${c.synopsis}\n  ${''.padEnd(width)}${c.summary}` : `  ${c.synopsis.padEnd(width)}${c.summary}`)).join('\n')}

Options:
  -c, --connect URI   host to manage: bhyve:///system (the local FreeBSD host),
                      bhyve+ssh://[USER@]HOST[:PORT]/system (another one, over
                      ssh), sim:///DIR (a simulated host rooted at DIR), or the
                      name of a connection in ~/.config/bhyve-tui/bhyve-tui.json.
                      Default: $BHYVE_TUI_DEFAULT_URI, else bhyve:///system on
                      FreeBSD and a simulated host elsewhere.
  -h, --help          show this help
`;
}

async function main(argv: string[], early: EarlyStart | undefined): Promise<number> {
  const p = parseCommandLine(argv);
  const uri = p.uris[0] === undefined ? defaultConnectionUri() : resolveConnection(p.uris[0]);
  // One host per TUI for now: several are refused rather than all but one silently dropped.
  if (!p.command && !p.help && p.uris.length > 1) {
    throw new UsageError('this bhyve-tui shows one host at a time: give -c once (a URI or a connection name)');
  }
  if (p.help) {
    process.stdout.write(p.command ? commandHelp(p.command) : usage());
    return 0;
  }
  let conn: DaemonConnection | undefined = early?.connection;
  const connect = async () => (conn ??= await openConnection(uri));
  const ctx: CommandContext = {
    uri,
    args: p.args,
    flags: p.flags,
    connect,
    print: (text) => process.stdout.write(text),
    note: (line) => process.stderr.write(`${line}\n`),
  };
  try {
    if (!p.command) {
      if (early) {
        // The first frame is on the screen (unless the daemon was slow): Ink starts from its data.
        const {runTui, hostNameOf} = await import('./tui.js');
        await runTui([{name: hostNameOf(uri), uri, connect: async () => early.connection}], early.shown);
        return 0;
      }
      // Start-up: the daemon lists the domains while Ink loads.
      const connected = connect().then((c) => {
        c.prefetch();
        return c;
      });
      connected.catch(() => {}); // reported below, once Ink has loaded
      const {runTui, hostNameOf} = await import('./tui.js');
      await runTui([{name: hostNameOf(uri), uri, connect: async () => connected}]);
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
