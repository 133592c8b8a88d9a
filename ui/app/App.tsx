// The bhyve-tui screen. Views: the domain list (with the host panel), details, errors,
// log, help, command output and the failed-edit view; dialogs: y/N confirmations, the
// typed-name confirmation, the `/` filter and the `:` command line. It only talks to a
// Connection and to the bootstrap's callbacks:
// - the raw console is not run here: `c` hands the domain's name to onConsole; the bootstrap
//   unmounts Ink, runs the console and renders a fresh App with `initialSelection` and `resume`;
// - `E` calls editText, which suspends Ink and runs $VISUAL/$EDITOR on the text;
// - `K` calls loadModule; `:` verbs that are not the TUI's own go to runCommandLine.
// Live state comes from connection.subscribe(); a slow poll is only a safety net.
// The parts live next door: the screen and the effects of each key in AppCore.tsx (what keys
// mean in state/key-dispatch.ts, pure), the props in app-props.ts. With one host
// (`connection`) this file feeds the core from it; with several (`hosts`), SeveralHosts.tsx
// does, each host connecting and retrying on its own.
import {useCallback, useMemo} from 'react';
import type {Connection} from '../../driver/client/connection.js';
import {useDomainTable} from '../hooks/use-domain-table.js';
import {useHostStatus} from '../hooks/use-host-status.js';
import {type AppProps, type HostAccess, intervals} from './app-props.js';
import {AppCore} from './AppCore.js';
import {SeveralHosts} from './SeveralHosts.js';

export type {AppProps} from './app-props.js';
export type {EditRequest, EditResult} from '../hooks/use-edit-flow.js';
export type {ResumeState} from '../state/key-dispatch.js';

export function App(props: AppProps) {
  if (props.hosts !== undefined) {
    return <SeveralHosts {...props} hosts={props.hosts} />;
  }

  if (props.connection === undefined) {
    throw new Error('the App needs a connection or hosts');
  }

  return <OneHost {...props} connection={props.connection} />;
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
  // Stable between renders: the actions' callbacks and the views' effects depend on them.
  const reached = useMemo(() => ({connection}), [connection]);
  const connectionOf = useCallback(() => reached, [reached]);
  const access: HostAccess = {info: undefined, connectionOf, statusOf: () => host, refresh};
  return <AppCore {...props} table={table} access={access} idleMs={idleMs} />;
}
