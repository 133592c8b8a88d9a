// The TUI's main loop: Ink draws the list; for the console Ink is unmounted and the
// terminal is handed to a raw byte pipe, then Ink is mounted again with the same selection.
import React from 'react';
import {render} from 'ink';
import type {Connection} from '../driver/connection.js';
import {attachTerminal, type ConsoleEnd} from '../driver/console-attach.js';
import {App} from '../ui/App.js';
import {enterFullScreen, restoreTerminal} from './terminal-restore.js';

type Next = {kind: 'quit'} | {kind: 'console'; name: string};

function showApp(conn: Connection, selection: string | undefined, status: {text: string; error?: boolean} | undefined): Promise<Next> {
  return new Promise((resolve) => {
    let next: Next = {kind: 'quit'};
    const props: React.ComponentProps<typeof App> = {
      connection: conn,
      onConsole: (name) => {
        next = {kind: 'console', name};
        setImmediate(() => instance.unmount());
      },
      onQuit: () => {
        next = {kind: 'quit'};
        setImmediate(() => instance.unmount());
      },
    };
    if (selection !== undefined) props.initialSelection = selection;
    if (status !== undefined) props.initialStatus = status;
    const instance = render(<App {...props} />, {exitOnCtrlC: false, patchConsole: false});
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

export async function runTui(conn: Connection): Promise<void> {
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    throw new Error('the TUI needs a terminal; use a command instead (bhyve-tui list, start, console, ...)');
  }
  enterFullScreen();
  let selection: string | undefined;
  let status: {text: string; error?: boolean} | undefined;
  try {
    for (;;) {
      const next = await showApp(conn, selection, status);
      if (next.kind === 'quit') break;
      selection = next.name;
      status = await runConsole(conn, next.name);
    }
  } finally {
    restoreTerminal();
  }
}

async function runConsole(conn: Connection, name: string): Promise<{text: string; error?: boolean}> {
  let channel;
  try {
    channel = await conn.openConsole(name);
  } catch (e) {
    return {text: (e as Error).message, error: true};
  }
  process.stdout.write('\x1b[H\x1b[2J\x1b[?25h');
  try {
    const {end, detail} = await attachTerminal(channel, {name, input: process.stdin, output: process.stdout});
    return {text: `${endText[end]} (${name}${detail ? `: ${detail}` : ''})`};
  } finally {
    process.stdout.write('\x1b[0m\x1b[H\x1b[2J');
  }
}
