// One rule for each fact about a domain's state, so that the daemon, the CLI and the TUI
// agree on it: whether the domain is active, whether a loader or bhyve runs for it, what a
// destroy would clean up, whether it can be started, whether it changes by itself soon.
import type {DomainState} from '../client/connection.js';

/**
 * The domain holds its VM: its loader or bhyve runs, or an orphan's leftovers (/dev/vmm/NAME,
 * a run record, its taps) are still there. It must be shut down or destroyed before it is
 * undefined, an edit of it applies at its next start, and `list` shows it without --all.
 */
export function isActive(state: DomainState): boolean {
  return isRunning(state) || state === 'orphaned';
}

/**
 * A loader or bhyve runs for it under the daemon's supervision ('running' in the messages'
 * sense: 'already running', 'not running'): it has a console, and a shutdown has a guest
 * to ask. An orphan has no such process, though it is active.
 */
export function isRunning(state: DomainState): boolean {
  return state === 'running' || state === 'bootloader' || state === 'in shutdown';
}

/**
 * Its last run left something that a destroy without a running guest clears (an orphan's
 * leftovers, a crash's preserved VM or record); the list counts it as a problem.
 */
export function needsCleanup(state: DomainState): boolean {
  return state === 'orphaned' || state === 'crashed';
}

/** Nothing holds its VM and its definition is valid: a start may go ahead (a crash's preserved VM goes first). */
export function canStart(state: DomainState): boolean {
  return state === 'shut off' || state === 'crashed';
}

/** It changes by itself soon: a loader is running, or a shutdown is under way. */
export function isTransient(state: DomainState): boolean {
  return state === 'bootloader' || state === 'in shutdown';
}
