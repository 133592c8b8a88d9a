// The actions that call the Connection: start, shutdown, destroy, reboot, undefine,
// autostart, kldload, and the CLI verbs of the `:` line. Each shows its progress, then its
// outcome once the list and the host status are refreshed, so the outcome and the new state
// appear together. One action at a time per domain; a second one is refused, not queued.
import {useCallback, useRef} from 'react';
import type {Connection, ModuleName} from '../../driver/client/connection.js';
import {runOnConnection} from '../app/command-line.js';
import type {DomainAction} from '../state/key-dispatch.js';
import type {ScreenAction, ScreenState} from '../state/screen-state.js';
import {errorStatus, infoStatus, type Status} from '../state/status.js';
import type {Store} from '../state/store.js';
import type {Report} from './use-status.js';

export interface DomainActions {
  /** fetches the domain list and the host status now */
  refreshAll(): Promise<void>;
  /** runs the action in the background; its outcome goes to the status line */
  perform(action: DomainAction): void;
  /** a CLI verb from the `:` line; output of several lines opens the output view */
  runCli(argv: string[]): Promise<void>;
}

interface Verb {
  doing: string;
  done: string;
  failed: string;
}

export function useDomainActions(options: {
  connection: Connection;
  screenStore: Store<ScreenState, ScreenAction>;
  refreshTable(): Promise<void>;
  refreshHost(): Promise<void>;
  report: Report;
  mounted: {readonly current: boolean};
  /** seconds shutdown waits before the forced power-off; the driver's default when unset */
  shutdownTimeoutS?: number | undefined;
  loadModule?: ((name: ModuleName) => Promise<void>) | undefined;
  runCommandLine?: ((argv: string[]) => Promise<string>) | undefined;
}): DomainActions {
  const {connection, screenStore, refreshTable, refreshHost, report, mounted} = options;
  const pendingRef = useRef(new Set<string>());

  const refreshAll = useCallback(async () => {
    await Promise.all([refreshTable(), refreshHost()]);
  }, [refreshTable, refreshHost]);

  const runAction = useCallback(
    async (name: string, verb: Verb, action: () => Promise<void>) => {
      if (pendingRef.current.has(name)) {
        report(infoStatus(`${name}: an action is already in progress`));
        return;
      }

      pendingRef.current.add(name);
      report({tone: 'pending', text: `${verb.doing} ${name}…`});
      let outcome: Status;
      try {
        await action();
        outcome = {tone: 'success', text: verb.done.includes(name) ? verb.done : `${verb.done} ${name}`};
      } catch (error: unknown) {
        outcome = errorStatus(error, {prefix: `${verb.failed} ${name}`, name});
      } finally {
        pendingRef.current.delete(name);
      }

      // Refresh first, so the outcome and the new state appear together.
      await refreshAll();
      report(outcome);
    },
    [refreshAll, report],
  );

  const kldload = async (module: ModuleName, label: string, persist: string) => {
    const loadModule = options.loadModule;
    if (loadModule === undefined) {
      report(infoStatus(`${label} not loaded`));
      return;
    }

    report({tone: 'pending', text: `kldload ${module}…`});
    let outcome: Status;
    try {
      await loadModule(module);
      outcome = {tone: 'success', text: `Loaded ${label}. To load it at every boot: ${persist}`};
    } catch (error: unknown) {
      outcome = errorStatus(error, {prefix: `kldload ${module} failed`, name: module});
    }

    await refreshAll();
    report(outcome);
  };

  const perform = (action: DomainAction) => {
    switch (action.type) {
      case 'start': {
        const {name} = action;
        void runAction(name, {doing: 'Starting', done: 'Started', failed: 'Cannot start'}, async () => connection.start(name));
        return;
      }

      case 'shutdown': {
        const {name} = action;
        const timeout = options.shutdownTimeoutS;
        void runAction(
          name,
          {
            doing: 'Pressing the power button of',
            done: `Shutting down ${name}: ACPI power button pressed; forced power-off when the countdown ends`,
            failed: 'Cannot shut down',
          },
          async () => connection.shutdown(name, timeout === undefined ? undefined : {timeoutS: timeout}),
        );
        return;
      }

      case 'destroy': {
        const {name} = action;
        void runAction(name, {doing: 'Destroying', done: 'Destroyed', failed: 'Cannot destroy'}, async () => connection.destroy(name));
        return;
      }

      case 'reboot': {
        const {name} = action;
        void runAction(name, {doing: 'Rebooting', done: 'Rebooted', failed: 'Cannot reboot'}, async () => connection.reboot(name));
        return;
      }

      case 'undefine': {
        const {name} = action;
        void runAction(name, {doing: 'Undefining', done: `Domain '${name}' has been undefined`, failed: 'Cannot undefine'}, async () => {
          await connection.undefine(name);
          // Views of the removed domain make no sense any more.
          screenStore.dispatch({type: 'home'});
        });
        return;
      }

      case 'autostart': {
        const {name, enable} = action;
        void runAction(
          name,
          {
            doing: enable ? 'Enabling autostart of' : 'Disabling autostart of',
            done: enable ? `${name} will start when the host boots` : `${name} will not start when the host boots`,
            failed: 'Cannot change autostart of',
          },
          async () => connection.setAutostart(name, enable),
        );
        return;
      }

      case 'kldload': {
        void kldload(action.module, action.label, action.persist ?? `sysrc kld_list+=${action.module}`);
      }
    }
  };

  const runCli = async (argv: string[]) => {
    const line = argv.join(' ');
    report({tone: 'pending', text: `${line}…`});
    let outcome: Status;
    let output = '';
    try {
      output =
        options.runCommandLine === undefined
          ? await runOnConnection(connection, argv, options.shutdownTimeoutS === undefined ? {} : {shutdownTimeoutS: options.shutdownTimeoutS})
          : await options.runCommandLine(argv);
      const lines = output.trimEnd().split('\n');
      outcome = {tone: 'success', text: lines.length === 1 && lines[0] !== '' ? (lines[0] ?? '') : `Done: ${line}`};
    } catch (error: unknown) {
      outcome = errorStatus(error);
      output = '';
    }

    await refreshAll();
    if (!mounted.current) {
      return;
    }

    if (output.trimEnd().includes('\n')) {
      screenStore.dispatch({type: 'push', view: {kind: 'output', title: `:${line}`, text: output}});
    }

    report(outcome);
  };

  return {refreshAll, perform, runCli};
}
