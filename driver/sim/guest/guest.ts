// The simulated guest behind com1: boots (kernel text paced over bootDelayMs), runs
// getty/login and a root shell with its own echo and line editing (the console is raw),
// and turns reboot / power-off / halt / the ACPI power button into bhyve exit statuses.
// While a program runs in the foreground (cat, yes, dd) its input goes through the tty's
// line discipline, cooked or raw as stty(1) left it (programs.ts).
import type {ConsolePort} from '../console.js';
import {kernelBootLines, loginBanner, shutdownLines, GUEST_BUILD, GUEST_RELEASE, MOUNTROOT_PROMPT, type GuestConfig, type PowerAction} from './boot-text.js';
import {runShellCommand, splitCommandList} from './shell.js';
import {catJob, ddJob, parseDd, saneTty, stty, ttyOutput, yesJob, type Job, type JobHost} from './programs.js';

/** bhyve exit status for each guest power action (bhyve(8) EXIT STATUS). */
export const EXIT_STATUS: Record<PowerAction, number> = {reboot: 0, poweroff: 1, halt: 2};

export type Stage = 'booting' | 'login' | 'password' | 'shell' | 'mountroot' | 'shutdown';

const CTRL_C = 0x03;
const CTRL_D = 0x04;
const CTRL_U = 0x15;
const BS = 0x08;
const DEL = 0x7f;
const ESC = 0x1b;

export interface GuestOptions {
  bootDelayMs: number;
  /** told when the guest reaches a new stage (booting, login prompt, shell, shutdown) */
  onStage?: (stage: Stage) => void;
  /** called once when the guest stops the machine; bhyve exits with the status */
  onPowerOff: (action: PowerAction) => void;
}

export class Guest {
  private stageValue: Stage = 'booting';

  private get stage(): Stage {
    return this.stageValue;
  }

  private set stage(s: Stage) {
    if (s === this.stageValue) return;
    this.stageValue = s;
    // password is part of logging in, not a stage of its own for observers
    if (s !== 'password') this.opts.onStage?.(s);
  }
  private line = '';
  private lastWasCR = false;
  private inEscape = false;
  private bootedAt = Date.now();
  private timers = new Set<NodeJS.Timeout>();
  /** the console's line discipline as the shell and its programs see it */
  private readonly tty = saneTty();
  /** the foreground program, while one runs */
  private job: Job | null = null;
  /** cooked-mode input the foreground program has not been given yet (binary safe) */
  private jobLine: number[] = [];
  /** commands after ';' still to run */
  private queued: string[] = [];

  constructor(
    private readonly cfg: GuestConfig,
    private readonly con: ConsolePort | null,
    private readonly opts: GuestOptions,
  ) {}

  start(): void {
    this.bootedAt = Date.now();
    this.con?.onData((d) => this.input(d));
    const lines = kernelBootLines(this.cfg, new Date());
    const step = lines.length > 0 ? this.opts.bootDelayMs / lines.length : 0;
    let i = 0;
    const next = (): void => {
      if (this.stage !== 'booting') return;
      // Print in small bursts so a fast guest does not need one timer per line.
      const burst = step < 4 ? Math.max(1, Math.ceil(4 / Math.max(step, 0.01))) : 1;
      for (let k = 0; k < burst && i < lines.length; k++) this.out(lines[i++]! + '\r\n');
      if (i < lines.length) this.later(step * burst, next);
      else if (lines[lines.length - 2]?.includes('<empty line>')) {
        this.stage = 'mountroot';
        this.out(MOUNTROOT_PROMPT);
      } else {
        this.stage = 'login';
        this.out(loginBanner(this.cfg.vmName));
      }
    };
    next();
  }

  /** ACPI power button (bhyve got SIGTERM): a FreeBSD guest shuts down and powers off. */
  powerButton(): void {
    if (this.stage === 'shutdown') return;
    if (this.stage === 'mountroot') {
      // No init to signal: shutdown_nice() powers the kernel off itself (kern_shutdown.c).
      this.stage = 'shutdown';
      this.out('acpi0: Powering system off\r\n');
      this.later(Math.min(100, this.opts.bootDelayMs), () => this.opts.onPowerOff('poweroff'));
      return;
    }
    this.shutdown('poweroff', true);
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private out(text: string): void {
    this.con?.write(text);
  }

  private prompt(): void {
    if (this.stage === 'mountroot') this.out(MOUNTROOT_PROMPT);
    else if (this.stage === 'login') this.out('login: ');
    else if (this.stage === 'shell') this.out(`root@${this.cfg.vmName}:~ # `);
  }

  private input(data: Buffer): void {
    for (let i = 0; i < data.length; i++) {
      if (this.stage === 'booting' || this.stage === 'shutdown') return;
      if (this.job) return this.jobInput(data.subarray(i));
      const c = data[i]!;
      if (this.inEscape) {
        // swallow CSI sequences (arrow keys etc.): ESC [ ... final byte
        if ((c >= 0x40 && c <= 0x7e && c !== 0x5b) || c === 0x7e) this.inEscape = false;
        continue;
      }
      const wasCR = this.lastWasCR;
      this.lastWasCR = c === 0x0d;
      if (c === 0x0a && wasCR) continue; // \r\n is one Enter
      if (c === 0x0d || c === 0x0a) {
        this.out('\r\n');
        const line = this.line;
        this.line = '';
        this.enter(line);
        continue;
      }
      const echo = this.stage !== 'password';
      if (c === ESC) {
        this.inEscape = true;
      } else if (c === DEL || c === BS) {
        if (this.line.length > 0) {
          this.line = this.line.slice(0, -1);
          if (echo) this.out('\b \b');
        }
      } else if (c === CTRL_U) {
        if (echo) this.out('\b \b'.repeat(this.line.length));
        this.line = '';
      } else if (c === CTRL_C) {
        this.line = '';
        this.out('^C\r\n');
        if (this.stage === 'password') this.stage = 'login';
        this.prompt();
      } else if (c === CTRL_D) {
        if (this.stage === 'shell' && this.line === '') this.logout();
      } else if (c >= 0x20) {
        this.line += String.fromCharCode(c);
        if (echo) this.out(String.fromCharCode(c));
      }
    }
  }

  /** Input of the foreground program through the line discipline (termios semantics). */
  private jobInput(data: Buffer): void {
    const job = this.job!;
    if (this.tty.raw) return job.input(data); // -icanon -isig -icrnl: bytes as they come
    for (let i = 0; i < data.length; i++) {
      if (this.job !== job) return this.input(data.subarray(i)); // it exited: the rest is the shell's
      let c = data[i]!;
      if (c === CTRL_C) {
        this.jobLine = [];
        this.out('^C\r\n');
        this.queued = []; // sh abandons the rest of the list on SIGINT
        job.interrupt();
      } else if (c === CTRL_D) {
        const line = Buffer.from(this.jobLine);
        this.jobLine = [];
        job.input(line.length ? line : null);
      } else if (c === DEL || c === BS) {
        if (this.jobLine.pop() !== undefined && this.tty.echo) this.out('\b \b');
      } else if (c === CTRL_U) {
        if (this.tty.echo) this.out('\b \b'.repeat(this.jobLine.length));
        this.jobLine = [];
      } else {
        if (c === 0x0d) c = 0x0a; // icrnl
        this.jobLine.push(c);
        if (this.tty.echo) {
          // echoctl shows control characters as ^X; the newline echoes as one (onlcr)
          if (c === 0x0a) this.out('\r\n');
          else if (c < 0x20 && c !== 0x09) this.out(`^${String.fromCharCode(c + 0x40)}`);
          else this.con?.write(Buffer.from([c]));
        }
        if (c === 0x0a) {
          const line = Buffer.from(this.jobLine);
          this.jobLine = [];
          job.input(line);
        }
      }
    }
  }

  /** Runs one simple command of the shell; programs that use the terminal become the foreground job. */
  private runCommand(line: string): void {
    const r = runShellCommand({cfg: this.cfg, bootedAt: this.bootedAt}, line);
    if (r.output) this.con?.write(ttyOutput(this.tty, r.output));
    if (r.action === 'logout') return this.logout();
    if (r.action) return this.shutdown(r.action, false);
    const p = r.program;
    if (!p) return this.nextCommand();
    if (p.name === 'stty') {
      const s = stty(this.tty, p.args);
      if (s.output) this.con?.write(ttyOutput(this.tty, s.output));
      return this.nextCommand();
    }
    const host: JobHost = {
      tty: this.tty,
      write: (data) => this.con?.write(data),
      drain: () => this.con?.drain(10_000) ?? Promise.resolve(),
      done: () => {
        if (this.job !== job) return;
        this.job = null;
        this.jobLine = [];
        this.nextCommand();
      },
    };
    let job: Job;
    if (p.name === 'cat') job = catJob(host);
    else if (p.name === 'yes') job = yesJob(host, p.args);
    else {
      const spec = parseDd(p.args);
      if ('error' in spec) {
        this.con?.write(ttyOutput(this.tty, spec.error));
        return this.nextCommand();
      }
      job = ddJob(host, spec);
    }
    this.job = job;
  }

  /** The next command of a ';' list, or the prompt. */
  private nextCommand(): void {
    if (this.stage !== 'shell') return;
    const next = this.queued.shift();
    if (next === undefined) return this.prompt();
    this.runCommand(next);
  }

  private enter(line: string): void {
    if (this.stage === 'mountroot') {
      // '?' lists the disks (there are none); anything else cannot be mounted either.
      if (line.trim() === '?') this.out('\r\nList of GEOM managed disk devices:\r\n  \r\n\r\n');
      else if (line.trim() !== '') this.out(`Mounting from ${line.trim()} failed with error 19.\r\n`);
      return this.prompt();
    }
    if (this.stage === 'login') {
      const user = line.trim();
      if (user === '') return this.prompt();
      if (user === 'root') {
        this.stage = 'shell';
        this.out(`FreeBSD ${GUEST_RELEASE} (GENERIC) ${GUEST_BUILD}\r\n\r\nWelcome to FreeBSD!\r\n\r\n`);
        return this.prompt();
      }
      this.stage = 'password';
      this.out('Password:');
      return;
    }
    if (this.stage === 'password') {
      this.stage = 'login';
      this.later(Math.min(300, this.opts.bootDelayMs), () => {
        this.out('Login incorrect\r\n');
        this.prompt();
      });
      return;
    }
    if (this.stage !== 'shell') return;
    this.queued = splitCommandList(line);
    this.nextCommand();
  }

  private logout(): void {
    this.queued = [];
    Object.assign(this.tty, saneTty()); // getty sets the line up afresh
    this.stage = 'login';
    this.out(loginBanner(this.cfg.vmName));
  }

  private shutdown(action: PowerAction, viaAcpi: boolean): void {
    this.stage = 'shutdown';
    this.endJob();
    const lines = shutdownLines(action, Math.floor((Date.now() - this.bootedAt) / 1000), viaAcpi);
    const step = Math.min(30, this.opts.bootDelayMs / 2 / lines.length);
    let i = 0;
    const next = (): void => {
      if (i < lines.length) {
        this.out(lines[i++]! + '\r\n');
        this.later(step, next);
      } else {
        this.opts.onPowerOff(action);
      }
    };
    next();
  }

  private endJob(): void {
    this.job?.kill();
    this.job = null;
    this.queued = [];
  }

  stop(): void {
    this.endJob();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
