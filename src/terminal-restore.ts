// The terminal is left exactly as it was, whatever ends the program: quit, a signal
// (SIGTERM, SIGHUP, SIGINT) or an uncaught error. Every full-screen mode we turn on is
// registered here and turned off again on the way out.
const leaveAltScreen = '\x1b[?1049l';
const showCursor = '\x1b[?25h';

let active = false;
let installed = false;

/** The alternate screen, cleared; a no-op when already there (the first frame is kept). */
export function enterFullScreen(out: NodeJS.WriteStream = process.stdout): void {
  if (active) return;
  out.write('\x1b[?1049h\x1b[H\x1b[2J');
  active = true;
  installHandlers(out);
}

export function restoreTerminal(out: NodeJS.WriteStream = process.stdout): void {
  if (process.stdin.isTTY && process.stdin.isRaw) {
    try {
      process.stdin.setRawMode(false);
    } catch {
      // stdin already gone (the terminal hung up)
    }
  }
  if (!active) return;
  active = false;
  try {
    out.write(showCursor + leaveAltScreen);
  } catch {
    // nothing to restore on a terminal that is gone
  }
}

function installHandlers(out: NodeJS.WriteStream): void {
  if (installed) return;
  installed = true;
  const onSignal = (_signal: NodeJS.Signals, code: number) => () => {
    restoreTerminal(out);
    process.exit(128 + code);
  };
  process.on('SIGTERM', onSignal('SIGTERM', 15));
  process.on('SIGHUP', onSignal('SIGHUP', 1));
  process.on('SIGINT', onSignal('SIGINT', 2));
  process.on('exit', () => restoreTerminal(out));
  const onFatal = (e: unknown) => {
    restoreTerminal(out);
    process.stderr.write(`bhyve-tui: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(70);
  };
  process.on('uncaughtException', onFatal);
  process.on('unhandledRejection', onFatal);
}
