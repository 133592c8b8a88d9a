// Rendering the App under ink-testing-library and waiting on what it draws.
import {render} from 'ink-testing-library';
import {App, type AppProps, type ResumeState} from '../../../ui/app/App.js';
import type {HostLinks} from '../../../ui/app/hosts.js';
import type {FakeConnection} from './fake-connection.js';

const ansi = /\u001B\[[0-?]*[ -/]*[@-~]/g;

function plain(frame: string | undefined): string {
  return (frame ?? '').replace(ansi, '');
}

export const ESC = '\u001B';
export const keys = {
  up: '\u001B[A',
  down: '\u001B[B',
  pageUp: '\u001B[5~',
  pageDown: '\u001B[6~',
  enter: '\r',
  ctrlC: '\u0003',
  ctrlU: '\u0015',
  backspace: '\u007F',
  tab: '\t',
} as const;

export async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

export interface Rendered {
  frame(): string;
  write(data: string): void;
  /** Resolves with the frame once `predicate` holds; rejects with the last frame after `timeoutMs`. */
  waitFor(predicate: (frame: string) => boolean, timeoutMs?: number): Promise<string>;
  /** waitFor(frame contains text) */
  waitForText(text: string, timeoutMs?: number): Promise<string>;
  /** The name on the highlighted row, or undefined. */
  selected(): string | undefined;
  consoles: string[];
  /** what onConsole got as its third argument (the host, with several), per call */
  consoleHosts: Array<string | undefined>;
  /** what onConsole got as its second argument, per call */
  resumes: ResumeState[];
  quits: number;
  stdout: NodeJS.EventEmitter & {rows?: number; columns: number};
  unmount(): void;
}

export function renderApp(connection: FakeConnection, props: Partial<AppProps> = {}): Rendered {
  return renderWith({connection, ...props});
}

/** The App on several hosts' links (createHostLinks). */
export function renderHosts(hosts: HostLinks, props: Partial<AppProps> = {}): Rendered {
  return renderWith({hosts, ...props});
}

function renderWith(props: Partial<AppProps>): Rendered {
  const consoles: string[] = [];
  const consoleHosts: Array<string | undefined> = [];
  const resumes: ResumeState[] = [];
  const state = {quits: 0};
  const instance = render(
    <App
      onConsole={(name, resume, host) => {
        consoles.push(name);
        consoleHosts.push(host);
        resumes.push(resume);
      }}
      onQuit={() => {
        state.quits++;
      }}
      {...props}
    />,
  );
  const frame = () => plain(instance.lastFrame());
  const waitFor = async (predicate: (frame: string) => boolean, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const current = frame();
      if (predicate(current)) {
        return current;
      }

      if (Date.now() > deadline) {
        throw new Error(`Timed out waiting; last frame:\n${current}`);
      }

      await sleep(5);
    }
  };

  return {
    frame,
    write(data) {
      instance.stdin.write(data);
    },
    waitFor,
    async waitForText(text, timeoutMs) {
      return waitFor((current) => current.includes(text), timeoutMs);
    },
    selected() {
      const match = /›\s[! ]\s(\S+)/.exec(frame());
      return match?.[1];
    },
    consoles,
    consoleHosts,
    resumes,
    get quits() {
      return state.quits;
    },
    stdout: instance.stdout as unknown as Rendered['stdout'],
    unmount() {
      instance.unmount();
      instance.cleanup();
    },
  };
}

/** Resizes the fake terminal and tells Ink about it. */
export function resize(app: Rendered, columns: number, rows: number): void {
  Object.defineProperty(app.stdout, 'columns', {value: columns, configurable: true});
  Object.defineProperty(app.stdout, 'rows', {value: rows, configurable: true});
  app.stdout.emit('resize');
}

/** Writes the keys and waits past Ink's lone-Esc delay when the last one is Esc. */
export async function press(app: Rendered, data: string): Promise<void> {
  app.write(data);
  if (data === ESC) {
    await sleep(40);
  }
}
