// Connection URIs in libvirt's grammar: driver[+transport]://[user@][host][:port]/path[?query].
// bhyve:///system is the real local host; sim:///DIR is a simulated host rooted at DIR.
import os from 'node:os';
import path from 'node:path';
import {DriverError} from './connection.js';

export interface ParsedUri {
  driver: 'bhyve' | 'sim';
  /** unset: the local host's daemon at its own socket */
  transport?: 'ssh' | 'unix';
  user?: string;
  host?: string;
  port?: number;
  path: string;
  /** the query's options, as libvirt names them; only those given */
  options?: UriOptions;
}

/** libvirt's URI parameters that apply to bhyve-tui (https://libvirt.org/uri.html#transport-configuration). */
interface UriOptions {
  /** ssh: the private key (ssh -i) */
  keyfile?: string;
  /** ssh: the known_hosts file to check the host key against */
  known_hosts?: string;
  /** ssh: do not check the host key (off unless given as 1) */
  no_verify?: boolean;
  /** ssh: the bhyve-tui program on the remote host (default: bhyve-tui on its PATH) */
  command?: string;
  /** unix, ssh: the daemon's socket (on the remote host for ssh) */
  socket?: string;
}

const optionNames = ['keyfile', 'known_hosts', 'no_verify', 'command', 'socket'] as const;
type OptionName = (typeof optionNames)[number];
const optionTransports: Record<OptionName, readonly ('ssh' | 'unix')[]> = {
  keyfile: ['ssh'],
  known_hosts: ['ssh'],
  no_verify: ['ssh'],
  command: ['ssh'],
  socket: ['ssh', 'unix'],
};

const uriPattern = /^([a-z][a-z0-9]*)(?:\+([a-z0-9]+))?:\/\/(?:([^@/?#]*)@)?(\[[^\]/?#]*\]|[^/:?#]*)(?::([^/?#]*))?(\/[^?#]*)?(?:\?([^#]*))?$/i;

/** Longer than any path a host can open (PATH_MAX is 1024 on FreeBSD), with room for the rest. */
export const MAX_URI_LENGTH = 4096;

/** A host name (RFC 1123 labels) or an IP address; never something ssh could read as an option. */
const hostNamePattern = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;
const ipv6Pattern = /^[0-9A-Fa-f:.]{2,45}$/;
/** A login name as FreeBSD's pw(8) allows it, less a leading '-' (it would be an ssh option). */
const userPattern = /^[A-Za-z0-9._][A-Za-z0-9._-]{0,31}$/;

export function parseConnectionUri(uri: string): ParsedUri {
  // Checked first, so that every message below quotes a URI that is one short line.
  if (uri.length > MAX_URI_LENGTH) {
    throw new DriverError(`invalid connection URI: ${uri.length} characters long (at most ${MAX_URI_LENGTH})`);
  }
  if (/[\x00-\x1f\x7f]/.test(uri)) {
    throw new DriverError(`invalid connection URI ${JSON.stringify(uri)}: control characters are not allowed`);
  }
  const m = uriPattern.exec(uri);
  if (!m) {
    throw new DriverError(`invalid connection URI '${uri}': expected e.g. bhyve:///system, bhyve+ssh://root@HOST/system or sim:///PATH`);
  }
  const [, driver = '', transport, rawUser, rawHost = '', rawPort, rawPath = '', query] = m;
  if (driver !== 'bhyve' && driver !== 'sim') {
    throw new DriverError(`unsupported connection URI '${uri}': the driver must be 'bhyve' or 'sim'`);
  }
  if (transport !== undefined && transport !== 'ssh' && transport !== 'unix') {
    throw new DriverError(
      `unsupported connection URI '${uri}': the transport '${transport}' is not one bhyve-tui has; use ${driver}+ssh:// or ${driver}+unix://`,
    );
  }
  const parsed: ParsedUri = {driver, path: percentDecoded(uri, rawPath)};
  if (transport) parsed.transport = transport;
  const bad = (what: string) => new DriverError(`invalid connection URI '${uri}': ${what}`);
  if (rawUser !== undefined) {
    const user = percentDecoded(uri, rawUser);
    if (!userPattern.test(user)) throw bad(`the user name '${user}' is not a login name (letters, digits, '.', '_', '-'; not starting with '-')`);
    parsed.user = user;
  }
  if (transport === undefined && (rawHost !== '' || rawUser !== undefined)) {
    throw new DriverError(
      driver === 'sim'
        ? `unsupported connection URI '${uri}': a simulated host on this machine is sim:///PATH (three slashes); on another machine, sim+ssh://HOST/PATH`
        : `unsupported connection URI '${uri}': a host needs a transport; bhyve-tui reaches other hosts over ssh: ${driver}+ssh://${uri.slice(uri.indexOf('://') + 3)}`,
    );
  }
  if (rawHost !== '') {
    const host = rawHost.startsWith('[') ? rawHost.slice(1, -1) : percentDecoded(uri, rawHost);
    if (rawHost.startsWith('[') ? !ipv6Pattern.test(host) || !host.includes(':') : !hostNamePattern.test(host)) {
      throw bad(`the host '${host}' is not a host name or an IP address`);
    }
    parsed.host = host;
  }
  if (rawPort !== undefined) {
    const port = /^\d{1,5}$/.test(rawPort) ? Number(rawPort) : Number.NaN;
    if (!(port >= 1 && port <= 65535)) throw bad(`the port '${rawPort}' is not a number from 1 to 65535`);
    if (parsed.host === undefined) throw bad('a port needs a host');
    parsed.port = port;
  }
  if (query !== undefined && query !== '') parsed.options = parseOptions(uri, query, transport);
  if (transport === 'ssh') {
    if (parsed.host === undefined) throw bad(`${driver}+ssh:// needs a host, e.g. ${driver}+ssh://root@HOST${driver === 'bhyve' ? '/system' : '/PATH'}`);
  } else if (parsed.host !== undefined || parsed.user !== undefined) {
    throw new DriverError(`unsupported connection URI '${uri}': ${driver}+unix:// is a local socket and has no host; for another host use ${driver}+ssh://`);
  }
  if (driver === 'bhyve' && parsed.path !== '/system') {
    throw new DriverError(
      `unsupported connection URI '${uri}': the bhyve driver's path is /system, e.g. ${transport === 'ssh' ? 'bhyve+ssh://root@HOST/system' : 'bhyve:///system'}`,
    );
  }
  if (driver === 'sim') {
    const problem = simPathProblem(rawPath, parsed.path);
    if (problem) throw bad(problem);
  }
  return parsed;
}

/** `a=b&c=d`: each name one libvirt gives for this transport, each value percent-decoded. */
function parseOptions(uri: string, query: string, transport: string | undefined): UriOptions {
  const options: UriOptions = {};
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = percentDecoded(uri, eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? '' : percentDecoded(uri, pair.slice(eq + 1).replace(/\+/g, ' '));
    const known = (optionNames as readonly string[]).includes(name) ? (name as OptionName) : undefined;
    if (!known) throw new DriverError(`invalid connection URI '${uri}': unknown parameter '${name}' (bhyve-tui knows ${optionNames.join(', ')})`);
    const where = optionTransports[known];
    if (!where.includes(transport as 'ssh' | 'unix')) {
      throw new DriverError(`invalid connection URI '${uri}': the parameter '${known}' applies to ${where.map((t) => `+${t}`).join(' and ')} URIs only`);
    }
    if (known in options) throw new DriverError(`invalid connection URI '${uri}': the parameter '${known}' is given twice`);
    if (known === 'no_verify') {
      if (value !== '0' && value !== '1') throw new DriverError(`invalid connection URI '${uri}': no_verify is 0 or 1, not '${value}'`);
      options.no_verify = value === '1';
      continue;
    }
    if (value === '') throw new DriverError(`invalid connection URI '${uri}': the parameter '${known}' needs a value`);
    // ssh reads these from its own option syntax: whitespace or a quote would split them.
    if ((known === 'keyfile' || known === 'known_hosts') && /[\s"'\\]/.test(value)) {
      throw new DriverError(
        `invalid connection URI '${uri}': the ${known} path '${value}' has a space, quote or backslash, which ssh would split: use a path without them`,
      );
    }
    if (known === 'socket' && !value.startsWith('/')) throw new DriverError(`invalid connection URI '${uri}': the socket '${value}' must be an absolute path`);
    options[known] = value;
  }
  return options;
}

/**
 * Why a sim:// path cannot be a simulated host's directory, if it cannot. The simulator
 * writes its stand-ins at FreeBSD's paths below that directory, so it must be one of its
 * own: not the filesystem root, and not reached through '..' (sim:///nonexistent/.. is '/').
 * Links are looked at where the directory is used (inspectSimRoot, driver/sim/sim-root.ts).
 */
function simPathProblem(rawPath: string, decoded: string): string | undefined {
  const example = 'e.g. sim:///tmp/bhyve-sim';
  if (decoded === '') return `give the simulated host's directory, ${example}`;
  if (decoded.includes('\0')) return `the simulated host's directory contains a NUL byte; give a directory of its own, ${example}`;
  // Both forms: '%2e%2e' is '..' once decoded, and '%2F' makes a '/' of its own.
  if ([rawPath, decoded].some((p) => p.split('/').includes('..'))) {
    return `the simulated host's directory may not contain '..'; give a directory of its own, ${example}`;
  }
  if (path.posix.resolve(decoded) === '/') return `that is the filesystem root; give the simulated host a directory of its own, ${example}`;
  return undefined;
}

/** %XX escapes decoded; a malformed one is the URI's error, not a URIError. */
function percentDecoded(uri: string, part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new DriverError(`invalid connection URI '${uri}': a '%' must be followed by two hex digits of UTF-8`);
  }
}

/** Where the simulated host lives when nothing else is said: under the user's state directory. */
function defaultSimRoot(env: NodeJS.ProcessEnv = process.env): string {
  const state = env.XDG_STATE_HOME && path.isAbsolute(env.XDG_STATE_HOME) ? env.XDG_STATE_HOME : path.join(os.homedir(), '.local', 'state');
  return path.join(state, 'bhyve-tui', 'sim');
}

/** The URI used without -c: $BHYVE_TUI_DEFAULT_URI, else the real host on FreeBSD, else the simulator. */
export function defaultConnectionUri(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const fromEnv = env.BHYVE_TUI_DEFAULT_URI;
  if (fromEnv && fromEnv.trim() !== '') return fromEnv.trim();
  if (platform === 'freebsd') return 'bhyve:///system';
  return `sim://${defaultSimRoot(env)}`;
}

const encodedPath = (p: string) => p.split('/').map(encodeURIComponent).join('/');

/** The host's own local URI, without transport or options (sim+unix:///D is sim:///D). */
export function ownUri(p: ParsedUri): string {
  return `${p.driver}://${encodedPath(p.path)}`;
}

/**
 * For an ssh URI, the URI the bhyve-tui on the far end serves: the same host, local to it
 * (bhyve+ssh://root@h/system → bhyve:///system; sim+ssh://h/DIR → sim:///DIR; with
 * socket=, its +unix form).
 */
export function farEndUri(p: ParsedUri): string {
  const local = p.options?.socket ? `${p.driver}+unix://${encodedPath(p.path)}` : ownUri(p);
  return p.options?.socket ? `${local}?socket=${encodeURIComponent(p.options.socket)}` : local;
}
