// Guest networking as vm-bhyve does it: one tap per bridge-type interface, created with
// `ifconfig tap create` (which prints the new name), added to its bridge and brought up;
// destroyed when the guest stops.
import {DriverError} from '../client/connection.js';
import type {HostLayout} from './layout.js';
import {runTool, runToolChecked, toolMessage} from './tools.js';

// IFNAMSIZ is 16 with the NUL; a leading '-' would read as an ifconfig option.
const ifnamePattern = /^[A-Za-z0-9_][A-Za-z0-9_.]{0,14}$/;

export function interfaceNameProblem(name: string): string | null {
  return ifnamePattern.test(name) ? null : `invalid interface name '${name}': at most 15 letters, digits, '_' or '.'`;
}

/**
 * Creates a tap per bridge. `created` hears of each tap as soon as it exists, so a caller
 * that records them (the run record) loses none if it dies halfway; on failure the taps
 * made so far are destroyed here.
 */
/** The description that marks a tap as made by bhyve-tui for a domain (ifconfig descr). */
const TAP_OWNER = 'bhyve-tui/';

/** Taps marked as ours (`description: bhyve-tui/DOMAIN` in `ifconfig -a`), tap → domain. */
async function ownedTaps(layout: HostLayout): Promise<Map<string, string>> {
  const owned = new Map<string, string>();
  const r = await runTool(layout, 'ifconfig', ['-a']);
  if (r.exitCode !== 0) return owned;
  let current: string | undefined;
  for (const line of r.stdout.split('\n')) {
    const head = /^(\S+): flags=/.exec(line);
    if (head) current = head[1];
    const descr = line.startsWith(`\tdescription: ${TAP_OWNER}`) ? line.slice(`\tdescription: ${TAP_OWNER}`.length) : undefined;
    if (descr !== undefined && current !== undefined && /^tap\d+$/.test(current)) owned.set(current, descr);
  }
  return owned;
}

/**
 * Destroys the taps marked as ours that no guest uses (`inUse` says which are), such as the
 * tap of a start whose daemon was killed between ifconfig and recording the tap's name.
 */
export async function sweepStrayTaps(layout: HostLayout, inUse: (tap: string, domain: string) => boolean, log: (m: string) => void): Promise<void> {
  for (const [tap, domain] of await ownedTaps(layout)) {
    if (inUse(tap, domain)) continue;
    const r = await runTool(layout, 'ifconfig', [tap, 'destroy']);
    log(`stray tap ${tap} of '${domain}' (no run records it): ifconfig ${tap} destroy: exit ${r.exitCode}${r.exitCode ? `: ${toolMessage(r)}` : ''}`);
  }
}

export async function createTaps(layout: HostLayout, bridges: string[], domain: string, created: (tap: string) => void = () => {}): Promise<string[]> {
  const taps: string[] = [];
  try {
    for (const bridge of bridges) {
      const problem = interfaceNameProblem(bridge);
      if (problem) throw new DriverError(problem);
      // Created and marked as ours in one ifconfig: a tap that exists carries its owner even
      // when the daemon is killed before it can record the name (sweepStrayTaps finds it).
      const made = await runTool(layout, 'ifconfig', ['tap', 'create', 'descr', `${TAP_OWNER}${domain}`]);
      if (made.exitCode !== 0) {
        throw new DriverError(`cannot create a tap for '${domain}': ${toolMessage(made)}`, undefined, made.exitCode);
      }
      const tap = made.stdout.trim();
      if (interfaceNameProblem(tap)) throw new DriverError(`ifconfig tap create printed an unexpected name '${tap}'`);
      taps.push(tap);
      created(tap);
      await runToolChecked(layout, 'ifconfig', [bridge, 'addm', tap]);
      await runToolChecked(layout, 'ifconfig', [tap, 'up']);
    }
    return taps;
  } catch (e) {
    await destroyTaps(layout, taps, () => {});
    throw e;
  }
}

export async function destroyTaps(layout: HostLayout, taps: string[], log: (m: string) => void): Promise<void> {
  for (const tap of taps) {
    const r = await runTool(layout, 'ifconfig', [tap, 'destroy']);
    log(`ifconfig ${tap} destroy: exit ${r.exitCode}${r.exitCode ? `: ${toolMessage(r)}` : ''}`);
  }
}
