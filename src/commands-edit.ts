// `bhyve-tui edit NAME`, virsh's `edit`: the definition file in $VISUAL/$EDITOR (else vi),
// checked and defined when the editor exits. The same flow as the TUI's E (tui-editor.ts
// runs the editor, ui/state/edit-buffer.ts puts the errors on top of a re-edit): a rejected
// edit goes back to the editor with the errors as a comment, and the text is never lost:
// the operator who gives up is told which file holds it.
//
// virsh asks "Failed. Try again? [y,n,i,f,?]". Here it is [y,n,?]: virsh's i (define
// without validation) and f (force) have no counterpart, as the daemon never stores a
// definition that does not validate.
import fs from 'node:fs';
import tty from 'node:tty';
import {shellWord} from '../driver/client/ssh-transport.js';
import {DriverError} from '../driver/client/connection.js';
import {defaultConnectionUri} from '../driver/client/connection-uri.js';
import {stripErrorHeader, withErrorHeader} from '../ui/state/edit-buffer.js';
import {editFilePath, readEditFile, runEditor, saveEditFile} from './tui-editor.js';
import type {CommandSpec} from './command-spec.js';

const question = 'Failed. Try again? [y,n,?]: ';
const help = ['y - send me back to the editor', 'n - give up (your edit is kept in a file)', '? - print this help'].join('\n');

/**
 * One line typed on stdin, read synchronously: no stream is left reading the terminal
 * while the next editor runs on it. Null at the end of the input.
 */
function readAnswer(): string | null {
  const bytes: number[] = [];
  const one = Buffer.alloc(1);
  for (;;) {
    let n: number;
    try {
      n = fs.readSync(0, one, 0, 1, null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20); // a non-blocking stdin: wait for input
        continue;
      }
      if (code === 'EOF') return bytes.length ? Buffer.from(bytes).toString() : null;
      throw e;
    }
    if (n === 0) return bytes.length ? Buffer.from(bytes).toString() : null;
    if (one[0] === 0x0a) return Buffer.from(bytes).toString();
    bytes.push(one[0]!);
  }
}

/** Asks until the answer is y or n; the end of the input gives up. */
function askReedit(): boolean {
  for (;;) {
    process.stderr.write(question);
    const answer = readAnswer();
    // A terminal echoed the answer and its newline; input from a pipe did not.
    if (answer === null || !tty.isatty(0)) process.stderr.write('\n');
    if (answer === null) return false;
    const key = answer.trim().toLowerCase();
    if (key === 'y') return true;
    if (key === 'n') return false;
    if (key === '?') process.stderr.write(`${help}\n`);
  }
}

function removeQuietly(file: string): void {
  try {
    fs.rmSync(file, {force: true});
  } catch {
    // a leftover edit file is harmless
  }
}

export const editCommands: CommandSpec[] = [
  {
    name: 'edit',
    synopsis: 'edit NAME',
    summary: "edit a domain's XML in $VISUAL or $EDITOR, then check and define it",
    flags: [],
    args: 1,
    needsTerminal: () => 'press E on the domain',
    async run(ctx) {
      const name = ctx.args[0]!;
      const conn = await ctx.connect();
      // The file as written (also an invalid one, which an edit may fix), as the TUI's E.
      const original = await conn.domainXml(name);
      let buffer = original;
      for (let attempt = 1; ; attempt++) {
        const file = editFilePath(name, attempt);
        saveEditFile(file, buffer);
        // What the operator typed, wherever this ends: kept (and named) unless it is the definition itself.
        const keep = (text: string): string | undefined => {
          if (text === original) {
            removeQuietly(file);
            return undefined;
          }
          saveEditFile(file, text);
          return file;
        };
        let status: number | null;
        try {
          status = runEditor(file);
        } catch (e) {
          const kept = keep(stripErrorHeader(buffer));
          throw new DriverError(`${(e as Error).message}${kept ? `; your edit is kept in ${kept}` : ''}`);
        }
        const text = stripErrorHeader(readEditFile(file));
        if (status !== 0) {
          const kept = keep(text);
          throw new DriverError(
            `the editor ${status === null ? 'was killed' : `exited with status ${status}`}; the definition of '${name}' is not changed${kept ? `; your edit is kept in ${kept}` : ''}`,
          );
        }
        if (text === original) {
          removeQuietly(file);
          ctx.print(`Domain '${name}' XML configuration not changed.\n\n`);
          return 0;
        }
        let defined: {name: string};
        try {
          defined = await conn.define(text);
        } catch (e) {
          if (!(e instanceof DriverError)) throw e;
          ctx.note(`error: ${e.message}`);
          if (e.detail) ctx.note(e.detail.replace(/^/gm, '  '));
          if (!askReedit()) {
            const kept = keep(text);
            // A command to paste into a shell: a URI's '?' and '&' are quoted for it.
            const connect = ctx.uri === defaultConnectionUri() ? '' : `-c ${shellWord(ctx.uri)} `;
            throw new DriverError(
              `Domain '${name}' XML configuration not changed; your edit is kept in ${kept}: fix it and run: bhyve-tui ${connect}define ${kept === undefined ? 'FILE' : shellWord(kept)}`,
            );
          }
          buffer = withErrorHeader(text, e.message, e.detail);
          removeQuietly(file); // its text goes on in the next attempt's file
          continue;
        }
        removeQuietly(file);
        ctx.print(defined.name === name ? `Domain '${name}' XML configuration edited.\n\n` : `Domain '${defined.name}' defined from the edit of '${name}'\n\n`);
        return 0;
      }
    },
  },
];
