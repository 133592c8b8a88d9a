// The host's bhyve-tui settings: CONFIGDIR/bhyve-tui.json (/usr/local/etc/bhyve-tui/ on
// FreeBSD). Every key is optional; a file that does not parse is reported, never half-used.
import fs from 'node:fs';
import path from 'node:path';
import type {HostLayout} from './host-layout.js';

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

/** The settings file is a few lines; a bigger one is refused, not read. */
export const MAX_HOST_CONFIG_BYTES = 64 * 1024;

/**
 * The file's text, read with a bound: something other than a regular file (a FIFO would
 * block the daemon, a device could be endless) or a file over the bound is refused.
 */
function readBounded(file: string): string {
  // O_NONBLOCK: opening a FIFO must not wait for a writer.
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    if (!fs.fstatSync(fd).isFile()) throw new Error('not a regular file');
    const buf = Buffer.alloc(MAX_HOST_CONFIG_BYTES + 1);
    let got = 0;
    for (let n; got < buf.length && (n = fs.readSync(fd, buf, got, buf.length - got, null)) > 0; ) got += n;
    if (got > MAX_HOST_CONFIG_BYTES) throw new Error(`larger than ${MAX_HOST_CONFIG_BYTES / 1024} KiB`);
    return buf.toString('utf8', 0, got);
  } finally {
    fs.closeSync(fd);
  }
}

export function readHostConfig(layout: HostLayout): {config: HostConfig; error?: string} {
  let raw: unknown;
  try {
    raw = JSON.parse(readBounded(hostConfigPath(layout)));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {config: defaultHostConfig};
    return {config: defaultHostConfig, error: `${hostConfigPath(layout)}: ${(e as Error).message}; using the defaults`};
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return {config: defaultHostConfig, error: `${hostConfigPath(layout)}: not a JSON object; using the defaults`};
  }
  const given = (raw as {console?: unknown}).console;
  const c = (given !== null && typeof given === 'object' ? given : {}) as Partial<Record<keyof HostConfig['console'], unknown>>;
  const num = (v: unknown, d: number, min: number, max: number) => (typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max ? v : d);
  return {
    config: {
      console: {
        escape: typeof c.escape === 'string' ? c.escape : defaultHostConfig.console.escape,
        scrollbackKiB: num(c.scrollbackKiB, defaultHostConfig.console.scrollbackKiB, 1, 64 * 1024),
        logMaxKiB: num(c.logMaxKiB, defaultHostConfig.console.logMaxKiB, 16, 1024 * 1024),
      },
    },
  };
}
