// Selection and scrolling for a long list, as a pure reducer. The selection is kept by key
// (the domain name), so it survives refreshes that add, remove or reorder items.

export interface ListState<T> {
  items: readonly T[];
  /** false until the first `items` action */
  loaded: boolean;
  /** index of the selected item, -1 when the list is empty */
  index: number;
  /** key of the selected item; before the first load, the key asked for */
  selectedKey: string | null;
  /** first visible item */
  offset: number;
  /** number of visible rows */
  viewport: number;
}

export type ListAction<T> =
  | {type: 'items'; items: readonly T[]}
  | {type: 'move'; delta: number}
  | {type: 'first'}
  | {type: 'last'}
  | {type: 'page'; direction: 1 | -1}
  | {type: 'viewport'; rows: number}
  | {type: 'select'; key: string};

export function initialListState<T>(selectedKey?: string, viewport = 10): ListState<T> {
  return {
    items: [],
    loaded: false,
    index: -1,
    selectedKey: selectedKey ?? null,
    offset: 0,
    viewport: Math.max(1, viewport),
  };
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), max);
}

/** The offset that keeps `index` visible, moving as little as possible from `offset`. */
export function fitOffset(offset: number, index: number, length: number, viewport: number): number {
  const rows = Math.max(1, viewport);
  let next = offset;
  if (index >= 0) {
    if (index < next) {
      next = index;
    } else if (index >= next + rows) {
      next = index - rows + 1;
    }
  }

  // No empty rows at the bottom while there are items above the window.
  return clamp(next, 0, Math.max(0, length - rows));
}

/** Same items: by reference first (the usual case once rows are reconciled), else by value. */
function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) {
    return false;
  }

  for (let index = 0; index < a.length; index++) {
    if (a[index] !== b[index] && JSON.stringify(a[index]) !== JSON.stringify(b[index])) {
      return false;
    }
  }

  return true;
}

export function createListReducer<T>(keyOf: (item: T) => string) {
  const selectIndex = (state: ListState<T>, index: number): ListState<T> => {
    const length = state.items.length;
    if (length === 0) {
      return state.index === -1 ? state : {...state, index: -1, offset: 0};
    }

    const nextIndex = clamp(index, 0, length - 1);
    const item = state.items[nextIndex];
    const selectedKey = item === undefined ? null : keyOf(item);
    const offset = fitOffset(state.offset, nextIndex, length, state.viewport);
    if (nextIndex === state.index && selectedKey === state.selectedKey && offset === state.offset) {
      return state;
    }

    return {...state, index: nextIndex, selectedKey, offset};
  };

  return function listReducer(state: ListState<T>, action: ListAction<T>): ListState<T> {
    switch (action.type) {
      case 'items': {
        if (state.loaded && sameItems(state.items, action.items)) {
          return state;
        }

        const items = action.items;
        if (items.length === 0) {
          // Keep the key: the domain may come back, and before the first load it is the one asked for.
          return {...state, items, loaded: true, index: -1, offset: 0};
        }

        const byKey = state.selectedKey === null ? -1 : items.findIndex((item) => keyOf(item) === state.selectedKey);
        // A vanished selection falls to its neighbour at the same position.
        const index = byKey >= 0 ? byKey : clamp(state.index, 0, items.length - 1);
        return selectIndex({...state, items, loaded: true, index: -1}, index);
      }

      case 'move': {
        if (state.items.length === 0) {
          return state;
        }

        return selectIndex(state, state.index + action.delta);
      }

      case 'first': {
        return selectIndex(state, 0);
      }

      case 'last': {
        return selectIndex(state, state.items.length - 1);
      }

      case 'page': {
        const step = Math.max(1, state.viewport - 1);
        return selectIndex(state, state.index + action.direction * step);
      }

      case 'viewport': {
        const viewport = Math.max(1, action.rows);
        if (viewport === state.viewport) {
          return state;
        }

        return {...state, viewport, offset: fitOffset(state.offset, state.index, state.items.length, viewport)};
      }

      case 'select': {
        const index = state.items.findIndex((item) => keyOf(item) === action.key);
        if (index < 0) {
          return state.loaded ? state : {...state, selectedKey: action.key};
        }

        return selectIndex(state, index);
      }
    }
  };
}

/** The visible slice for `viewport` rows (which may differ from the stored one for a frame). */
export function visibleWindow<T>(state: ListState<T>, viewport: number): {offset: number; items: readonly T[]} {
  const offset = fitOffset(state.offset, state.index, state.items.length, viewport);
  return {offset, items: state.items.slice(offset, offset + Math.max(1, viewport))};
}
