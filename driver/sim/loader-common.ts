// Pieces bhyveload and grub-bhyve share: typing text onto the console at a pace, and
// the loader faults.
import type {ConsolePort} from './console.js';
import {CRLF} from './guest/loader-text.js';
import {sleep} from './tool-runtime.js';

export async function printLines(con: ConsolePort, lines: string[], perLineMs: number): Promise<void> {
  for (const l of lines) {
    con.write(l + CRLF);
    if (perLineMs > 0) await sleep(perLineMs);
  }
}

/** Wait for input bytes; resolves with the first chunk, or null after timeoutMs. */
export function nextInput(con: ConsolePort, timeoutMs: number | null): Promise<Buffer | null> {
  return new Promise((resolve) => {
    let done = false;
    const t = timeoutMs === null ? null : setTimeout(() => finish(null), timeoutMs);
    const finish = (b: Buffer | null): void => {
      if (done) return;
      done = true;
      if (t) clearTimeout(t);
      resolve(b);
    };
    pendingReaders.push(finish);
    con.onData((d) => {
      for (const r of pendingReaders.splice(0)) r(d);
    });
  });
}
const pendingReaders: ((b: Buffer) => void)[] = [];
