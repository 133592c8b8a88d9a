// What bhyveload and grub-bhyve share: typing text onto the console at a pace.
import type {ConsolePort} from './console.js';
import {CRLF} from './guest/loader-text.js';
import {sleep} from './tool-runtime.js';

export async function printLines(con: ConsolePort, lines: string[], perLineMs: number): Promise<void> {
  for (const l of lines) {
    con.write(l + CRLF);
    if (perLineMs > 0) await sleep(perLineMs);
  }
}
