// Console clients on real terminals: `bhyve-tui …` runs on a pseudo-terminal made by
// pty-run.py, the test types into it and reads what the terminal shows, byte for byte.
import {spawn, type ChildProcessWithoutNullStreams} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {cli, cliBundle, eventually, fastSimHost, repoRoot} from '../../helpers/sim-dir.js';

const ptyRun = path.join(repoRoot, 'test', 'driver', 'console', 'pty-run.py');

export const ESC_DEFAULT = Buffer.from([0x1d]);

export class PtyClient {
  readonly child: ChildProcessWithoutNullStreams;
  /** everything the terminal showed so far */
  out = Buffer.alloc(0);
  stderr = '';
  /** pid of the bhyve-tui process on the terminal */
  readonly pid: Promise<number>;
  readonly exited: Promise<number>;
  private waiters = new Set<() => void>();

  /** `opts.uri`: another URI for the same host (a sim+ssh:// one); `opts.env`: the client's environment */
  constructor(dir: string, args: string[], opts: {uri?: string; env?: NodeJS.ProcessEnv} = {}) {
    this.child = spawn('/usr/bin/python3', [ptyRun, process.execPath, cliBundle, '-c', opts.uri ?? `sim://${dir}`, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(opts.env ? {env: opts.env} : {}),
    });
    this.child.stdout.on('data', (c: Buffer) => {
      this.out = Buffer.concat([this.out, c]);
      for (const w of [...this.waiters]) w();
    });
    this.pid = new Promise((resolve) => {
      this.child.stderr.on('data', (c: Buffer) => {
        this.stderr += c.toString();
        const m = /^pid (\d+)$/m.exec(this.stderr);
        if (m) resolve(Number(m[1]));
      });
    });
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code ?? -1)));
    void this.exited.then(() => {
      for (const w of [...this.waiters]) w();
    });
  }

  /** The terminal's output as text (latin1: one character per byte). */
  text(from = 0): string {
    return this.out.subarray(from).toString('latin1');
  }

  mark(): number {
    return this.out.length;
  }

  send(bytes: string | Buffer): void {
    this.child.stdin.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  }

  /** Waits until the output after `from` matches; fails with the output seen. */
  waitFor(what: string | RegExp | ((out: Buffer) => boolean), from = 0, timeoutMs = 60_000): Promise<void> {
    const test =
      typeof what === 'function'
        ? () => what(this.out.subarray(from))
        : typeof what === 'string'
          ? () => this.text(from).includes(what)
          : () => what.test(this.text(from));
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!test()) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${String(what)}; terminal showed:\n${JSON.stringify(this.text(Math.max(from, this.out.length - 1500)))}`,
          ),
        );
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Exit status of the client, within the timeout. */
  async exit(timeoutMs = 30_000): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(`the client did not exit within ${timeoutMs} ms; terminal showed:\n${JSON.stringify(this.text(Math.max(0, this.out.length - 1500)))}`),
          ),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}

/** A client on a terminal; killed at the end of the test whatever happened. */
export function ptyClient(t: {teardown(fn: () => void): void}, dir: string, args: string[], opts: {uri?: string; env?: NodeJS.ProcessEnv} = {}): PtyClient {
  const c = new PtyClient(dir, args, opts);
  t.teardown(() => c.kill());
  return c;
}

/** Waits until the client's terminal is raw: the replay (or anything) arrived after the banner. */
export async function attached(c: PtyClient, name: string): Promise<number> {
  // (printed before the terminal is raw, so the terminal's onlcr makes "\r\n" "\r\r\n")
  const banner = /Escape character is \S+ \(Ctrl \+ .\)\r+\n/;
  await c.waitFor(banner);
  const after = banner.exec(c.text())!.index + banner.exec(c.text())![0].length;
  // attachTerminal sets raw mode before it asks for data: output after the banner means
  // the terminal is raw and the session is live.
  await c.waitFor((b) => b.length > 0, after);
  void name;
  return after;
}

/** From any point of the guest's console: log in as root and wait for the shell prompt. */
export async function loginRoot(c: PtyClient, name: string): Promise<void> {
  let m = c.mark();
  c.send('\r');
  await c.waitFor(new RegExp(`login: $|root@${name}:~ # $`), m);
  if (/login: $/.test(c.text(m))) {
    m = c.mark();
    c.send('root\r');
    await c.waitFor(`root@${name}:~ # `, m);
  }
}

/** Types a shell command and waits for the next prompt; returns the output in between. */
export async function shell(c: PtyClient, name: string, command: string): Promise<string> {
  const m = c.mark();
  c.send(`${command}\r`);
  await c.waitFor(new RegExp(`\\r\\nroot@${name}:~ # $`), m);
  return c.text(m);
}

/** A simulated host with web1 running and at its login prompt. */
export async function hostWithGuest(t: {teardown(fn: () => void): void}, label: string, config?: object): Promise<string> {
  const dir = fastSimHost(t, label);
  if (config) {
    const file = path.join(dir, 'usr/local/etc/bhyve-tui/bhyve-tui.json');
    fs.mkdirSync(path.dirname(file), {recursive: true});
    fs.writeFileSync(file, JSON.stringify(config));
  }
  const r = cli(dir, ['start', 'web1']);
  if (r.status !== 0) throw new Error(r.stderr);
  await eventually('the login prompt in the console log', () => consoleLog(dir, 'web1').includes('login: '), 60_000);
  return dir;
}

export function consoleLog(dir: string, name: string): string {
  try {
    return fs.readFileSync(path.join(dir, 'var/log/bhyve-tui', `${name}.console.log`), 'latin1');
  } catch {
    return '';
  }
}

export function domState(dir: string, name: string): {state: string; pid?: number; reason?: string} {
  const all = JSON.parse(cli(dir, ['list', '--all', '--json']).stdout) as {name: string; state: string; pid?: number; reason?: string}[];
  return all.find((d) => d.name === name)!;
}
