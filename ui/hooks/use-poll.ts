// Polls an async source on a timer (via createPoller) and keeps its latest result in state.
// State only changes when the data or the error actually changed, so an idle screen does
// not re-render on every poll. With `keep: false` the data only goes to onData (a store
// that diffs it itself), and state holds just whether loading worked.
import {useCallback, useEffect, useRef, useState} from 'react';
import {createPoller, type Poller} from './poller.js';

interface PollState<T> {
  data: T | undefined;
  /** the last fetch's error; cleared by the next success */
  error: unknown;
  /** true once the first fetch finished, either way */
  settled: boolean;
}

export interface Polled<T> extends PollState<T> {
  /** Fetches now; resolves once the result is in state. Never rejects. */
  refresh(): Promise<void>;
}

function errorKey(error: unknown): string {
  return error instanceof Error ? `${error.name}:${error.message}` : String(error);
}

function sameData(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

export function usePoll<T>(
  fetch: () => Promise<T>,
  options: {
    /** pause after each fetch; a function is asked every time; 0 turns the timer off */
    intervalMs: number | (() => number);
    onData?: (data: T) => void;
    /** keep the data in state (default true) */
    keep?: boolean;
    /** data already fetched (e.g. for the first frame): the first render shows it, settled */
    initial?: T | undefined;
  },
): Polled<T> {
  const keep = options.keep ?? true;
  const [state, setState] = useState<PollState<T>>(() =>
    options.initial === undefined
      ? {data: undefined, error: undefined, settled: false}
      : {data: keep ? options.initial : undefined, error: undefined, settled: true},
  );
  const fetchRef = useRef(fetch);
  const onDataRef = useRef(options.onData);
  const intervalRef = useRef(options.intervalMs);
  useEffect(() => {
    fetchRef.current = fetch;
    onDataRef.current = options.onData;
    intervalRef.current = options.intervalMs;
  });
  const pollerRef = useRef<Poller | undefined>(undefined);
  // A new number restarts the poller; a function is read through the ref.
  const intervalKey = typeof options.intervalMs === 'number' ? options.intervalMs : -1;

  // biome-ignore lint/correctness/useExhaustiveDependencies: intervalKey is the restart signal; the poller reads the interval itself through intervalRef
  useEffect(() => {
    const poller = createPoller<T>({
      fetch: async () => fetchRef.current(),
      intervalMs() {
        const interval = intervalRef.current;
        return typeof interval === 'number' ? interval : interval();
      },
      onResult(result) {
        if (result.ok) {
          onDataRef.current?.(result.data);
          setState((previous) => {
            if (!keep) {
              return previous.settled && previous.error === undefined ? previous : {data: undefined, error: undefined, settled: true};
            }

            return previous.settled && previous.error === undefined && sameData(previous.data, result.data)
              ? previous
              : {data: result.data, error: undefined, settled: true};
          });
        } else {
          setState((previous) =>
            previous.settled && previous.error !== undefined && errorKey(previous.error) === errorKey(result.error)
              ? previous
              : {data: previous.data, error: result.error, settled: true},
          );
        }
      },
    });
    pollerRef.current = poller;
    void poller.refresh();
    return () => {
      poller.stop();
      if (pollerRef.current === poller) {
        pollerRef.current = undefined;
      }
    };
  }, [intervalKey, keep]);

  const refresh = useCallback(async () => pollerRef.current?.refresh(), []);
  return {...state, refresh};
}
