// The TUI's first frame, before Ink. Loading Ink and React takes longer than the daemon
// takes to list 1,000 domains, so the launcher connects, lists, and paints the list screen
// with ui/render/first-frame.ts; cli.tsx then mounts Ink on the same connection and data, and
// Ink's first frame lands on an identical screen. Anything unexpected here falls back to
// the ordinary start, which reports errors properly.
import isInCi from 'is-in-ci';
import type {DomainSummary, HostStatus} from '../driver/client/connection.js';
import {defaultConnectionUri} from '../driver/client/connection-uri.js';
import {readConnections} from '../driver/client/client-settings.js';
import {openConnection, type DaemonConnection} from '../driver/client/daemon-client.js';
import {chalkStylist, firstFrameLines} from '../ui/render/first-frame.js';
import {enterFullScreen} from './terminal-restore.js';

export interface EarlyStart {
  connection: DaemonConnection;
  /** what the first frame showed; absent when the daemon was too slow to answer for it */
  shown?: {domains: DomainSummary[]; host: HostStatus | undefined};
}

/** How long the first frame waits for the host status once the list is in (else: "Checking…"). */
const HOST_GRACE_MS = 50;
/** A daemon slower than this to list gets Ink's "Loading domains…" screen, not a blank one. */
const LIST_WAIT_MS = 1000;

const after = async <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

/**
 * The URI when argv opens the TUI on one host (one -c URI, or none and no hosts in the
 * settings file), else undefined: several hosts, or a connection named in the settings,
 * start the ordinary way (which resolves the name, or says why not).
 */
function tuiUri(argv: readonly string[]): string | undefined {
  const given: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index]!;
    if ((arg === '-c' || arg === '--connect') && index + 1 < argv.length) {
      given.push(argv[++index]!);
    } else if (arg.startsWith('--connect=')) {
      given.push(arg.slice('--connect='.length));
    } else {
      return undefined;
    }
  }
  if (given.length > 1 || (given[0] !== undefined && !given[0].includes('://'))) return undefined;
  if (given[0] !== undefined) return given[0];
  // No -c: the hosts in the settings file, if it names any (a file that does not parse is
  // reported by the ordinary start).
  try {
    if (readConnections().length > 0) return undefined;
  } catch {
    return undefined;
  }
  return defaultConnectionUri();
}

export async function earlyStart(argv: readonly string[]): Promise<EarlyStart | undefined> {
  const uri = tuiUri(argv);
  // Ink draws nothing in CI; neither does this.
  if (uri === undefined || !process.stdin.isTTY || !process.stdout.isTTY || isInCi) {
    return undefined;
  }

  let connection: DaemonConnection | undefined;
  try {
    // Connecting may mean starting the daemon, which can take seconds: Ctrl-C still works.
    connection = await openConnection(uri);
    // From here on, keys wait in the terminal for Ink instead of being echoed.
    process.stdin.setRawMode(true);
    const hostAnswer = connection.hostStatus();
    hostAnswer.catch(() => {});
    const listAnswer = connection.listDomains();
    listAnswer.catch(() => {});
    const domains = await Promise.race([listAnswer, after(LIST_WAIT_MS, undefined)]);
    if (domains === undefined) {
      return {connection};
    }

    const host = await Promise.race([hostAnswer, after(HOST_GRACE_MS, undefined)]).catch(() => undefined);
    const lines = firstFrameLines(
      {
        uri: connection.uri,
        simulated: connection.simulated,
        domains,
        host,
        columns: process.stdout.columns > 0 ? process.stdout.columns : 80,
        rows: process.stdout.rows > 0 ? process.stdout.rows : 24,
        now: Date.now(),
      },
      chalkStylist,
    );
    enterFullScreen();
    // Hidden cursor as under Ink; the cursor goes back home, where Ink starts drawing.
    process.stdout.write(`\u001B[?25l${lines.join('\n')}\u001B[H`);
    return {connection, shown: {domains, host}};
  } catch {
    connection?.close();
    process.stdin.setRawMode(false);
    return undefined;
  }
}
