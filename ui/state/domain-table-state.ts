// The domain table as a pure reducer: every domain the daemon reported (`all`), the
// incremental name filter, the sort order, and the selection/scrolling over the rows that
// pass the filter (a ListState). Rows that did not change between two listings keep their
// object identity, so memoised row components skip them and a refresh of 1,000 domains
// that changed one row re-renders one row. With several hosts, each domain carries its
// host, rows are keyed by (host, name), and the rows are grouped under a header row per
// host, in the hosts' order; sorting and filtering apply within each group.
import type {DomainState, DomainSummary} from '../../driver/client/connection.js';
import {createListReducer, initialListState, type ListAction, type ListState} from './list-state.js';

export const sortKeys = ['name', 'state', 'memory'] as const;
export type SortKey = (typeof sortKeys)[number];

/** A listed domain; `host` only when the TUI shows several hosts. */
export type ListedDomain = DomainSummary & {readonly host?: string};

/** The header row of a host's group (several hosts only); `name` is the host's, so every row has one. */
export interface HostRow {
  readonly kind: 'host';
  readonly host: string;
  readonly name: string;
}

export type TableRow = ListedDomain | HostRow;

export function isHostRow(row: TableRow | undefined): row is HostRow {
  return row !== undefined && 'kind' in row && row.kind === 'host';
}

/** The selection key of a domain: its name with one host, host and name with several. */
export function domainKey(name: string, host: string | undefined): string {
  return host === undefined ? name : `${host}\u0000${name}`;
}

function rowKey(row: TableRow): string {
  return isHostRow(row) ? `${row.host}\u0000` : domainKey(row.name, row.host);
}

export interface TableState {
  /** the hosts' names when there are several (grouped rows), else empty */
  hosts: readonly string[];
  all: readonly ListedDomain[];
  filter: string;
  sort: SortKey;
  descending: boolean;
  /** the filtered, sorted rows and the selection over them */
  list: ListState<TableRow>;
}

export type TableAction =
  /** a listing; with several hosts, of `host` (its rows are replaced) */
  | {type: 'data'; domains: readonly DomainSummary[]; host?: string}
  | {type: 'patch'; name: string; patch: Partial<DomainSummary>; host?: string}
  | {type: 'filter'; text: string}
  | {type: 'sort'; key?: SortKey}
  | {type: 'reverse'}
  | Exclude<ListAction<TableRow>, {type: 'items'}>;

const listReducer = createListReducer<TableRow>(rowKey);

export function initialTableState(
  options: {selected?: string; filter?: string; sort?: SortKey; descending?: boolean; hosts?: readonly string[]} = {},
): TableState {
  const hosts = options.hosts !== undefined && options.hosts.length > 1 ? options.hosts : [];
  const state: TableState = {
    hosts,
    all: [],
    filter: options.filter ?? '',
    sort: options.sort ?? 'name',
    descending: options.descending ?? false,
    list: initialListState<TableRow>(options.selected),
  };
  // Several hosts: the headers are there from the start, each host's rows come as it answers.
  return hosts.length === 0 ? state : withRows(state, state.all, state.filter, state.sort, state.descending);
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

export function visibleRows(all: readonly ListedDomain[], filter: string, sort: SortKey, descending: boolean, hosts: readonly string[] = []): TableRow[] {
  const rows = filter === '' ? [...all] : all.filter((domain) => matchesFilter(domain, filter));
  const compare = compareDomains(sort);
  rows.sort(descending ? (a, b) => compare(b, a) : compare);
  if (hosts.length === 0) {
    return rows;
  }

  // Every host keeps its header, even with no row passing the filter: its status stays in view.
  return hosts.flatMap((host): TableRow[] => [{kind: 'host', host, name: host}, ...rows.filter((domain) => domain.host === host)]);
}

function shallowEqual(a: ListedDomain, b: ListedDomain): boolean {
  const keysA = Object.keys(a) as Array<keyof ListedDomain>;
  if (keysA.length !== Object.keys(b).length) {
    return false;
  }

  return keysA.every((key) => a[key] === b[key]);
}

/** `next`, with each domain that did not change replaced by the object already held. */
export function reconcile<T extends ListedDomain>(previous: readonly T[], next: readonly T[]): readonly T[] {
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

function withRows(state: TableState, all: readonly ListedDomain[], filter: string, sort: SortKey, descending: boolean): TableState {
  const list = listReducer(state.list, {type: 'items', items: visibleRows(all, filter, sort, descending, state.hosts)});
  if (all === state.all && filter === state.filter && sort === state.sort && descending === state.descending && list === state.list) {
    return state;
  }

  return {hosts: state.hosts, all, filter, sort, descending, list};
}

/** `all` with the rows of `host` replaced by `domains` (reconciled), in the hosts' order. */
function withHostData(state: TableState, host: string, domains: readonly DomainSummary[]): readonly ListedDomain[] {
  const previous = state.all.filter((domain) => domain.host === host);
  const next = reconcile(
    previous,
    domains.map((domain) => ({...domain, host})),
  );
  if (next === previous) {
    return state.all;
  }

  return state.hosts.flatMap((name) => (name === host ? next : state.all.filter((domain) => domain.host === name)));
}

export function tableReducer(state: TableState, action: TableAction): TableState {
  switch (action.type) {
    case 'data': {
      const all =
        action.host === undefined || state.hosts.length === 0 ? reconcile(state.all, action.domains) : withHostData(state, action.host, action.domains);
      if (all === state.all && state.list.loaded) {
        return state;
      }

      return withRows(state, all, state.filter, state.sort, state.descending);
    }

    case 'patch': {
      let changed = false;
      const all = state.all.map((domain) => {
        if (domain.name !== action.name || domain.host !== action.host) {
          return domain;
        }

        const patched = {...domain, ...action.patch};
        for (const key of Object.keys(patched) as Array<keyof ListedDomain>) {
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

/** The selected row (a domain or, with several hosts, a host's header), if any. */
export function selectedRow(state: TableState): TableRow | undefined {
  return state.list.index >= 0 ? state.list.items[state.list.index] : undefined;
}

/** The selected domain, if a domain row is selected. */
export function selectedDomain(state: TableState): ListedDomain | undefined {
  const row = selectedRow(state);
  return isHostRow(row) ? undefined : row;
}

/** The domain named `name` on `host` (undefined with one host). */
export function findDomain(state: TableState, name: string, host: string | undefined): ListedDomain | undefined {
  return state.all.find((domain) => domain.name === name && domain.host === host);
}
