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

export function readHostConfig(layout: HostLayout): {config: HostConfig; error?: string} {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(hostConfigPath(layout), 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {config: defaultHostConfig};
    return {config: defaultHostConfig, error: `${hostConfigPath(layout)}: ${(e as Error).message}; using the defaults`};
  }
  const c = (raw as {console?: Partial<HostConfig['console']>}).console ?? {};
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
