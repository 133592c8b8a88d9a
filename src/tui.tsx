// The TUI's main loop: Ink draws the list; for the console Ink is unmounted and the
// terminal is handed to a raw byte pipe, then Ink is mounted again with the same selection.
import React from 'react';
import {render} from 'ink';
import type {Connection} from '../driver/connection.js';
import {attachConsole, type ConsoleEnd} from '../driver/console-attach.js';
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
  let device: string;
  try {
    device = await conn.consoleDevice(name);
  } catch (e) {
    return {text: (e as Error).message, error: true};
  }
  process.stdout.write('\x1b[H\x1b[2J\x1b[?25h');
  try {
    const end = await attachConsole({
      name,
      device,
      input: process.stdin,
      output: process.stdout,
      stillRunning: async () => {
        const d = (await conn.listDomains()).find((x) => x.name === name);
        return d?.state === 'running' || d?.state === 'bootloader';
      },
    });
    return {text: `${endText[end]} (${name})`};
  } catch (e) {
    return {text: `cannot open the console of '${name}': ${(e as Error).message}`, error: true};
  } finally {
    process.stdout.write('\x1b[0m\x1b[H\x1b[2J');
  }
}
