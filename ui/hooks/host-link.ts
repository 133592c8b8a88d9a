// Runs one host's link (state/host-link.ts) outside React, like poller.ts: connects, takes
// the first listing (which is also the hello's answer), all within a bound; on failure
// waits the back-off and tries again, for as long as the TUI runs. A ready host hands out
// its connection wrapped in BoundedConnection; `lost` gives it up and starts over. Nothing
// here is awaited by a key handler or by another host.
import type {Connection, DomainSummary} from '../../driver/client/connection.js';
import {BoundedConnection, type Bounds, defaultBounds, durationText} from '../app/bounded-connection.js';
import {type Backoff, defaultBackoff, hostLinkReducer, initialHostLinkState, type HostLinkAction, type HostLinkState} from '../state/host-link.js';
import {errorStatus} from '../state/status.js';
import type {TuiHost} from '../app/hosts.js';

export interface LinkTimings extends Bounds {
  /** connect plus the first listing */
  connectMs: number;
  backoff: Backoff;
}

export const defaultTimings: LinkTimings = {...defaultBounds, connectMs: 10_000, backoff: defaultBackoff};

export interface HostLink {
  readonly host: TuiHost;
  getState(): HostLinkState;
  /** the bounded connection while ready */
  connection(): Connection | undefined;
  /** the latest listing of this host (its rows when it becomes ready, or when the view is mounted again after a console) */
  lastListing(): readonly DomainSummary[] | undefined;
  /** a ready host's request failed or went unanswered: give the connection up and retry */
  lost(error: unknown): void;
  subscribe(listener: () => void): () => void;
  stop(): void;
}

/** One line for an error, as the status line would show it. */
function oneLine(error: unknown): string {
  return errorStatus(error).text;
}

export function createHostLink(host: TuiHost, timings: LinkTimings = defaultTimings, now: () => number = Date.now): HostLink {
  let state = initialHostLinkState(now());
  let stopped = false;
  let raw: Connection | undefined;
  let bounded: BoundedConnection | undefined;
  let listing: readonly DomainSummary[] | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let attemptNumber = 0;
  const listeners = new Set<() => void>();

  const dispatch = (action: HostLinkAction) => {
    const next = hostLinkReducer(state, action, timings.backoff);
    if (next === state) {
      return;
    }

    state = next;
    if (state.phase === 'error' && !stopped) {
      clearTimeout(retryTimer);
      retryTimer = setTimeout(attempt, Math.max(0, (state.retryAt ?? now()) - now()));
      // The terminal keeps the process alive; a retry timer must not.
      retryTimer.unref();
    }

    for (const listener of listeners) {
      listener();
    }
  };

  const dropConnection = (why: string) => {
    bounded?.retire(why);
    try {
      raw?.close();
    } catch {
      // closing a broken connection may fail; it is gone either way
    }

    raw = undefined;
    bounded = undefined;
  };

  function attempt(): void {
    if (stopped) {
      return;
    }

    const number = ++attemptNumber;
    dispatch({type: 'attempt', now: now()});
    let opened: Connection | undefined;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        reject(new Error(`no answer within ${durationText(timings.connectMs)}`));
      }, timings.connectMs);
      timer.unref();
    });
    const work = (async () => {
      opened = await host.connect();
      if (number !== attemptNumber || stopped) {
        return undefined;
      }

      const wrapped: BoundedConnection = new BoundedConnection(opened, host.name, timings, (domains) => {
        if (bounded === wrapped) listing = domains;
      });
      return {wrapped, domains: await wrapped.listDomains()};
    })();
    Promise.race([work, timeout]).then(
      (result) => {
        clearTimeout(timer);
        if (result === undefined || number !== attemptNumber || stopped) {
          opened?.close();
          return;
        }

        raw = opened;
        bounded = result.wrapped;
        listing = result.domains;
        dispatch({type: 'connected', now: now()});
      },
      (error: unknown) => {
        clearTimeout(timer);
        // Given up: what opened is closed now, and what opens later is closed when it does.
        opened?.close();
        work.then(
          () => opened?.close(),
          () => {},
        );
        if (number === attemptNumber && !stopped) {
          dispatch({type: 'failed', message: oneLine(error), now: now()});
        }
      },
    );
  }

  queueMicrotask(attempt);

  return {
    host,
    getState: () => state,
    connection: () => (state.phase === 'ready' ? bounded : undefined),
    lastListing: () => listing,
    lost(error) {
      if (state.phase !== 'ready' || stopped) {
        return;
      }

      const message = oneLine(error);
      dropConnection(message);
      dispatch({type: 'lost', message, now: now()});
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    stop() {
      stopped = true;
      clearTimeout(retryTimer);
      dropConnection('the TUI quit');
      listeners.clear();
    },
  };
}
