// The bhyve-tui screen. Views: the domain list (with the host panel), details, errors,
// log, help, command output and the failed-edit view; dialogs: y/N confirmations, the
// typed-name confirmation, the `/` filter and the `:` command line. It only talks to a
// Connection and to the bootstrap's callbacks:
// - the raw console is not run here: `c` hands the domain's name to onConsole; the bootstrap
//   unmounts Ink, runs the console and renders a fresh App with `initialSelection` and `resume`;
// - `E` calls editText, which suspends Ink and runs $VISUAL/$EDITOR on the text;
// - `K` calls loadModule; `:` verbs that are not the TUI's own go to runCommandLine.
// Live state comes from connection.subscribe(); a slow poll is only a safety net.
// The parts live next door: what keys mean in state/key-dispatch.ts (pure), the actions in
// hooks/use-domain-actions.ts, the editor round trip in hooks/use-edit-flow.ts, the drawing
// in Screen.tsx. This file wires them together and runs the effects of each key.
// With several hosts (`hosts`), each host's link connects and retries on its own
// (hooks/host-link.ts), a HostFeed per connected host fills its rows of the one table, and
// every effect goes to the connection of its domain's host; with one (`connection`) the App
// is what it always was.
import {useInput} from 'ink';
import {useCallback, useMemo, useRef, useState} from 'react';
import type {Connection, DomainSummary, HostStatus, ModuleName} from '../../driver/client/connection.js';
import {type HostConnection, useDomainActions} from '../hooks/use-domain-actions.js';
import {type DomainTable, useDomainTable, useLongestName} from '../hooks/use-domain-table.js';
import {useEditFlow, type EditText} from '../hooks/use-edit-flow.js';
import {useHostLinks} from '../hooks/use-host-links.js';
import {useHostStatus} from '../hooks/use-host-status.js';
import {useMounted} from '../hooks/use-mounted.js';
import {useStatus} from '../hooks/use-status.js';
import {useStore} from '../hooks/use-store.js';
import {domainKey, initialTableState, selectedRow, tableReducer} from '../state/domain-table-state.js';
import {dispatchKey, type Effect, type ResumeState} from '../state/key-dispatch.js';
import {initialScreenState, screenReducer, topEntry} from '../state/screen-state.js';
import type {HostInfo} from '../text/host-rows.js';
import {type FedStatus, HostFeed} from './HostFeed.js';
import type {HostLinks} from './hosts.js';
import {Screen} from './Screen.js';
import {uriForDisplay} from '../text/title-text.js';

export type {EditRequest, EditResult} from '../hooks/use-edit-flow.js';
export type {ResumeState} from '../state/key-dispatch.js';

export interface AppProps {
  /** the host, when the TUI shows one (connected) */
  connection?: Connection;
  /** the hosts, when it shows several (each connecting on its own); `connection` is then unused */
  hosts?: HostLinks;
  /** domain to select once the list has loaded (e.g. the one whose console just closed) */
  initialSelection?: string;
  /** several hosts: the host of initialSelection */
  initialHost?: string;
  /** filter, sort and view to restore (from onConsole's second argument) */
  resume?: ResumeState;
  /** `c` on a running domain: the bootstrap unmounts Ink and runs the console (on `host`, with several) */
  onConsole(name: string, resume: ResumeState, host?: string): void;
  /** `q` or Ctrl-C */
  onQuit(): void;
  /** status shown until the first action, e.g. `Console closed` or an error from the console */
  initialStatus?: {text: string; error?: boolean};
  /** the listing and host status the first frame was drawn from (of the first host): the first render shows them */
  initialData?: {domains: readonly DomainSummary[]; host?: HostStatus | undefined};
  /** safety refresh of the list and host status; default 5000 ms, 0 turns the timer off */
  pollIntervalMs?: number;
  /** refresh while guests run (CPU%, RSS); default 2000 ms */
  statsIntervalMs?: number;
  /** seconds `t` (shutdown) waits before the forced power-off; the driver's default when unset */
  shutdownTimeoutS?: number;
  /** `E`: edit text in the operator's editor (see EditText); without it, E explains */
  editText?: EditText;
  /** `K`: kldload a module on the host of `connection` (after the confirmation); rejects with a DriverError */
  loadModule?(name: ModuleName, connection: Connection): Promise<void>;
  /** `:` verbs that are not the TUI's own: runs the CLI verb in-process; resolves with its output, rejects with a DriverError */
  runCommandLine?(argv: string[]): Promise<string>;
}

/** What the App core needs of its host(s), one or several. */
interface HostAccess {
  /** the hosts' names and links, with several; undefined with one */
  info: ReadonlyMap<string, HostInfo> | undefined;
  connectionOf(host: string | undefined): HostConnection;
  statusOf(host: string | undefined): FedStatus;
  /** fetches the list and status of `host`, or of every host */
  refresh(host?: string): Promise<void>;
}

export function App(props: AppProps) {
  if (props.hosts !== undefined) {
    return <SeveralHosts {...props} hosts={props.hosts} />;
  }

  if (props.connection === undefined) {
    throw new Error('the App needs a connection or hosts');
  }

  return <OneHost {...props} connection={props.connection} />;
}

function intervals(props: AppProps): {idleMs: number; busyMs: number} {
  const idleMs = props.pollIntervalMs ?? 5000;
  return {idleMs, busyMs: props.statsIntervalMs ?? Math.min(2000, idleMs > 0 ? idleMs : 2000)};
}

function OneHost(props: AppProps & {connection: Connection}) {
  const {connection} = props;
  const {idleMs, busyMs} = intervals(props);
  const table = useDomainTable(connection, {
    selected: props.initialSelection,
    filter: props.resume?.filter,
    sort: props.resume?.sort,
    descending: props.resume?.descending,
    idleMs,
    busyMs,
    initial: props.initialData?.domains,
  });
  const host = useHostStatus(connection, {intervalMs: idleMs, initial: props.initialData?.host});
  const {refresh: refreshTable} = table;
  const {refresh: refreshHost} = host;
  const refresh = useCallback(async () => {
    await Promise.all([refreshTable(), refreshHost()]);
  }, [refreshTable, refreshHost]);
  const access: HostAccess = {info: undefined, connectionOf: () => ({connection}), statusOf: () => host, refresh};
  return <AppCore {...props} table={table} access={access} idleMs={idleMs} />;
}

const noStatus: FedStatus = {data: undefined, error: undefined};

function SeveralHosts(props: AppProps & {hosts: HostLinks}) {
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

function AppCore(props: AppProps & {table: DomainTable; access: HostAccess; idleMs: number}) {
  const {onConsole, onQuit, table, idleMs} = props;
  const hosts = props.access;
  const [screen, screenStore] = useStore(screenReducer, () => initialScreenState(props.resume?.view));
  const mounted = useMounted();
  const [status, report] = useStatus(props.initialStatus, mounted);

  // Synchronous mirrors for the key handler: several keys can arrive before React re-renders.
  const leavingRef = useRef(false);
  const hostsRef = useRef(hosts);
  hostsRef.current = hosts;
  const pagerRowsRef = useRef(10);

  // The host whose panel shows: the open view's domain's, else the selected row's.
  const view = topEntry(screen).view;
  const shownHost = 'host' in view && view.host !== undefined ? view.host : selectedRow(table.state)?.host;
  const host = hosts.statusOf(shownHost);

  const actions = useDomainActions({
    connectionOf: hosts.connectionOf,
    screenStore,
    refresh: hosts.refresh,
    report,
    mounted,
    shutdownTimeoutS: props.shutdownTimeoutS,
    loadModule: props.loadModule,
    runCommandLine: props.runCommandLine,
  });
  const editFlow = useEditFlow({
    connectionOf: hosts.connectionOf,
    editText: props.editText,
    screenStore,
    tableStore: table.store,
    report,
    refreshAll: actions.refreshAll,
    mounted,
  });

  const perform = (effect: Effect) => {
    switch (effect.type) {
      case 'screen': {
        screenStore.dispatch(effect.action);
        return;
      }

      case 'table': {
        table.store.dispatch(effect.action);
        return;
      }

      case 'status': {
        report(effect.status);
        return;
      }

      case 'quit': {
        leavingRef.current = true;
        onQuit();
        return;
      }

      case 'console': {
        const found = hosts.connectionOf(effect.host);
        if (!('connection' in found)) {
          report({tone: 'error', text: found.unreachable});
          return;
        }

        leavingRef.current = true;
        if (effect.host === undefined) {
          onConsole(effect.name, effect.resume);
        } else {
          onConsole(effect.name, effect.resume, effect.host);
        }

        return;
      }

      case 'edit': {
        void editFlow.edit(effect.name, effect.host);
        return;
      }

      case 'discard-edit': {
        editFlow.discard(effect.name, effect.host);
        return;
      }

      case 'refresh': {
        void actions.refreshAll();
        return;
      }

      case 'run-cli': {
        void actions.runCli(effect.argv, effect.host);
        return;
      }

      default: {
        actions.perform(effect);
      }
    }
  };

  // One handler for every key, never inactive except while the editor owns the terminal:
  // dialog and prompt keys go through it too, so no key is lost while a newly mounted
  // component subscribes. It reads only refs and stores, so a copy from an earlier render
  // behaves the same.
  useInput(
    (input, key) => {
      const effects = dispatchKey(
        {
          screen: screenStore.getState(),
          table: table.store.getState(),
          host: hostsRef.current.info === undefined ? hostsRef.current.statusOf(undefined).data : undefined,
          ...(hostsRef.current.info === undefined ? {} : {hostStatus: (name: string) => hostsRef.current.statusOf(name).data}),
          pagerRows: pagerRowsRef.current,
          canLoadModules: props.loadModule !== undefined,
          drafts: editFlow.drafts,
          leaving: leavingRef.current,
          editing: editFlow.busy(),
        },
        input,
        key,
      );
      for (const effect of effects) {
        perform(effect);
      }
    },
    {isActive: !editFlow.active},
  );

  return (
    <Screen
      connectionOf={hosts.connectionOf}
      hostInfo={hosts.info}
      shownHost={shownHost}
      screen={screen}
      screenStore={screenStore}
      status={status}
      table={table}
      host={host}
      idleMs={idleMs}
      pagerRows={pagerRowsRef}
    />
  );
}
