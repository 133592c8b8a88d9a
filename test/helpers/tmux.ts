// Drives a program in a real terminal: a private tmux server, keys in, screen out.
// CI=true makes Ink draw nothing, so the program runs with CI unset (stack notes).
import {execFileSync, spawnSync} from 'node:child_process';

export function tmuxAvailable(): boolean {
  return spawnSync('tmux', ['-V'], {stdio: 'ignore'}).status === 0;
}

export class TmuxSession {
  private readonly socket: string;

  /** the -L name of this session's tmux server */
  get socketName(): string {
    return this.socket;
  }

  constructor(readonly name: string) {
    this.socket = `bt-${name}-${process.pid}-${Date.now().toString(36)}`;
  }

  private tmux(args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']});
  }

  /** argv runs through `env -u CI`, so no shell parses it. */
  start(argv: string[], opts: {cols?: number; rows?: number; env?: Record<string, string>} = {}): void {
    const env = Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`);
    const command = ['env', '-u', 'CI', 'TERM=xterm-256color', ...env, ...argv];
    this.tmux(['-f', '/dev/null', 'new-session', '-d', '-s', 'main', '-x', String(opts.cols ?? 120), '-y', String(opts.rows ?? 40), ...command]);
    this.tmux(['set-option', '-t', 'main', 'remain-on-exit', 'on']);
  }

  keys(...keys: string[]): void {
    this.tmux(['send-keys', '-t', 'main', ...keys]);
  }

  type(text: string): void {
    this.tmux(['send-keys', '-t', 'main', '-l', text]);
  }

  screen(opts: {escapes?: boolean} = {}): string {
    return this.tmux(['capture-pane', '-t', 'main', '-p', ...(opts.escapes ? ['-e'] : [])]);
  }

  paneDead(): boolean {
    return this.tmux(['display-message', '-t', 'main', '-p', '#{pane_dead}']).trim() === '1';
  }

  async waitFor(what: string | RegExp | ((screen: string) => boolean), timeoutMs = 15_000): Promise<string> {
    const test = typeof what === 'function' ? what : typeof what === 'string' ? (s: string) => s.includes(what) : (s: string) => what.test(s);
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      last = this.screen();
      if (test(last)) return last;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${String(what)}; screen:\n${last}`);
  }

  kill(): void {
    try {
      this.tmux(['kill-server']);
    } catch {
      // already gone
    }
  }
}

/**
 * Shell code that saves `stty -g` to `file` for a test to read. Written aside and renamed,
 * so a test that sees the file never reads it half-written (`>` creates it empty first).
 */
export function sttySnapshot(file: string): string {
  return `stty -g > '${file}.tmp' && mv '${file}.tmp' '${file}'`;
}
