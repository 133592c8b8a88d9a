// Shared steps for the TUI's end-to-end tests: a fresh simulated host, the TUI in tmux, and
// moving the selection to a domain by name.
import {TmuxSession, tmuxAvailable} from '../helpers/tmux.js';
import {cli, cliBundle, makeSimDir, removeSimDir} from '../helpers/sim-dir.js';

export const hasTmux = tmuxAvailable();

export function rowOf(screen: string, name: string): string {
  return screen.split('\n').find((line) => new RegExp(`\\b${name}\\b`).test(line)) ?? '';
}

/** The selected row: highlighted and marked with '›' (the mark survives NO_COLOR). */
export function selectedRow(screen: string): string {
  return screen.split('\n').find((line) => line.includes('›')) ?? '';
}

export interface TuiRun {
  dir: string;
  tmux: TmuxSession;
  close(): void;
}

/** A new simulated host (demo domains: db1, debian12, freebsd14, web1) and the TUI on it. */
export async function startTui(
  label: string,
  options: {env?: Record<string, string>; cols?: number; rows?: number; prepare?: (dir: string) => void} = {},
): Promise<TuiRun> {
  const dir = makeSimDir(label);
  const tmux = new TmuxSession(label);
  cli(dir, ['list']);
  options.prepare?.(dir);
  tmux.start([process.execPath, cliBundle, '-c', `sim://${dir}`], {
    cols: options.cols ?? 120,
    rows: options.rows ?? 40,
    ...(options.env === undefined ? {} : {env: options.env}),
  });
  await tmux.waitFor(/freebsd14[\s\S]*web1/, 20_000);
  return {
    dir,
    tmux,
    close() {
      tmux.kill();
      for (const name of ['db1', 'debian12', 'freebsd14', 'web1']) {
        cli(dir, ['destroy', name]);
      }

      removeSimDir(dir);
    },
  };
}

/** Moves the selection with j/k until `name` is selected (the row must be on screen). */
export async function select(tmux: TmuxSession, name: string): Promise<void> {
  for (let i = 0; i < 30; i++) {
    const screen = tmux.screen();
    const lines = screen.split('\n');
    const at = lines.findIndex((line) => line.includes('›'));
    const want = lines.findIndex((line) => new RegExp(`^│[› ] [! ] ${name} `).test(line));
    if (want < 0) {
      throw new Error(`${name} is not on the screen:\n${screen}`);
    }

    if (at === want) {
      return;
    }

    tmux.keys(at < 0 || at < want ? 'j' : 'k');
    // One key at a time, each seen on screen (the mark on another line, not just a row whose
    // figures changed) before the next: a second key still in flight would overshoot.
    // eslint-disable-next-line no-await-in-loop
    await tmux.waitFor((current) => current.split('\n').findIndex((line) => line.includes('›')) !== at, 30_000);
  }

  throw new Error(`cannot select ${name}; screen:\n${tmux.screen()}`);
}
