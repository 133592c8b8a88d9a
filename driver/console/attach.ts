// The client's end of a serial console: the terminal joined byte for byte to the console
// the daemon holds (console/hub.ts), like `cu -l /dev/nmdm0B`, until the escape character
// (Ctrl-] as in virsh).
import {spawnSync} from 'node:child_process';
import type {ConsoleChannel} from '../client/connection.js';

export type ConsoleEnd = 'escape' | 'stopped' | 'taken' | 'hangup';

export function escapeName(byte: number): string {
  return byte < 0x20 ? `^${String.fromCharCode(byte + 0x40)}` : String.fromCharCode(byte);
}

/** Stops a stream that Ink (or anyone) set to utf8 from decoding: console bytes are bytes. */
function binaryInput(input: NodeJS.ReadStream): void {
  const state = (input as unknown as {_readableState?: {decoder: unknown; encoding: unknown}})._readableState;
  if (state?.encoding) {
    state.decoder = null;
    state.encoding = null;
  }
}

/**
 * Joins the terminal to a console channel, byte for byte, until the escape key, the end
 * of the guest, or a takeover. The terminal's raw mode is restored on every path.
 */
export function attachTerminal(
  channel: ConsoleChannel,
  s: {name: string; input: NodeJS.ReadStream; output: NodeJS.WriteStream; escape?: number},
): Promise<{end: ConsoleEnd; detail?: string}> {
  const escapeByte = s.escape ?? 0x1d;
  s.output.write(`Connected to domain '${s.name}'\r\nEscape character is ${escapeName(escapeByte)} (Ctrl + ${String.fromCharCode(escapeByte + 0x40)})\r\n`);
  binaryInput(s.input);
  const wasRaw = s.input.isTTY ? s.input.isRaw : false;
  if (s.input.isTTY) {
    s.input.setRawMode(true);
    // Node's raw mode keeps output processing (a lone \n becomes \r\n); a console is
    // byte for byte, as virsh's cfmakeraw. setRawMode(false) restores the saved settings.
    spawnSync('stty', ['-opost'], {stdio: [s.input as unknown as number, 'ignore', 'ignore']});
  }
  s.input.resume();
  return new Promise((resolve) => {
    let done = false;
    const signals = ['SIGHUP', 'SIGTERM'] as const;
    const finish = (end: ConsoleEnd, detail?: string) => {
      if (done) return;
      done = true;
      s.input.off('data', onKey);
      s.input.off('end', onInputEnd);
      for (const sig of signals) process.off(sig, onSignal);
      channel.close();
      // A terminal that hung up cannot be set any more (setRawMode reports EIO as an
      // 'error' event): the listener below is still there to take it.
      if (s.input.isTTY) s.input.setRawMode(wasRaw);
      s.input.off('error', onInputError);
      s.input.pause();
      resolve(detail === undefined ? {end} : {end, detail});
    };
    // The terminal hung up (SIGHUP) or we are told to stop: restore the terminal, leave
    // the console, and if nobody else handles the signal die of it as before.
    const onSignal = (sig: NodeJS.Signals) => {
      finish('hangup');
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    };
    const onInputError = () => finish('hangup');
    for (const sig of signals) process.on(sig, onSignal);
    s.input.on('error', onInputError);
    const onKey = (chunk: Buffer | string) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      const at = bytes.indexOf(escapeByte);
      if (at === -1) {
        channel.write(bytes);
        return;
      }
      if (at > 0) channel.write(bytes.subarray(0, at));
      finish('escape');
    };
    const onInputEnd = () => finish('escape');
    s.input.on('data', onKey);
    s.input.on('end', onInputEnd);
    channel.onData((bytes) => s.output.write(bytes));
    channel.onEnd((why, detail) => finish(why === 'stopped' ? 'stopped' : why === 'taken' ? 'taken' : 'hangup', detail));
  });
}
