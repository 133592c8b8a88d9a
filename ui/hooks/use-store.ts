// Creates a reducer store once per component and re-renders when its state changes.
import {useState, useSyncExternalStore} from 'react';
import {createStore, type Store} from '../state/store.js';

export function useStore<S, A>(reducer: (state: S, action: A) => S, initial: () => S): [S, Store<S, A>] {
  // reducer and initial are read once, like useReducer's arguments.
  const [store] = useState(() => createStore(reducer, initial()));
  const state = useSyncExternalStore(store.subscribe, store.getState, store.getState);
  return [state, store];
}
