// The actions that call the Connection: start, shutdown, destroy, reboot, undefine,
// autostart, kldload, and the CLI verbs of the `:` line. Each shows its progress, then its
// outcome once the list and the host status are refreshed, so the outcome and the new state
// appear together. One action at a time per domain; a second one is refused, not queued.
// With several hosts each action runs on its domain's host and every message names it.
import {useCallback, useRef} from 'react';
import type {Connection, ModuleName} from '../../driver/client/connection.js';
import {runOnConnection} from '../app/command-line.js';
import {domainKey} from '../state/domain-table-state.js';
import type {DomainAction} from '../state/key-dispatch.js';
import type {ScreenAction, ScreenState} from '../state/screen-state.js';
import {errorStatus, infoStatus, naming, onHostText, type Status} from '../state/status.js';
import type {Store} from '../state/store.js';
import type {Report} from './use-status.js';

export interface DomainActions {
  /** fetches the domain list and the host status now (of every host) */
  refreshAll(): Promise<void>;
  /** runs the action in the background; its outcome goes to the status line */
  perform(action: DomainAction): void;
  /** a CLI verb from the `:` line, on `host`; output of several lines opens the output view */
  runCli(argv: string[], host?: string): Promise<void>;
}

interface Verb {
  doing: string;
  done: string;
  failed: string;
}

/** Where an action runs: the host's connection, or why there is none (several hosts). */
export type HostConnection = {connection: Connection} | {unreachable: string};

export function useDomainActions(options: {
  /** the connection of a domain's host; `host` is undefined with one host */
  connectionOf(host: string | undefined): HostConnection;
  screenStore: Store<ScreenState, ScreenAction>;
  /** fetches the list and host status of `host`, or of every host */
  refresh(host?: string): Promise<void>;
  report: Report;
  mounted: {readonly current: boolean};
  /** seconds shutdown waits before the forced power-off; the driver's default when unset */
  shutdownTimeoutS?: number | undefined;
  loadModule?: ((name: ModuleName, connection: Connection) => Promise<void>) | undefined;
  runCommandLine?: ((argv: string[]) => Promise<string>) | undefined;
}): DomainActions {
  const {connectionOf, screenStore, refresh, report, mounted} = options;
  const pendingRef = useRef(new Set<string>());

  const refreshAll = useCallback(async () => refresh(), [refresh]);

  /** The host's connection, or undefined after saying why there is none. */
  const reach = (host: string | undefined): Connection | undefined => {
    const found = connectionOf(host);
    if ('connection' in found) {
      return found.connection;
    }

    report({tone: 'error', text: found.unreachable});
    return undefined;
  };

  const runAction = useCallback(
    async (name: string, host: string | undefined, verb: Verb, action: (connection: Connection) => Promise<void>) => {
      const key = domainKey(name, host);
      if (pendingRef.current.has(key)) {
        report(infoStatus(`${name}${onHostText(host)}: an action is already in progress`));
        return;
      }

      const found = connectionOf(host);
      if (!('connection' in found)) {
        report({tone: 'error', text: found.unreachable});
        return;
      }

      const on = onHostText(host);
      pendingRef.current.add(key);
      report({tone: 'pending', text: `${verb.doing} ${name}${on}…`});
      let outcome: Status;
      try {
        await action(found.connection);
        outcome = {tone: 'success', text: (verb.done.includes(name) ? verb.done : `${verb.done} ${name}`) + on};
      } catch (error: unknown) {
        outcome = naming(errorStatus(error, {prefix: `${verb.failed} ${name}${on}`, name}), host);
      } finally {
        pendingRef.current.delete(key);
      }

      // Refresh first, so the outcome and the new state appear together.
      await refresh(host);
      report(outcome);
    },
    [connectionOf, refresh, report],
  );

  const kldload = async (module: ModuleName, label: string, persist: string, host: string | undefined) => {
    const loadModule = options.loadModule;
    if (loadModule === undefined) {
      report(infoStatus(`${label} not loaded`));
      return;
    }

    const connection = reach(host);
    if (connection === undefined) {
      return;
    }

    const on = onHostText(host);
    report({tone: 'pending', text: `kldload ${module}${on}…`});
    let outcome: Status;
    try {
      await loadModule(module, connection);
      outcome = {tone: 'success', text: `Loaded ${label}${on}. To load it at every boot: ${persist}`};
    } catch (error: unknown) {
      outcome = naming(errorStatus(error, {prefix: `kldload ${module}${on} failed`, name: module}), host);
    }

    await refresh(host);
    report(outcome);
  };

  const perform = (action: DomainAction) => {
    switch (action.type) {
      case 'start': {
        const {name, host} = action;
        void runAction(name, host, {doing: 'Starting', done: 'Started', failed: 'Cannot start'}, async (connection) => connection.start(name));
        return;
      }

      case 'shutdown': {
        const {name, host} = action;
        const timeout = options.shutdownTimeoutS;
        void runAction(
          name,
          host,
          {
            doing: 'Pressing the power button of',
            done: `Shutting down ${name}: ACPI power button pressed; forced power-off when the countdown ends`,
            failed: 'Cannot shut down',
          },
          async (connection) => connection.shutdown(name, timeout === undefined ? undefined : {timeoutS: timeout}),
        );
        return;
      }

      case 'destroy': {
        const {name, host} = action;
        void runAction(name, host, {doing: 'Destroying', done: 'Destroyed', failed: 'Cannot destroy'}, async (connection) => connection.destroy(name));
        return;
      }

      case 'reboot': {
        const {name, host} = action;
        void runAction(name, host, {doing: 'Rebooting', done: 'Rebooted', failed: 'Cannot reboot'}, async (connection) => connection.reboot(name));
        return;
      }

      case 'undefine': {
        const {name, host} = action;
        void runAction(name, host, {doing: 'Undefining', done: `Domain '${name}' has been undefined`, failed: 'Cannot undefine'}, async (connection) => {
          await connection.undefine(name);
          // Views of the removed domain make no sense any more.
          screenStore.dispatch({type: 'home'});
        });
        return;
      }

      case 'autostart': {
        const {name, enable, host} = action;
        void runAction(
          name,
          host,
          {
            doing: enable ? 'Enabling autostart of' : 'Disabling autostart of',
            done: enable ? `${name} will start when the host boots` : `${name} will not start when the host boots`,
            failed: 'Cannot change autostart of',
          },
          async (connection) => connection.setAutostart(name, enable),
        );
        return;
      }

      case 'kldload': {
        void kldload(action.module, action.label, action.persist ?? `sysrc kld_list+=${action.module}`, action.host);
      }
    }
  };

  const runCli = async (argv: string[], host?: string) => {
    const line = argv.join(' ');
    const connection = options.runCommandLine === undefined ? reach(host) : undefined;
    if (options.runCommandLine === undefined && connection === undefined) {
      return;
    }

    const on = onHostText(host);
    report({tone: 'pending', text: `${line}${on}…`});
    let outcome: Status;
    let output = '';
    try {
      output =
        connection === undefined
          ? await (options.runCommandLine?.(argv) ?? Promise.resolve(''))
          : await runOnConnection(connection, argv, options.shutdownTimeoutS === undefined ? {} : {shutdownTimeoutS: options.shutdownTimeoutS});
      const lines = output.trimEnd().split('\n');
      outcome = {tone: 'success', text: (lines.length === 1 && lines[0] !== '' ? (lines[0] ?? '') : `Done: ${line}`) + on};
    } catch (error: unknown) {
      outcome = naming(errorStatus(error), host);
      output = '';
    }

    await refresh(host);
    if (!mounted.current) {
      return;
    }

    if (output.trimEnd().includes('\n')) {
      screenStore.dispatch({type: 'push', view: {kind: 'output', title: `:${line}${on}`, text: output}});
    }

    report(outcome);
  };

  return {refreshAll, perform, runCli};
}
