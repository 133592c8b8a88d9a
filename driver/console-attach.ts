// The serial console: the user's side (B) of the guest's nmdm pair, opened as a plain tty
// (no native code: works with or without serialport) and joined to the terminal byte for
// byte, like `cu -l /dev/nmdm0B`, until the escape character (Ctrl-] as in virsh).
import fs from 'node:fs';
import tty from 'node:tty';

export interface ConsoleSession {
  name: string;
  device: string;
  input: NodeJS.ReadStream;
  output: NodeJS.WriteStream;
  /** byte that ends the session; 0x1d (Ctrl-]) by default */
  escape?: number;
  /** polled while attached; false ends the session (the guest stopped) */
  stillRunning?: () => Promise<boolean>;
}

export type ConsoleEnd = 'escape' | 'stopped' | 'hangup';

export function escapeName(byte: number): string {
  return byte < 0x20 ? `^${String.fromCharCode(byte + 0x40)}` : String.fromCharCode(byte);
}

/** Stops a stream that Ink (or anyone) set to utf8 from decoding: console bytes are bytes. */
function binaryInput(input: NodeJS.ReadStream): void {
  const state = (input as unknown as {_readableState?: {decoder: unknown; encoding: unknown}})._readableState;
  if (state && state.encoding) {
    state.decoder = null;
    state.encoding = null;
  }
}

export function openConsoleDevice(device: string): {reader: tty.ReadStream; writer: tty.WriteStream} {
  const flags = fs.constants.O_NOCTTY | fs.constants.O_NONBLOCK;
  const rfd = fs.openSync(device, fs.constants.O_RDWR | flags);
  if (!tty.isatty(rfd)) {
    fs.closeSync(rfd);
    throw new Error(`${device} is not a terminal device`);
  }
  const wfd = fs.openSync(device, fs.constants.O_WRONLY | flags);
  const reader = new tty.ReadStream(rfd);
  // Raw on our side too, as cu(1) arranges: no echo, no line editing, no CR/NL mapping.
  reader.setRawMode(true);
  const writer = new tty.WriteStream(wfd);
  return {reader, writer};
}

export function attachConsole(s: ConsoleSession): Promise<ConsoleEnd> {
  const escape = s.escape ?? 0x1d;
  const {reader, writer} = openConsoleDevice(s.device);
  s.output.write(`Connected to domain '${s.name}'\r\nEscape character is ${escapeName(escape)} (Ctrl + ${String.fromCharCode(escape + 0x40)})\r\n`);
  binaryInput(s.input);
  const wasRaw = s.input.isTTY ? s.input.isRaw : false;
  if (s.input.isTTY) s.input.setRawMode(true);
  s.input.resume();

  return new Promise<ConsoleEnd>((resolve) => {
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (why: ConsoleEnd) => {
      if (done) return;
      done = true;
      if (timer) clearInterval(timer);
      s.input.off('data', onKey);
      reader.off('data', onGuest);
      reader.destroy();
      writer.destroy();
      if (s.input.isTTY) s.input.setRawMode(wasRaw);
      s.input.pause();
      resolve(why);
    };
    const onKey = (chunk: Buffer | string) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      const at = bytes.indexOf(escape);
      if (at === -1) {
        writer.write(bytes);
        return;
      }
      if (at > 0) writer.write(bytes.subarray(0, at));
      finish('escape');
    };
    const onGuest = (chunk: Buffer) => {
      s.output.write(chunk);
    };
    s.input.on('data', onKey);
    reader.on('data', onGuest);
    reader.once('end', () => finish('hangup'));
    reader.once('error', () => finish('hangup'));
    writer.once('error', () => finish('hangup'));
    if (s.stillRunning) {
      const check = s.stillRunning;
      let busy = false;
      timer = setInterval(() => {
        if (busy) return;
        busy = true;
        check()
          .then((alive) => {
            if (!alive) finish('stopped');
          })
          .catch(() => {})
          .finally(() => {
            busy = false;
          });
      }, 500);
    }
  });
}
