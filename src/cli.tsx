// bhyve-tui's command line: with no command it opens the TUI; otherwise virsh-style verbs.
import {DriverError} from '../driver/client/connection.js';
import {defaultConnectionUri} from '../driver/client/connection-uri.js';
import {readConnections, resolveConnection} from '../driver/client/client-settings.js';
import {hostNameOf, hostNamesOf} from '../ui/app/hosts.js';
import {openConnection, type DaemonConnection} from '../driver/client/daemon-client.js';
import type {EarlyStart} from './early-start.js';
import {UsageError, type CommandContext} from './command-spec.js';
import {commandHelp, commands, parseCommandLine} from './verbs.js';

function usage(): string {
  const visible = commands.filter((c) => !c.hidden);
  // A long synopsis gets its summary on the next line rather than widening every row.
  const width = Math.min(46, Math.max(...visible.map((c) => c.synopsis.length)) + 2);
  return `Usage: bhyve-tui [-c URI]... [COMMAND [ARGS]]

With no command, opens the terminal UI: on every -c given, else on the hosts in
~/.config/bhyve-tui/bhyve-tui.json's "connections", else on the default host.

Commands:
${visible.map((c) => (c.synopsis.length + 2 > width ? `  ${c.synopsis}\n  ${''.padEnd(width)}${c.summary}` : `  ${c.synopsis.padEnd(width)}${c.summary}`)).join('\n')}

Options:
  -c, --connect URI   host to manage: bhyve:///system (the local FreeBSD host),
                      bhyve+ssh://[USER@]HOST[:PORT]/system (another one, over
                      ssh), sim:///DIR (a simulated host rooted at DIR), or the
                      name of a connection in ~/.config/bhyve-tui/bhyve-tui.json.
                      Give it several times to see several hosts in the TUI.
                      A command takes one. Default: $BHYVE_TUI_DEFAULT_URI, else bhyve:///system on
                      FreeBSD and a simulated host elsewhere.
  -h, --help          show this help
`;
}

/**
 * The hosts the TUI shows: every -c (a URI or a settings name), else the settings file's
 * connections, else the default URI. A settings name is the host's name; a URI is named
 * after its host.
 */
function tuiHosts(given: readonly string[]): {name: string; uri: string}[] {
  if (given.length === 0) {
    const named = readConnections();
    return named.length > 0 ? named : [{name: hostNameOf(defaultConnectionUri()), uri: defaultConnectionUri()}];
  }
  const uris = given.map((g) => resolveConnection(g));
  const fromUris = hostNamesOf(uris);
  return given.map((g, i) => ({name: g.includes('://') ? fromUris[i]! : g, uri: uris[i]!}));
}

async function main(argv: string[], early: EarlyStart | undefined): Promise<number> {
  const p = parseCommandLine(argv);
  if (p.help) {
    process.stdout.write(p.command ? commandHelp(p.command) : usage());
    return 0;
  }
  if (!p.command) {
    const hosts = early ? [{name: hostNameOf(early.connection.uri), uri: early.connection.uri}] : tuiHosts(p.uris);
    if (hosts.length > 1 || !hosts[0]) {
      // Each host connects, and reconnects, on its own while the TUI runs.
      const {runTui} = await import('./tui.js');
      await runTui(hosts.map((h) => ({...h, connect: () => openConnection(h.uri)})));
      return 0;
    }
    const only = hosts[0];
    // Start-up: the daemon lists the domains while Ink loads (or the launcher's first frame
    // is on the screen already, and Ink starts from its data).
    const connected =
      early?.connection ??
      openConnection(only.uri).then((c) => {
        c.prefetch();
        return c;
      });
    Promise.resolve(connected).catch(() => {}); // reported by runTui, once Ink has loaded
    const {runTui} = await import('./tui.js');
    try {
      await runTui([{...only, connect: async () => connected}], early?.shown);
    } finally {
      void Promise.resolve(connected).then(
        (c) => c.close(),
        () => {},
      );
    }
    return 0;
  }
  const uri = p.uris[0] === undefined ? defaultConnectionUri() : resolveConnection(p.uris[0]);
  let conn: DaemonConnection | undefined;
  const ctx: CommandContext = {
    uri,
    args: p.args,
    flags: p.flags,
    connect: async () => (conn ??= await openConnection(uri)),
    print: (text) => process.stdout.write(text),
    note: (line) => process.stderr.write(`${line}\n`),
  };
  try {
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
