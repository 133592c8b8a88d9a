// What the App is given (AppProps), and what its core needs of the host or hosts behind it
// (HostAccess): one connected host (App.tsx) or several (SeveralHosts.tsx).
import type {Connection, DomainSummary, HostStatus, ModuleName} from '../../driver/client/connection.js';
import type {HostConnection} from '../hooks/use-domain-actions.js';
import type {EditText} from '../hooks/use-edit-flow.js';
import type {ResumeState} from '../state/key-dispatch.js';
import type {HostInfo} from '../text/host-rows.js';
import type {FedStatus} from './HostFeed.js';
import type {HostLinks} from './hosts.js';

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
export interface HostAccess {
  /** the hosts' names and links, with several; undefined with one */
  info: ReadonlyMap<string, HostInfo> | undefined;
  connectionOf(host: string | undefined): HostConnection;
  statusOf(host: string | undefined): FedStatus;
  /** fetches the list and status of `host`, or of every host */
  refresh(host?: string): Promise<void>;
}

export function intervals(props: AppProps): {idleMs: number; busyMs: number} {
  const idleMs = props.pollIntervalMs ?? 5000;
  return {idleMs, busyMs: props.statsIntervalMs ?? Math.min(2000, idleMs > 0 ? idleMs : 2000)};
}
