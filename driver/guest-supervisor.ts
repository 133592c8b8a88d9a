// Supervises one guest from start to stop, as its own detached process (`bhyve-tui _run`)
// so the guest outlives the UI and the shell that started it. The loop is the one bhyve
// asks of its manager: destroy a stale VM instance, run the loader, run bhyve, act on
// bhyve's exit status (0 reboot, 1 power-off, 2 halt, >=3 fault), clean up.
import {spawn, type ChildProcess} from 'node:child_process';
import fs from 'node:fs';
import type {HostLayout} from './host-layout.js';
import {DriverError} from './connection.js';
import {requireValidDomain} from './domain-store.js';
import {domainFacts, type DomainFacts} from './domain-facts.js';
import {preflightProblems} from './start-preflight.js';
import {runTool, toolMessage} from './host-tools.js';
import {createTaps, destroyTaps} from './tap-network.js';
import {logLine, logSize, openDomainLog, readLogSince} from './domain-log.js';
import {isBhyveTitleFor, pidAlive, processTitle} from './process-table.js';
import {vmInstanceExists} from './domain-monitor.js';
import {
  createRunState,
  destroyFlagPath,
  lastErrorPath,
  readRunState,
  removeRunState,
  updateRunState,
  type RunState,
} from './run-state.js';
import {buildGuestCommands, type GuestCommands} from './guest-commands.js';
import {renderCommandLineFlat} from './argv-render.js';

export type SupervisorEvent =
  | {event: 'bootloader'; pid: number}
  | {event: 'running'; pid: number}
  | {event: 'failed'; message: string; detail?: string; exitCode?: number};

const crashLoopLimit = 3;
const crashLoopWindowMs = 60_000;

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

function waitExit(child: ChildProcess): Promise<Exit> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve({code: child.exitCode, signal: child.signalCode});
      return;
    }
    child.once('exit', (code, signal) => resolve({code, signal}));
  });
}

function describeExit(program: string, e: Exit): string {
  return e.signal ? `${program} was killed by ${e.signal}` : `${program} exited with status ${e.code}`;
}

/** What bhyve's exit status means (bhyve(8) EXIT STATUS). */
export function bhyveExitMeaning(e: Exit): string {
  if (e.signal) return `killed by ${e.signal}`;
  switch (e.code) {
    case 0: return 'rebooted';
    case 1: return 'powered off';
    case 2: return 'halted';
    case 3: return 'triple fault';
    case 4: return 'exited due to an error';
    case 64: return 'usage error';
    default: return `exit status ${e.code}`;
  }
}

export class GuestSupervisor {
  private state!: RunState;
  private logFd = -1;
  private facts!: DomainFacts;
  private restarts: number[] = [];

  constructor(
    private readonly layout: HostLayout,
    private readonly name: string,
    private readonly report: (e: SupervisorEvent) => void,
  ) {}

  /** Runs until the guest is stopped for good. Resolves with the process exit status. */
  async run(): Promise<number> {
    try {
      this.lock();
    } catch (e) {
      this.fail(e);
      return 1;
    }
    let reported = false;
    try {
      this.logFd = openDomainLog(this.layout, this.name);
      const {def} = requireValidDomain(this.layout, this.name);
      this.facts = domainFacts(def);
      const problems = await preflightProblems(this.layout, this.facts);
      if (problems.length > 0) throw new DriverError(`cannot start '${this.name}': ${problems[0]}`, problems.slice(1).join('\n') || undefined);
      await this.destroyStaleInstance();
      this.log(`starting domain ${this.name}`);
      this.state.taps = await createTaps(this.layout, this.facts.bridges, this.name);
      this.save();
      fs.rmSync(lastErrorPath(this.layout, this.name), {force: true});
      for (;;) {
        const cmds = buildGuestCommands(this.layout, def, this.state.taps);
        await this.runLoader(cmds, reported);
        const bhyve = await this.startBhyve(cmds);
        if (!reported) {
          this.report({event: 'running', pid: bhyve.pid!});
          reported = true;
        }
        const exit = await waitExit(bhyve);
        this.log(`bhyve ${describeExit('', exit).trim()} (${bhyveExitMeaning(exit)})`);
        const next = this.nextAction(exit);
        this.log(`action: ${next}`);
        if (next !== 'restart') {
          await this.cleanup(next === 'preserve');
          return 0;
        }
        await this.destroyVmInstance();
      }
    } catch (e) {
      this.log(`start failed: ${(e as Error).message}`);
      this.recordLastError(e);
      // Clean up before answering, so a failed start has left nothing behind when it returns.
      await this.cleanup(false);
      if (!reported) this.fail(e);
      return 1;
    }
  }

  private lock(): void {
    const fresh: RunState = {name: this.name, supervisorPid: process.pid, phase: 'preparing', taps: [], startedAt: new Date().toISOString()};
    for (let attempt = 0; attempt < 2; attempt++) {
      if (createRunState(this.layout, fresh)) {
        this.state = fresh;
        return;
      }
      const held = readRunState(this.layout, this.name);
      if (held && (pidAlive(held.supervisorPid) || pidAlive(held.pid))) {
        throw new DriverError(`Requested operation is not valid: domain '${this.name}' is already running`);
      }
      // A record left by a supervisor that died with no guest behind it: stale.
      removeRunState(this.layout, this.name);
    }
    throw new DriverError(`cannot take the start lock for '${this.name}' in ${this.layout.runDir}`);
  }

  private save(): void {
    updateRunState(this.layout, this.state);
  }

  private log(text: string): void {
    if (this.logFd >= 0) logLine(this.logFd, text);
  }

  private fail(e: unknown): void {
    if (e instanceof DriverError) {
      const ev: SupervisorEvent = {event: 'failed', message: e.message};
      if (e.detail) ev.detail = e.detail;
      if (e.exitCode !== undefined) ev.exitCode = e.exitCode;
      this.report(ev);
    } else {
      this.report({event: 'failed', message: `internal error: ${(e as Error).message ?? String(e)}`});
    }
  }

  private recordLastError(e: unknown): void {
    const msg = e instanceof Error ? e.message : String(e);
    try {
      fs.writeFileSync(lastErrorPath(this.layout, this.name), `${msg}\n`);
    } catch {
      // the run directory is gone; nothing more to record
    }
  }

  private async destroyStaleInstance(): Promise<void> {
    if (vmInstanceExists(this.layout, this.name)) {
      this.log(`destroying stale VM instance /dev/vmm/${this.name}`);
      await this.destroyVmInstance();
    }
  }

  private async destroyVmInstance(): Promise<void> {
    if (!vmInstanceExists(this.layout, this.name)) return;
    const r = await runTool(this.layout, 'bhyvectl', ['--destroy', `--vm=${this.name}`]);
    this.log(`bhyvectl --destroy --vm=${this.name}: exit ${r.exitCode}${r.exitCode ? `: ${toolMessage(r)}` : ''}`);
  }

  private spawnLogged(argv: string[]): ChildProcess {
    const [argv0, ...args] = argv;
    this.log(`run: ${renderCommandLineFlat(argv)}`);
    return spawn(this.layout.program(argv0!), args, {stdio: ['ignore', this.logFd, this.logFd], env: {...process.env, LC_ALL: 'C'}});
  }

  private async runLoader(cmds: GuestCommands, afterFirstStart: boolean): Promise<void> {
    if (!cmds.loader) return;
    if (cmds.loader.deviceMap) fs.writeFileSync(cmds.loader.deviceMap.path, cmds.loader.deviceMap.contents);
    const offset = logSize(this.layout, this.name);
    const child = this.spawnLogged(cmds.loader.argv);
    const spawnError = new Promise<Exit>((resolve) => child.once('error', () => resolve({code: 127, signal: null})));
    this.state.phase = 'bootloader';
    this.state.pid = child.pid;
    this.save();
    if (!afterFirstStart && child.pid) this.report({event: 'bootloader', pid: child.pid});
    const exit = await Promise.race([waitExit(child), spawnError]);
    if (exit.code !== 0) {
      const program = cmds.loader.argv[0]!.split('/').pop()!;
      const output = readLogSince(this.layout, this.name, offset).split('\n').filter((l) => l && !l.includes(' run: ')).map((l) => l.trim()).join('\n');
      throw new DriverError(`${program} failed: ${describeExit(program, exit)}`, output || undefined, exit.code ?? undefined);
    }
  }

  private async startBhyve(cmds: GuestCommands): Promise<ChildProcess> {
    const offset = logSize(this.layout, this.name);
    const child = this.spawnLogged(cmds.bhyve);
    let spawnFailed = false;
    child.once('error', () => {
      spawnFailed = true;
    });
    const exited = waitExit(child);
    // bhyve retitles itself 'bhyve: NAME' once its devices are set up; before that any
    // error makes it exit. Watch for whichever comes first.
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && !spawnFailed) {
      const done = await Promise.race([exited, new Promise<null>((r) => setTimeout(() => r(null), 50))]);
      if (done) {
        const output = readLogSince(this.layout, this.name, offset).split('\n').filter((l) => l && !l.includes(' run: ')).join('\n');
        throw new DriverError(`bhyve failed to start '${this.name}': ${describeExit('bhyve', done)} (${bhyveExitMeaning(done)})`, output.trim() || undefined, done.code ?? undefined);
      }
      if (child.pid && isBhyveTitleFor(await processTitle(child.pid), this.name)) break;
    }
    if (spawnFailed || !child.pid) throw new DriverError(`cannot run ${cmds.bhyve[0]}`);
    this.state.phase = 'running';
    this.state.pid = child.pid;
    this.save();
    this.log(`running, bhyve pid ${child.pid}`);
    return child;
  }

  /** The domain's exit policy (<on_reboot>, <on_poweroff>, <on_crash>) for this exit. */
  private nextAction(exit: Exit): 'restart' | 'destroy' | 'preserve' {
    if (fs.existsSync(destroyFlagPath(this.layout, this.name))) return 'destroy';
    let policy: string;
    if (exit.signal === null && exit.code === 0) policy = this.facts.onReboot;
    else if (exit.signal === null && (exit.code === 1 || exit.code === 2)) policy = this.facts.onPoweroff;
    else policy = this.facts.onCrash;
    if (policy === 'preserve' || policy === 'coredump-restart' || policy === 'coredump-destroy') {
      return policy === 'coredump-restart' ? this.restartUnlessLooping() : policy === 'preserve' ? 'preserve' : 'destroy';
    }
    if (policy === 'restart' || policy === 'rename-restart') return this.restartUnlessLooping();
    return 'destroy';
  }

  private restartUnlessLooping(): 'restart' | 'destroy' {
    const now = Date.now();
    this.restarts = this.restarts.filter((t) => now - t < crashLoopWindowMs);
    if (this.restarts.length >= crashLoopLimit) {
      this.log(`crash loop: more than ${crashLoopLimit} restarts in ${crashLoopWindowMs / 1000} s; stopping`);
      this.recordLastError(new Error('stopped: crash loop'));
      return 'destroy';
    }
    this.restarts.push(now);
    return 'restart';
  }

  private async cleanup(preserveInstance: boolean): Promise<void> {
    try {
      if (!preserveInstance) await this.destroyVmInstance();
      if (this.state?.taps.length) await destroyTaps(this.layout, this.state.taps, (m) => this.log(m));
    } finally {
      if (this.state) removeRunState(this.layout, this.name);
      this.log('stopped');
    }
  }
}
