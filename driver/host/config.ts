// The host's bhyve-tui settings: CONFIGDIR/bhyve-tui.json (/usr/local/etc/bhyve-tui/ on
// FreeBSD). Every key is optional; a file that does not parse is reported, never half-used.
import path from 'node:path';
import type {HostLayout} from './layout.js';
import {BoundedReadError, readBoundedText} from '../io/bounded-read.js';

export interface HostConfig {
  console: {
    /** escape character in hat notation, as virsh's -e: '^]' */
    escape: string;
    /** scrollback the daemon keeps per running guest */
    scrollbackKiB: number;
    /** a console log is rotated (to NAME.console.log.1) past this size */
    logMaxKiB: number;
  };
}

export const defaultHostConfig: HostConfig = {console: {escape: '^]', scrollbackKiB: 256, logMaxKiB: 1024}};

export function hostConfigPath(layout: HostLayout): string {
  return path.join(layout.configDir, 'bhyve-tui.json');
}

/**
 * The bounds of each number, chosen so that whatever is accepted can be held: the scrollback
 * is a per-guest buffer in the daemon, replayed to each client that attaches; a log past
 * logMaxKiB is rotated, so two of them are on disk per guest. Whole KiB only (a fraction
 * would make a buffer whose size is not a whole number of bytes).
 */
const hostConfigLimits = {
  scrollbackKiB: {min: 1, max: 64 * 1024},
  logMaxKiB: {min: 16, max: 1024 * 1024},
} as const;

/** The settings file is a few lines of JSON; anything larger is refused unread. */
const maxConfigBytes = 64 * 1024;

export function readHostConfig(layout: HostLayout): {config: HostConfig; error?: string} {
  const file = hostConfigPath(layout);
  let raw: unknown;
  try {
    raw = JSON.parse(readBoundedText(file, {maxBytes: maxConfigBytes}));
  } catch (e) {
    if (e instanceof BoundedReadError && e.code === 'ENOENT') return {config: defaultHostConfig};
    return {config: defaultHostConfig, error: `${e instanceof BoundedReadError ? e.message : `${file}: ${(e as Error).message}`}; using the defaults`};
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return {config: defaultHostConfig, error: `${file}: not a JSON object; using the defaults`};
  }
  const given = (raw as {console?: unknown}).console;
  const c = (given !== null && typeof given === 'object' && !Array.isArray(given) ? given : {}) as Partial<Record<keyof HostConfig['console'], unknown>>;
  const problems: string[] = [];
  const num = (key: keyof typeof hostConfigLimits) => {
    const v = c[key];
    const d = defaultHostConfig.console[key];
    if (v === undefined) return d;
    const {min, max} = hostConfigLimits[key];
    if (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max) return v;
    problems.push(`console.${key} must be a whole number from ${min} to ${max}, not ${JSON.stringify(v)?.slice(0, 40)}; using ${d}`);
    return d;
  };
  const config: HostConfig = {
    console: {
      escape: typeof c.escape === 'string' ? c.escape : defaultHostConfig.console.escape,
      scrollbackKiB: num('scrollbackKiB'),
      logMaxKiB: num('logMaxKiB'),
    },
  };
  return problems.length ? {config, error: `${file}: ${problems.join('; ')}`} : {config};
}
