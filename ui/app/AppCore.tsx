// The screen and its keys, on whatever hosts HostAccess gives: what keys mean comes from
// state/key-dispatch.ts (pure), the actions from hooks/use-domain-actions.ts, the editor
// round trip from hooks/use-edit-flow.ts, the drawing from Screen.tsx; this runs the
// effects of each key.
import {useInput} from 'ink';
import {useRef} from 'react';
import {useDomainActions} from '../hooks/use-domain-actions.js';
import type {DomainTable} from '../hooks/use-domain-table.js';
import {useEditFlow} from '../hooks/use-edit-flow.js';
import {useMounted} from '../hooks/use-mounted.js';
import {useStatus} from '../hooks/use-status.js';
import {useStore} from '../hooks/use-store.js';
import {selectedRow} from '../state/domain-table-state.js';
import {dispatchKey, type Effect} from '../state/key-dispatch.js';
import {initialScreenState, screenReducer, topEntry} from '../state/screen-state.js';
import {Screen} from './Screen.js';
import type {AppProps, HostAccess} from './app-props.js';

export function AppCore(props: AppProps & {table: DomainTable; access: HostAccess; idleMs: number}) {
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
