// The domain table as a pure reducer: every domain the daemon reported (`all`), the
// incremental name filter, the sort order, and the selection/scrolling over the rows that
// pass the filter (a ListState). Rows that did not change between two listings keep their
// object identity, so memoised row components skip them and a refresh of 1,000 domains
// that changed one row re-renders one row.
import type {DomainState, DomainSummary} from '../../driver/client/connection.js';
import {createListReducer, initialListState, type ListAction, type ListState} from './list-state.js';

export const sortKeys = ['name', 'state', 'memory'] as const;
export type SortKey = (typeof sortKeys)[number];

export interface TableState {
  all: readonly DomainSummary[];
  filter: string;
  sort: SortKey;
  descending: boolean;
  /** the filtered, sorted rows and the selection over them */
  list: ListState<DomainSummary>;
}

export type TableAction =
  | {type: 'data'; domains: readonly DomainSummary[]}
  | {type: 'patch'; name: string; patch: Partial<DomainSummary>}
  | {type: 'filter'; text: string}
  | {type: 'sort'; key?: SortKey}
  | {type: 'reverse'}
  | Exclude<ListAction<DomainSummary>, {type: 'items'}>;

const listReducer = createListReducer<DomainSummary>((domain) => domain.name);

export function initialTableState(options: {selected?: string; filter?: string; sort?: SortKey; descending?: boolean} = {}): TableState {
  return {
    all: [],
    filter: options.filter ?? '',
    sort: options.sort ?? 'name',
    descending: options.descending ?? false,
    list: initialListState<DomainSummary>(options.selected),
  };
}

/** Active guests first, then the ones that need attention, then the idle ones. */
const stateRank: Record<DomainState, number> = {
  running: 0,
  bootloader: 1,
  'in shutdown': 2,
  crashed: 3,
  orphaned: 4,
  invalid: 5,
  'shut off': 6,
};

const byName = (a: DomainSummary, b: DomainSummary) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function compareDomains(sort: SortKey): (a: DomainSummary, b: DomainSummary) => number {
  switch (sort) {
    case 'name': {
      return byName;
    }

    case 'state': {
      return (a, b) => stateRank[a.state] - stateRank[b.state] || byName(a, b);
    }

    case 'memory': {
      // Biggest first; unknown sizes (invalid definitions) last.
      return (a, b) => (b.memoryKiB ?? -1) - (a.memoryKiB ?? -1) || byName(a, b);
    }
  }
}

/** Case-insensitive substring match on the name; the empty filter matches everything. */
function matchesFilter(domain: DomainSummary, filter: string): boolean {
  return filter === '' || domain.name.toLowerCase().includes(filter.toLowerCase());
}

export function visibleRows(all: readonly DomainSummary[], filter: string, sort: SortKey, descending: boolean): DomainSummary[] {
  const rows = filter === '' ? [...all] : all.filter((domain) => matchesFilter(domain, filter));
  const compare = compareDomains(sort);
  rows.sort(descending ? (a, b) => compare(b, a) : compare);
  return rows;
}

function shallowEqual(a: DomainSummary, b: DomainSummary): boolean {
  const keysA = Object.keys(a) as Array<keyof DomainSummary>;
  if (keysA.length !== Object.keys(b).length) {
    return false;
  }

  return keysA.every((key) => a[key] === b[key]);
}

/** `next`, with each domain that did not change replaced by the object already held. */
export function reconcile(previous: readonly DomainSummary[], next: readonly DomainSummary[]): readonly DomainSummary[] {
  const held = new Map(previous.map((domain) => [domain.name, domain]));
  let changed = previous.length !== next.length;
  const result = next.map((domain, index) => {
    const old = held.get(domain.name);
    if (old !== undefined && shallowEqual(old, domain)) {
      if (previous[index] !== old) {
        changed = true;
      }

      return old;
    }

    changed = true;
    return domain;
  });
  return changed ? result : previous;
}

function withRows(state: TableState, all: readonly DomainSummary[], filter: string, sort: SortKey, descending: boolean): TableState {
  const list = listReducer(state.list, {type: 'items', items: visibleRows(all, filter, sort, descending)});
  if (all === state.all && filter === state.filter && sort === state.sort && descending === state.descending && list === state.list) {
    return state;
  }

  return {all, filter, sort, descending, list};
}

export function tableReducer(state: TableState, action: TableAction): TableState {
  switch (action.type) {
    case 'data': {
      const all = reconcile(state.all, action.domains);
      if (all === state.all && state.list.loaded) {
        return state;
      }

      return withRows(state, all, state.filter, state.sort, state.descending);
    }

    case 'patch': {
      let changed = false;
      const all = state.all.map((domain) => {
        if (domain.name !== action.name) {
          return domain;
        }

        const patched = {...domain, ...action.patch};
        for (const key of Object.keys(patched) as Array<keyof DomainSummary>) {
          if (patched[key] === undefined) {
            delete patched[key];
          }
        }

        if (shallowEqual(domain, patched)) {
          return domain;
        }

        changed = true;
        return patched;
      });
      return changed ? withRows(state, all, state.filter, state.sort, state.descending) : state;
    }

    case 'filter': {
      if (action.text === state.filter) {
        return state;
      }

      return withRows(state, state.all, action.text, state.sort, state.descending);
    }

    case 'sort': {
      const key = action.key ?? sortKeys[(sortKeys.indexOf(state.sort) + 1) % sortKeys.length] ?? 'name';
      return withRows(state, state.all, state.filter, key, state.descending);
    }

    case 'reverse': {
      return withRows(state, state.all, state.filter, state.sort, !state.descending);
    }

    default: {
      const list = listReducer(state.list, action);
      return list === state.list ? state : {...state, list};
    }
  }
}

/** The selected row, if any. */
export function selectedDomain(state: TableState): DomainSummary | undefined {
  return state.list.index >= 0 ? state.list.items[state.list.index] : undefined;
}
