// Selection state for the domain list, held in a tiny store rather than useState: a key
// handler reads the selection right after its own moves (`js` in one chunk starts the
// domain below), without waiting for React to re-render. Updates are still reducer-based.
import {useCallback, useState, useSyncExternalStore} from 'react';
import {createListReducer, initialListState, type ListAction, type ListState} from './list-state.js';

export interface ListSelection<T> {
	state: ListState<T>;
	dispatch(action: ListAction<T>): void;
	/** The state as of now, including actions dispatched since the last render. */
	current(): ListState<T>;
	/** The selected item as of now. */
	selected(): T | undefined;
}

interface Store<T> {
	getState(): ListState<T>;
	dispatch(action: ListAction<T>): void;
	subscribe(listener: () => void): () => void;
}

function createStore<T>(keyOf: (item: T) => string, initialKey?: string): Store<T> {
	const reducer = createListReducer(keyOf);
	let state = initialListState<T>(initialKey);
	const listeners = new Set<() => void>();
	return {
		getState: () => state,
		dispatch(action) {
			const next = reducer(state, action);
			if (next !== state) {
				state = next;
				for (const listener of listeners) {
					listener();
				}
			}
		},
		subscribe(listener) {
			listeners.add(listener);
			return () => {
				listeners.delete(listener);
			};
		},
	};
}

export function useListSelection<T>(keyOf: (item: T) => string, initialKey?: string): ListSelection<T> {
	// keyOf and initialKey are read once, like useReducer's initial arguments.
	const [store] = useState(() => createStore(keyOf, initialKey));
	const state = useSyncExternalStore(store.subscribe, store.getState, store.getState);
	const current = useCallback(() => store.getState(), [store]);
	const selected = useCallback(() => {
		const now = store.getState();
		return now.index >= 0 ? now.items[now.index] : undefined;
	}, [store]);
	return {state, dispatch: store.dispatch, current, selected};
}
