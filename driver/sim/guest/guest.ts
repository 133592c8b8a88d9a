// The simulated guest behind com1: boots (kernel text paced over bootDelayMs), runs
// getty/login and a root shell with its own echo and line editing (the console is raw),
// and turns reboot / power-off / halt / the ACPI power button into bhyve exit statuses.
import type {ConsolePort} from '../console.js';
import {kernelBootLines, loginBanner, shutdownLines, GUEST_BUILD, GUEST_RELEASE, type GuestConfig, type PowerAction} from './boot-text.js';
import {runShellCommand} from './shell.js';

/** bhyve exit status for each guest power action (bhyve(8) EXIT STATUS). */
export const EXIT_STATUS: Record<PowerAction, number> = {reboot: 0, poweroff: 1, halt: 2};

export type Stage = 'booting' | 'login' | 'password' | 'shell' | 'shutdown';

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
      else {
        this.stage = 'login';
        this.out(loginBanner(this.cfg.vmName));
      }
    };
    next();
  }

  /** ACPI power button (bhyve got SIGTERM): a FreeBSD guest shuts down and powers off. */
  powerButton(): void {
    if (this.stage === 'shutdown') return;
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
    if (this.stage === 'login') this.out('login: ');
    else if (this.stage === 'shell') this.out(`root@${this.cfg.vmName}:~ # `);
  }

  private input(data: Buffer): void {
    for (const c of data) {
      if (this.stage === 'booting' || this.stage === 'shutdown') continue;
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

  private enter(line: string): void {
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
    const r = runShellCommand({cfg: this.cfg, bootedAt: this.bootedAt}, line);
    if (r.output) this.out(r.output.replace(/\n/g, '\r\n'));
    if (r.action === 'logout') return this.logout();
    if (r.action) return this.shutdown(r.action, false);
    this.prompt();
  }

  private logout(): void {
    this.stage = 'login';
    this.out(loginBanner(this.cfg.vmName));
  }

  private shutdown(action: PowerAction, viaAcpi: boolean): void {
    this.stage = 'shutdown';
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

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
