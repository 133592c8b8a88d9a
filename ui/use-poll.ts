// Polls an async source on a timer (via createPoller) and keeps its latest result in state.
// State only changes when the data or the error actually changed, so an idle screen does
// not re-render every second.
import {useCallback, useEffect, useRef, useState} from 'react';
import {createPoller, type Poller} from './poller.js';

export interface PollState<T> {
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
	options: {intervalMs: number; onData?: (data: T) => void},
): Polled<T> {
	const [state, setState] = useState<PollState<T>>({data: undefined, error: undefined, settled: false});
	const fetchRef = useRef(fetch);
	const onDataRef = useRef(options.onData);
	useEffect(() => {
		fetchRef.current = fetch;
		onDataRef.current = options.onData;
	});
	const pollerRef = useRef<Poller | undefined>(undefined);

	useEffect(() => {
		const poller = createPoller<T>({
			fetch: async () => fetchRef.current(),
			intervalMs: options.intervalMs,
			onResult(result) {
				if (result.ok) {
					onDataRef.current?.(result.data);
					setState(previous =>
						previous.settled && previous.error === undefined && sameData(previous.data, result.data)
							? previous
							: {data: result.data, error: undefined, settled: true});
				} else {
					setState(previous =>
						previous.settled && previous.error !== undefined && errorKey(previous.error) === errorKey(result.error)
							? previous
							: {data: previous.data, error: result.error, settled: true});
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
	}, [options.intervalMs]);

	const refresh = useCallback(async () => pollerRef.current?.refresh(), []);
	return {...state, refresh};
}
