// `E` in the TUI and `bhyve-tui edit` (commands-edit.ts): the domain XML in the operator's
// editor, like `virsh edit`. For the TUI, Ink is suspended by hand (ink 6 has no
// suspendTerminal): leave the alternate screen, give the terminal back in cooked mode, run
// $VISUAL/$EDITOR, then take the screen back and make Ink repaint. The text is kept in a
// file under the user's state directory, so an edit that fails validation is never lost.
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {DriverError} from '../driver/client/connection.js';
import {fileError} from '../driver/io/fs-errors.js';
import {readBoundedText} from '../driver/io/bounded-read.js';
import {DEFAULT_XML_LIMITS} from '../driver/xml/dom.js';
import type {EditRequest, EditResult} from '../ui/app/App.js';

function editsDir(env: NodeJS.ProcessEnv = process.env): string {
  const state = env.XDG_STATE_HOME && path.isAbsolute(env.XDG_STATE_HOME) ? env.XDG_STATE_HOME : path.join(os.homedir(), '.local', 'state');
  return path.join(state, 'bhyve-tui', 'edits');
}

/** $VISUAL, else $EDITOR, else vi; split on blanks (no shell), so 'code -w' works. */
function editorCommand(env: NodeJS.ProcessEnv = process.env): string[] {
  const spec = (env.VISUAL?.trim() || env.EDITOR?.trim() || 'vi').split(/\s+/);
  return spec;
}

/**
 * Writes the text to be edited. A full disk (or any write error) is one line naming the
 * file, and no partial file is left: the editor would show a cut-off definition.
 */
export function saveEditFile(file: string, text: string): void {
  try {
    fs.mkdirSync(path.dirname(file), {recursive: true, mode: 0o700});
    fs.writeFileSync(file, text, {mode: 0o600});
  } catch (e) {
    try {
      fs.rmSync(file, {force: true});
    } catch {
      // the write already failed; that is the error to report
    }
    throw fileError('write', file, e);
  }
}

/** Where an edit's text is kept: the user's state directory, one file per attempt. */
export function editFilePath(name: string, attempt: number, env: NodeJS.ProcessEnv = process.env): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return path.join(editsDir(env), `${name}-${stamp}-${attempt}.xml`);
}

/**
 * Runs $VISUAL/$EDITOR on `file` with this terminal (argv, no shell) and waits for it:
 * its exit status (null when a signal ended it). Throws DriverError when it cannot run.
 */
export function runEditor(file: string): number | null {
  const [program, ...args] = editorCommand();
  const result = spawnSync(program!, [...args, file], {stdio: 'inherit'});
  if (result.error) throw new DriverError(`cannot run the editor '${program}': ${result.error.message}; set $VISUAL or $EDITOR`);
  return result.status;
}

/** What the editor saved, through the bounded reader: it may have left anything there. */
export function readEditFile(file: string): string {
  try {
    return readBoundedText(file, {maxBytes: DEFAULT_XML_LIMITS.maxBytes});
  } catch (e) {
    throw new DriverError(`cannot read back your edit: ${e instanceof Error ? e.message : String(e)}; what the editor saved stays in ${file}`);
  }
}

export async function editText(text: string, request: EditRequest): Promise<EditResult | null> {
  const file = editFilePath(request.name, request.attempt);
  saveEditFile(file, text);
  const stdin = process.stdin;
  const wasRaw = stdin.isTTY ? stdin.isRaw : false;
  stdin.pause();
  if (stdin.isTTY) stdin.setRawMode(false);
  process.stdout.write('\x1b[?25h\x1b[?1049l');
  let status;
  try {
    status = runEditor(file);
  } finally {
    process.stdout.write('\x1b[?1049h\x1b[H\x1b[2J\x1b[?25l');
    if (stdin.isTTY) stdin.setRawMode(wasRaw);
    stdin.resume();
    // Ink repaints everything on a resize.
    process.stdout.emit('resize');
  }
  if (status !== 0) return null;
  return {text: readEditFile(file), savedAt: file};
}
