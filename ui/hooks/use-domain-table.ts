// The domain table's store, fed by the daemon: a listing at start, a patch for every state
// event (the row changes at once, before the follow-up listing brings pid, CPU% and RSS),
// and a safety poll — quicker while guests run, so CPU% and RSS stay fresh, and never on
// the render path. Rows are reconciled, so an unchanged listing does not re-render.
import {useEffect, useMemo} from 'react';
import type {Connection, DomainEvent, DomainSummary} from '../../driver/client/connection.js';
import {isActive} from '../../driver/domain/state.js';
import {initialTableState, tableReducer, type SortKey, type TableAction, type TableState} from '../state/domain-table-state.js';
import type {Store} from '../state/store.js';
import {usePoll} from './use-poll.js';
import {useStore} from './use-store.js';

export interface DomainTable {
  state: TableState;
  store: Store<TableState, TableAction>;
  /** the last listDomains() failure, cleared by the next success */
  error: unknown;
  settled: boolean;
  refresh(): Promise<void>;
  /** longest name among all domains (for the NAME column) */
  longestName: number;
}

function eventPatch(event: DomainEvent): {name: string; patch: Parameters<typeof tableReducer>[1] & {type: 'patch'}} | undefined {
  if (event.type === 'domain') {
    return {
      name: event.name,
      patch: {
        type: 'patch',
        name: event.name,
        patch: {state: event.state, reason: event.reason, ...(event.state === 'in shutdown' ? {} : {shutdownDeadline: undefined})},
      },
    };
  }

  if (event.type === 'shutdown') {
    if (event.stage === 'acpi') {
      return {
        name: event.name,
        patch: {type: 'patch', name: event.name, patch: {state: 'in shutdown', ...(event.deadline === undefined ? {} : {shutdownDeadline: event.deadline})}},
      };
    }

    // Forced power-off, destroy, done: the countdown is over; the listing brings the state.
    return {name: event.name, patch: {type: 'patch', name: event.name, patch: {shutdownDeadline: undefined}}};
  }

  return undefined;
}

/**
 * Feeds `store` from one host: the listing, the state events, the safety poll. With several
 * hosts `host` is set and only that host's rows are touched.
 */
export function useDomainFeed(
  connection: Connection,
  store: Store<TableState, TableAction>,
  options: {
    host?: string | undefined;
    /** safety poll when nothing runs */
    idleMs: number;
    /** poll while a guest runs (CPU%, RSS) */
    busyMs: number;
    /** a listing already fetched: the first render shows it */
    initial?: readonly DomainSummary[] | undefined;
  },
): {error: unknown; settled: boolean; refresh(): Promise<void>} {
  const {host} = options;
  const {error, settled, refresh} = usePoll(async () => connection.listDomains(), {
    keep: false,
    initial: options.initial,
    onData(domains) {
      store.dispatch(host === undefined ? {type: 'data', domains} : {type: 'data', domains, host});
    },
    intervalMs() {
      if (options.idleMs <= 0) {
        return 0;
      }

      const busy = store.getState().all.some((domain) => domain.host === host && isActive(domain.state));
      return busy ? Math.min(options.busyMs, options.idleMs) : options.idleMs;
    },
  });

  useEffect(
    () =>
      connection.subscribe((event) => {
        const patch = eventPatch(event);
        if (patch !== undefined) {
          store.dispatch(host === undefined ? patch.patch : {...patch.patch, host});
        }

        if (event.type !== 'host') {
          void refresh();
        }
      }),
    [connection, store, refresh, host],
  );
  return {error, settled, refresh};
}

export function useDomainTable(
  connection: Connection,
  options: {
    selected?: string;
    filter?: string;
    sort?: SortKey;
    descending?: boolean;
    /** safety poll when nothing runs */
    idleMs: number;
    /** poll while a guest runs (CPU%, RSS) */
    busyMs: number;
    /** a listing already fetched: the first render shows it */
    initial?: readonly DomainSummary[] | undefined;
  },
): DomainTable {
  const [state, store] = useStore(tableReducer, () => {
    const empty = initialTableState(options);
    return options.initial === undefined ? empty : tableReducer(empty, {type: 'data', domains: options.initial});
  });
  const {error, settled, refresh} = useDomainFeed(connection, store, options);
  const longestName = useLongestName(state);
  return {state, store, error, settled, refresh, longestName};
}

/** Longest name among all domains (for the NAME column). */
export function useLongestName(state: TableState): number {
  const all = state.all;
  return useMemo(() => all.reduce((longest, domain) => Math.max(longest, [...domain.name].length), 0), [all]);
}
