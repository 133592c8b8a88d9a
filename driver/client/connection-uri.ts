// Connection URIs in libvirt's grammar: driver[+transport]://[user@][host][:port]/path[?query].
// bhyve:///system is the real local host; sim:///DIR is a simulated host rooted at DIR.
import os from 'node:os';
import path from 'node:path';
import {DriverError} from './connection.js';

export interface ParsedUri {
  driver: 'bhyve' | 'sim';
  transport?: string;
  user?: string;
  host?: string;
  port?: number;
  path: string;
}

const uriPattern = /^([a-z][a-z0-9]*)(?:\+([a-z0-9]+))?:\/\/(?:([^@/]*)@)?([^/:]*)(?::(\d+))?(\/[^?#]*)?(?:\?[^#]*)?$/i;

/** Longer than any path a host can open (PATH_MAX is 1024 on FreeBSD), with room for the rest. */
export const MAX_URI_LENGTH = 4096;

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
    throw new DriverError(`invalid connection URI '${uri}': expected e.g. bhyve:///system or sim:///PATH`);
  }
  const [, driver = '', transport, user, host, port, rawPath = ''] = m;
  if (driver !== 'bhyve' && driver !== 'sim') {
    throw new DriverError(`unsupported connection URI '${uri}': the driver must be 'bhyve' or 'sim'`);
  }
  const parsed: ParsedUri = {driver, path: percentDecoded(uri, rawPath)};
  if (transport) parsed.transport = transport;
  if (user) parsed.user = percentDecoded(uri, user);
  if (host) parsed.host = host;
  if (port) parsed.port = Number(port);
  if (driver === 'bhyve' && !host && parsed.path !== '/system') {
    throw new DriverError(`unsupported connection URI '${uri}': the local bhyve driver is bhyve:///system`);
  }
  if (driver === 'sim' && (host || transport)) {
    throw new DriverError(`unsupported connection URI '${uri}': a simulated host is local only (sim:///PATH)`);
  }
  if (driver === 'sim') {
    const problem = simPathProblem(rawPath, parsed.path);
    if (problem) throw new DriverError(`invalid connection URI '${uri}': ${problem}`);
  }
  if (transport || host) {
    throw new DriverError(`remote connections ('${uri}') are not supported yet; run bhyve-tui on the host itself`);
  }
  return parsed;
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
