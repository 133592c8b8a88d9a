// The hosts the TUI shows. With one, tui.tsx connects first and the App runs on that
// connection as it always did; with several, each host gets a link (hooks/host-link.ts)
// that connects, retries with back-off and never holds up the others.
import type {Connection} from '../../driver/client/connection.js';
import {parseConnectionUri} from '../../driver/client/connection-uri.js';
import {createHostLink, defaultTimings, type HostLink, type LinkTimings} from '../hooks/host-link.js';

/** A host the TUI shows: its name (the group's header and the messages), URI, and how to reach it. */
export interface TuiHost {
  name: string;
  uri: string;
  /** A new connection on every call: the TUI calls it again after a failure or a lost connection. */
  connect(): Promise<Connection>;
}

export interface HostLinks {
  readonly links: readonly HostLink[];
  get(name: string | undefined): HostLink | undefined;
  /** closes every connection; no more retries */
  stop(): void;
}

/** Starts connecting to every host at once; names must be unique. */
export function createHostLinks(hosts: readonly TuiHost[], timings: Partial<LinkTimings> = {}): HostLinks {
  const names = new Set<string>();
  for (const host of hosts) {
    if (names.has(host.name)) {
      throw new Error(`two hosts are named '${host.name}'`);
    }

    names.add(host.name);
  }

  const links = hosts.map((host) => createHostLink(host, {...defaultTimings, ...timings}));
  const byName = new Map(links.map((link) => [link.host.name, link]));
  return {
    links,
    get: (name) => (name === undefined ? links[0] : byName.get(name)),
    stop() {
      for (const link of links) {
        link.stop();
      }
    },
  };
}

/**
 * A host's name from its URI: the remote host (`nyc2` of bhyve+ssh://root@nyc2/system),
 * `localhost` for bhyve:///system, a simulated host's directory name. A URI that does not
 * parse keeps its text: connecting to it reports what is wrong.
 */
export function hostNameOf(uri: string): string {
  let p;
  try {
    p = parseConnectionUri(uri);
  } catch {
    return uri;
  }
  const dir =
    p.driver === 'sim'
      ? (p.path
          .split('/')
          .filter((part) => part !== '')
          .at(-1) ?? 'sim')
      : undefined;
  if (p.host) return p.transport === 'ssh' && dir ? `${p.host}:${dir}` : p.host;
  return dir ?? 'localhost';
}

/** Names for the hosts of `uris`, each its own: the same name twice gets #2, #3 … */
export function hostNamesOf(uris: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return uris.map((uri) => {
    const name = hostNameOf(uri);
    const n = (seen.get(name) ?? 0) + 1;
    seen.set(name, n);
    return n === 1 ? name : `${name}#${n}`;
  });
}
