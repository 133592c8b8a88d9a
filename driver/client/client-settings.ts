// The user's own bhyve-tui settings, on the machine the TUI runs on (a laptop as well as a
// bhyve host): $XDG_CONFIG_HOME/bhyve-tui/bhyve-tui.json, else ~/.config/bhyve-tui/. Its
// `connections` list names the hosts the TUI shows, and `-c NAME` picks one of them:
//   {"connections": [{"name": "nyc1", "uri": "bhyve+ssh://root@nyc1.example/system"}]}
// A file that does not parse is reported in one line, never half-used.
import os from 'node:os';
import path from 'node:path';
import {DriverError} from './connection.js';
import {parseConnectionUri} from './connection-uri.js';
import {BoundedReadError, readBoundedText} from '../io/bounded-read.js';

export interface NamedConnection {
  name: string;
  uri: string;
}

export function clientSettingsPath(env: NodeJS.ProcessEnv = process.env): string {
  const config = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(os.homedir(), '.config');
  return path.join(config, 'bhyve-tui', 'bhyve-tui.json');
}

/** A host's name in the list: short, printable, and never mistaken for a URI. */
const namePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The `connections` list; none when the file does not exist. Throws a one-line DriverError naming the file. */
export function readConnections(env: NodeJS.ProcessEnv = process.env): NamedConnection[] {
  const file = clientSettingsPath(env);
  let text: string;
  try {
    text = readBoundedText(file, {maxBytes: 256 * 1024});
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new DriverError(e instanceof BoundedReadError ? `cannot read ${e.message}` : `cannot read ${file}: ${(e as Error).message}`);
  }
  const bad = (what: string) =>
    new DriverError(`${file}: ${what}; fix it, e.g. {"connections": [{"name": "nyc1", "uri": "bhyve+ssh://root@nyc1.example/system"}]}`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw bad(`not JSON (${(e as Error).message})`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw bad('not a JSON object');
  const list = (raw as {connections?: unknown}).connections;
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw bad('"connections" is not a list');
  const seen = new Set<string>();
  return list.map((entry, i) => {
    const e = (entry ?? {}) as {name?: unknown; uri?: unknown};
    if (typeof e.name !== 'string' || !namePattern.test(e.name)) throw bad(`connection ${i + 1} needs a "name" of letters, digits, '.', '_', '-' (at most 64)`);
    if (seen.has(e.name)) throw bad(`the name '${e.name}' is given twice`);
    seen.add(e.name);
    if (typeof e.uri !== 'string') throw bad(`connection '${e.name}' needs a "uri"`);
    try {
      parseConnectionUri(e.uri);
    } catch (err) {
      throw bad(`connection '${e.name}': ${(err as Error).message}`);
    }
    return {name: e.name, uri: e.uri};
  });
}

/** `-c` takes a URI, or the name of a connection in the settings file. */
export function resolveConnection(given: string, env: NodeJS.ProcessEnv = process.env): string {
  if (given.includes('://')) return given;
  const found = readConnections(env).find((c) => c.name === given);
  if (!found)
    throw new DriverError(
      `no connection named '${given}' in ${clientSettingsPath(env)}: give a URI (e.g. bhyve+ssh://root@HOST/system) or add it to "connections" there`,
    );
  return found.uri;
}
