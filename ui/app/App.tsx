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
import {useInput} from 'ink';
import {useRef} from 'react';
import type {Connection, DomainSummary, HostStatus, ModuleName} from '../../driver/client/connection.js';
import {useDomainActions} from '../hooks/use-domain-actions.js';
import {useDomainTable} from '../hooks/use-domain-table.js';
import {useEditFlow, type EditText} from '../hooks/use-edit-flow.js';
import {useHostStatus} from '../hooks/use-host-status.js';
import {useMounted} from '../hooks/use-mounted.js';
import {useStatus} from '../hooks/use-status.js';
import {useStore} from '../hooks/use-store.js';
import {dispatchKey, type Effect, type ResumeState} from '../state/key-dispatch.js';
import {initialScreenState, screenReducer} from '../state/screen-state.js';
import {Screen} from './Screen.js';

export type {EditRequest, EditResult} from '../hooks/use-edit-flow.js';
export type {ResumeState} from '../state/key-dispatch.js';

export interface AppProps {
  connection: Connection;
  /** domain to select once the list has loaded (e.g. the one whose console just closed) */
  initialSelection?: string;
  /** filter, sort and view to restore (from onConsole's second argument) */
  resume?: ResumeState;
  /** `c` on a running domain: the bootstrap unmounts Ink and runs the console */
  onConsole(name: string, resume: ResumeState): void;
  /** `q` or Ctrl-C */
  onQuit(): void;
  /** status shown until the first action, e.g. `Console closed` or an error from the console */
  initialStatus?: {text: string; error?: boolean};
  /** the listing and host status the first frame was drawn from: the first render shows them */
  initialData?: {domains: readonly DomainSummary[]; host?: HostStatus | undefined};
  /** safety refresh of the list and host status; default 5000 ms, 0 turns the timer off */
  pollIntervalMs?: number;
  /** refresh while guests run (CPU%, RSS); default 2000 ms */
  statsIntervalMs?: number;
  /** seconds `t` (shutdown) waits before the forced power-off; the driver's default when unset */
  shutdownTimeoutS?: number;
  /** `E`: edit text in the operator's editor (see EditText); without it, E explains */
  editText?: EditText;
  /** `K`: kldload a module (after the confirmation); rejects with a DriverError */
  loadModule?(name: ModuleName): Promise<void>;
  /** `:` verbs that are not the TUI's own: runs the CLI verb in-process; resolves with its output, rejects with a DriverError */
  runCommandLine?(argv: string[]): Promise<string>;
}

export function App(props: AppProps) {
  const {connection, onConsole, onQuit} = props;
  const idleMs = props.pollIntervalMs ?? 5000;
  const busyMs = props.statsIntervalMs ?? Math.min(2000, idleMs > 0 ? idleMs : 2000);

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
  const [screen, screenStore] = useStore(screenReducer, () => initialScreenState(props.resume?.view));
  const mounted = useMounted();
  const [status, report] = useStatus(props.initialStatus, mounted);

  // Synchronous mirrors for the key handler: several keys can arrive before React re-renders.
  const leavingRef = useRef(false);
  const hostRef = useRef(host.data);
  hostRef.current = host.data;
  const pagerRowsRef = useRef(10);

  const actions = useDomainActions({
    connection,
    screenStore,
    refreshTable: table.refresh,
    refreshHost: host.refresh,
    report,
    mounted,
    shutdownTimeoutS: props.shutdownTimeoutS,
    loadModule: props.loadModule,
    runCommandLine: props.runCommandLine,
  });
  const editFlow = useEditFlow({
    connection,
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
        leavingRef.current = true;
        onConsole(effect.name, effect.resume);
        return;
      }

      case 'edit': {
        void editFlow.edit(effect.name);
        return;
      }

      case 'discard-edit': {
        editFlow.discard(effect.name);
        return;
      }

      case 'refresh': {
        void actions.refreshAll();
        return;
      }

      case 'run-cli': {
        void actions.runCli(effect.argv);
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
          host: hostRef.current,
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
      connection={connection}
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
