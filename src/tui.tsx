// The TUI's main loop: Ink draws the list; for the console Ink is unmounted and the
// terminal is handed to a raw byte pipe, then Ink is mounted again with the same selection.
// With several hosts the links live here, across those remounts: a console does not make
// every host connect again.
import type React from 'react';
import {render} from 'ink';
import type {Connection} from '../driver/client/connection.js';
import {attachTerminal, type ConsoleEnd} from '../driver/console/attach.js';
import {App, type ResumeState} from '../ui/app/App.js';
import {createHostLinks, type HostLinks, type TuiHost} from '../ui/app/hosts.js';
import {enterFullScreen, restoreTerminal} from './terminal-restore.js';
import {editText} from './tui-editor.js';
import {defaultEscape} from './commands-lifecycle.js';

export type {TuiHost} from '../ui/app/hosts.js';

type Next = {kind: 'quit'} | {kind: 'console'; name: string; resume: ResumeState; host?: string};

/** What the App runs on: one connected host, or several hosts' links. */
type Hosts = {connection: Connection} | {hosts: HostLinks};

type InitialData = NonNullable<React.ComponentProps<typeof App>['initialData']>;

/**
 * Ink draws its first frame over the one the launcher painted. Both show the same data, but
 * anything that changed in between must not leave stale characters behind: the first frame
 * erases the rest of each line and the screen below it, in the same write (no flicker).
 */
function eraseBehindFirstFrame(out: NodeJS.WriteStream): () => void {
  const write = out.write;
  const restore = () => {
    out.write = write;
  };
  out.write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
    let data = chunk;
    if (typeof data === 'string' && data.includes('\n')) {
      restore();
      data = `${data.replace(/\n/g, '\u001B[K\n')}\u001B[J`;
    }
    return (write as (...args: unknown[]) => boolean).call(out, data, ...rest);
  } as typeof out.write;
  return restore;
}

function showApp(
  on: Hosts,
  selection: {name: string; host?: string | undefined} | undefined,
  resume: ResumeState | undefined,
  status: {text: string; error?: boolean} | undefined,
  initialData?: InitialData,
): Promise<Next> {
  return new Promise((resolve) => {
    let next: Next = {kind: 'quit'};
    const props: React.ComponentProps<typeof App> = {
      ...on,
      editText,
      loadModule: (name, connection) => connection.loadModule(name),
      onConsole: (name, resumeState, host) => {
        next = {kind: 'console', name, resume: resumeState, ...(host === undefined ? {} : {host})};
        setImmediate(() => instance.unmount());
      },
      onQuit: () => {
        next = {kind: 'quit'};
        setImmediate(() => instance.unmount());
      },
    };
    if (selection !== undefined) props.initialSelection = selection.name;
    if (selection?.host !== undefined) props.initialHost = selection.host;
    if (resume !== undefined) props.resume = resume;
    if (status !== undefined) props.initialStatus = status;
    if (initialData !== undefined) props.initialData = initialData;
    const restoreWrite = initialData === undefined ? () => {} : eraseBehindFirstFrame(process.stdout);
    const instance = render(<App {...props} />, {exitOnCtrlC: false, patchConsole: false});
    restoreWrite();
    instance.waitUntilExit().then(
      () => resolve(next),
      () => resolve(next),
    );
  });
}

const endText: Record<ConsoleEnd, string> = {
  escape: 'Console closed',
  stopped: 'The guest stopped; console closed',
  taken: 'Another client took over the console',
  hangup: 'The console device closed',
};

/**
 * The TUI until q, on `hosts` (one, or several shown together); `initialData` is what the
 * launcher's first frame showed of the first host, if it drew one. One host is connected
 * before the TUI starts, and a failure to connect is this call's error, as it always was;
 * several hosts connect (and retry) on their own while the TUI runs.
 */
export async function runTui(hosts: readonly TuiHost[], initialData?: InitialData): Promise<void> {
  const [only] = hosts;
  if (only === undefined) {
    throw new Error('no host to show');
  }

  const one = hosts.length === 1 ? await only.connect() : undefined;
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    throw new Error('the TUI needs a terminal; use a command instead (bhyve-tui list, start, console, ...)');
  }
  const links = one === undefined ? createHostLinks(hosts) : undefined;
  const on: Hosts = one === undefined ? {hosts: links!} : {connection: one};
  enterFullScreen();
  let selection: {name: string; host?: string | undefined} | undefined;
  let resume: ResumeState | undefined;
  let status: {text: string; error?: boolean} | undefined;
  try {
    for (let first = true; ; first = false) {
      const next = await showApp(on, selection, resume, status, first ? initialData : undefined);
      if (next.kind === 'quit') break;
      selection = {name: next.name, host: next.host};
      resume = next.resume;
      const connection = one ?? links?.get(next.host)?.connection();
      status =
        connection === undefined
          ? {text: `${next.host ?? 'the host'} is not connected; console not opened`, error: true}
          : await runConsole(connection, next.name, next.host);
    }
  } finally {
    links?.stop();
    restoreTerminal();
  }
}

async function runConsole(conn: Connection, name: string, host?: string): Promise<{text: string; error?: boolean}> {
  const escapeByte = await defaultEscape(conn);
  let channel;
  try {
    channel = await conn.openConsole(name);
  } catch (e) {
    return {text: (e as Error).message, error: true};
  }
  process.stdout.write('\x1b[H\x1b[2J\x1b[?25h');
  try {
    const {end, detail} = await attachTerminal(channel, {name, input: process.stdin, output: process.stdout, escape: escapeByte});
    return {text: `${endText[end]} (${name}${host === undefined ? '' : ` on ${host}`}${detail ? `: ${detail}` : ''})`};
  } finally {
    process.stdout.write('\x1b[0m\x1b[H\x1b[2J');
  }
}
