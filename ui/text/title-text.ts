// The title line's text: the program, the connection and host, and a badge on a simulated host.
import {truncate} from './format.js';

export const TITLE_NAME = 'bhyve-tui';
export const SIMULATED_BADGE = ' SIMULATED HOST ';

/** The connection and host name, cut to what is left beside the name and the badge. */
export function titleInfo(uri: string, hostname: string | undefined, width: number, simulated: boolean): string {
  const badgeWidth = simulated ? SIMULATED_BADGE.length + 1 : 0;
  return truncate(`  ${uri}  ${hostname ?? '…'}`, Math.max(0, width - TITLE_NAME.length - badgeWidth));
}
