// The title line's text: the program, the connection and host, and a badge on a simulated host.
import {truncate} from './format.js';

export const TITLE_NAME = 'bhyve-tui';
export const SIMULATED_BADGE = ' SIMULATED HOST ';

/**
 * A URI as the screen shows it: without its query (keyfile=, known_hosts=, command= are the
 * operator's own settings, long paths that would push the host out of sight).
 */
export function uriForDisplay(uri: string): string {
  const q = uri.indexOf('?');
  return q < 0 ? uri : uri.slice(0, q);
}

/** The connection and host name, cut to what is left beside the name and the badge. */
export function titleInfo(uri: string, hostname: string | undefined, width: number, simulated: boolean): string {
  const badgeWidth = simulated ? SIMULATED_BADGE.length + 1 : 0;
  return truncate(`  ${uriForDisplay(uri)}  ${hostname ?? '…'}`, Math.max(0, width - TITLE_NAME.length - badgeWidth));
}
