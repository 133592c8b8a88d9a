// The App on several hosts: each host's link connects and retries on its own
// (hooks/host-link.ts), a HostFeed per connected host fills its rows of the one table, and
// every effect goes to the connection of its domain's host.
import {useCallback, useMemo, useRef, useState} from 'react';
import type {HostConnection} from '../hooks/use-domain-actions.js';
import {type DomainTable, useLongestName} from '../hooks/use-domain-table.js';
import {useHostLinks} from '../hooks/use-host-links.js';
import {useStore} from '../hooks/use-store.js';
import {domainKey, initialTableState, tableReducer} from '../state/domain-table-state.js';
import {type FedStatus, HostFeed} from './HostFeed.js';
import type {HostLinks} from './hosts.js';
import {uriForDisplay} from '../text/title-text.js';
import {type AppProps, type HostAccess, intervals} from './app-props.js';
import {AppCore} from './AppCore.js';

const noStatus: FedStatus = {data: undefined, error: undefined};

export function SeveralHosts(props: AppProps & {hosts: HostLinks}) {
  const links = props.hosts;
  const {idleMs, busyMs} = intervals(props);
  const names = useMemo(() => links.links.map((link) => link.host.name), [links]);
  const states = useHostLinks(links);
  const [tableState, store] = useStore(tableReducer, () => {
    const first = names[0];
    const empty = initialTableState({
      ...(props.initialSelection === undefined ? {} : {selected: domainKey(props.initialSelection, props.initialHost ?? first)}),
      filter: props.resume?.filter,
      sort: props.resume?.sort,
      descending: props.resume?.descending,
      hosts: names,
    });
    if (props.initialData !== undefined) return tableReducer(empty, {type: 'data', domains: props.initialData.domains, host: first});
    // Mounted again after a console: every connected host's rows as last listed, at once.
    let seeded = empty;
    for (const link of links.links) {
      const domains = link.getState().phase === 'ready' ? link.lastListing() : undefined;
      if (domains !== undefined) seeded = tableReducer(seeded, {type: 'data', domains, host: link.host.name});
    }
    return seeded;
  });
  const [statuses, setStatuses] = useState<ReadonlyMap<string, FedStatus>>(() => {
    const first = names[0];
    const host = props.initialData?.host;
    return new Map(first === undefined || host === undefined ? [] : [[first, {data: host, error: undefined}]]);
  });
  const onStatus = useCallback((host: string, status: FedStatus | undefined) => {
    setStatuses((previous) => {
      if (previous.get(host) === status || (status !== undefined && previous.get(host)?.data === status.data && previous.get(host)?.error === status.error)) {
        return previous;
      }

      const next = new Map(previous);
      if (status === undefined) {
        next.delete(host);
      } else {
        next.set(host, status);
      }

      return next;
    });
  }, []);
  const refreshers = useRef(new Map<string, () => Promise<void>>());
  const onRefresh = useCallback((host: string, refresh: (() => Promise<void>) | undefined) => {
    if (refresh === undefined) {
      refreshers.current.delete(host);
    } else {
      refreshers.current.set(host, refresh);
    }
  }, []);

  // A host given up loses its rows: nothing could be done with them, and they may be stale.
  const dropped = useRef(new Set<string>());
  for (const [name, state] of states) {
    if (state.phase === 'error' && !dropped.current.has(name)) {
      dropped.current.add(name);
      store.dispatch({type: 'data', domains: [], host: name});
    } else if (state.phase !== 'error') {
      dropped.current.delete(name);
    }
  }

  const refresh = useCallback(async (host?: string) => {
    const all = [...refreshers.current.entries()];
    await Promise.all(all.filter(([name]) => host === undefined || name === host).map(async ([, run]) => run()));
  }, []);
  const connectionOf = useCallback(
    (host: string | undefined): HostConnection => {
      const link = links.get(host);
      const connection = link?.connection();
      if (link === undefined || connection === undefined) {
        const state = link?.getState();
        const name = link?.host.name ?? host ?? 'the host';
        return {unreachable: state?.phase === 'error' ? `${name} is not connected: ${state.error ?? 'unreachable'}` : `${name} is still connecting`};
      }

      return {connection};
    },
    [links],
  );
  const info = useMemo(
    () =>
      new Map(
        links.links.map((link) => [
          link.host.name,
          {name: link.host.name, uri: uriForDisplay(link.host.uri), link: states.get(link.host.name) ?? link.getState()},
        ]),
      ),
    [links, states],
  );
  const longestName = useLongestName(tableState);
  const refreshAll = useCallback(async () => refresh(), [refresh]);
  const table: DomainTable = {state: tableState, store, error: undefined, settled: true, refresh: refreshAll, longestName};
  const access: HostAccess = {
    info,
    connectionOf,
    statusOf: (host) => (host === undefined ? noStatus : (statuses.get(host) ?? noStatus)),
    refresh,
  };

  return (
    <>
      {links.links.map((link) => {
        const state = states.get(link.host.name);
        const connection = state?.phase === 'ready' ? link.connection() : undefined;
        return connection === undefined ? null : (
          <HostFeed
            key={`${link.host.name}@${state?.since ?? 0}`}
            link={link}
            connection={connection}
            store={store}
            idleMs={idleMs}
            busyMs={busyMs}
            onStatus={onStatus}
            onRefresh={onRefresh}
          />
        );
      })}
      <AppCore {...props} table={table} access={access} idleMs={idleMs} />
    </>
  );
}
