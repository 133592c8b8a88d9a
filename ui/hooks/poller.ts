// A refresh loop that never overlaps itself: one fetch at a time, the next one scheduled
// `intervalMs` after the previous finished, and explicit refreshes coalesced into at most
// one follow-up run. Plain TypeScript so it runs outside React's render path.

export type PollResult<T> = {ok: true; data: T} | {ok: false; error: unknown};

export interface PollerOptions<T> {
  fetch(): Promise<T>;
  /** pause between the end of one fetch and the next; a function is asked each time (0 = no timer) */
  intervalMs: number | (() => number);
  onResult(result: PollResult<T>): void;
}

export interface Poller {
  /** Runs now (or right after the running fetch); resolves once fresh data was delivered. */
  refresh(): Promise<void>;
  stop(): void;
}

export function createPoller<T>(options: PollerOptions<T>): Poller {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let followUp: Promise<void> | undefined;

  const schedule = () => {
    clearTimeout(timer);
    const intervalMs = typeof options.intervalMs === 'function' ? options.intervalMs() : options.intervalMs;
    if (stopped || intervalMs <= 0) {
      return;
    }

    timer = setTimeout(() => {
      void refresh();
    }, intervalMs);
    // The terminal keeps the process alive; the timer must not.
    timer.unref();
  };

  const runOnce = async () => {
    let result: PollResult<T>;
    try {
      result = {ok: true, data: await options.fetch()};
    } catch (error: unknown) {
      result = {ok: false, error};
    }

    if (!stopped) {
      options.onResult(result);
    }
  };

  const refresh = (): Promise<void> => {
    if (stopped) {
      return Promise.resolve();
    }

    if (running !== undefined) {
      // Data fetched by the running call may predate the caller's action: run once more after it.
      followUp ??= running.then(() => {
        followUp = undefined;
        return refresh();
      });
      return followUp;
    }

    clearTimeout(timer);
    running = runOnce().finally(() => {
      running = undefined;
      schedule();
    });
    return running;
  };

  return {
    refresh,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
