// One host's link when the TUI shows several, as a pure reducer: connecting → ready, or
// → error with its one-line message and the time of the next attempt (back-off 1, 2, 4 …
// 60 s). A ready host whose requests fail or go unanswered is `lost`: back to error, and
// retried like a host that never answered. The clock is passed in, so this is testable
// without timers; ui/hooks/host-link.ts runs the attempts and the timers.

export interface HostLinkState {
  phase: 'connecting' | 'ready' | 'error';
  /** failed attempts (or losses) since the host was last ready: the back-off step */
  failures: number;
  /** why the last attempt failed or the link was lost, one line (phase 'error') */
  error?: string;
  /** epoch ms of the next attempt (phase 'error') */
  retryAt?: number;
  /** epoch ms the current phase began */
  since: number;
}

export type HostLinkAction =
  /** an attempt to connect begins (the first, or a retry) */
  | {type: 'attempt'; now: number}
  | {type: 'connected'; now: number}
  /** the attempt failed or timed out */
  | {type: 'failed'; message: string; now: number}
  /** a ready host's requests failed or went unanswered */
  | {type: 'lost'; message: string; now: number};

export interface Backoff {
  baseMs: number;
  maxMs: number;
}

export const defaultBackoff: Backoff = {baseMs: 1000, maxMs: 60_000};

/** Wait before attempt number `failures` + 1: base, 2×base, 4×base … capped at max. */
export function backoffMs(failures: number, backoff: Backoff = defaultBackoff): number {
  const step = Math.max(0, failures - 1);
  // 2 ** 30 is past any cap; larger steps would only overflow to Infinity.
  return Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.min(step, 30));
}

export function initialHostLinkState(now: number): HostLinkState {
  return {phase: 'connecting', failures: 0, since: now};
}

function failed(state: HostLinkState, message: string, now: number, backoff: Backoff): HostLinkState {
  const failures = state.failures + 1;
  return {phase: 'error', failures, error: message, retryAt: now + backoffMs(failures, backoff), since: now};
}

export function hostLinkReducer(state: HostLinkState, action: HostLinkAction, backoff: Backoff = defaultBackoff): HostLinkState {
  switch (action.type) {
    case 'attempt': {
      // Back-off state survives the attempt: a second failure waits longer than the first.
      return state.phase === 'connecting' ? state : {phase: 'connecting', failures: state.failures, since: action.now};
    }

    case 'connected': {
      return state.phase === 'connecting' ? {phase: 'ready', failures: 0, since: action.now} : state;
    }

    case 'failed': {
      // A late answer of an attempt already given up on changes nothing.
      return state.phase === 'connecting' ? failed(state, action.message, action.now, backoff) : state;
    }

    case 'lost': {
      return state.phase === 'ready' ? failed(state, action.message, action.now, backoff) : state;
    }
  }
}

/** Whole seconds until the next attempt, at least 0. */
export function retryInSeconds(state: HostLinkState, now: number): number {
  return state.retryAt === undefined ? 0 : Math.max(0, Math.ceil((state.retryAt - now) / 1000));
}
