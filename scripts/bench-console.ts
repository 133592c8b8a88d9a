// npm run bench -- console: the serial console through the daemon, against a raw reader of
// the same kind of tty in the same run.
//
// Attached: `bhyve-tui console web1` on a pseudo-terminal (test/driver/console/pty-run.py): guest →
// nmdm A → relay → nmdm B → daemon → unix socket → client → its terminal.
// Reference: a second simulated guest ("rawref", started with bhyveload + bhyve directly,
// no daemon) on its own nmdm pair, and on the same kind of pseudo-terminal a small Node
// program that opens the B side itself and joins it to its terminal both ways, as
// `cu -l /dev/nmdmXB` does (same raw settings and write path as the client, minus the
// daemon and the socket). Both terminals are read the same way.
//
// Figures:
//  * throughput, guest `dd if=/dev/zero bs=64k count=N`: what a guest can print. The sim's
//    UART paces itself, so this is bounded by the guest on both paths;
//  * throughput at line rate: the bench writes BENCH_MB MiB straight into the A side of
//    each pair (where bhyve's UART writes), as fast as the tty takes it, so the console path
//    itself is the bottleneck;
//  * keystroke → echo: a key typed on the terminal, the guest's shell echoes it, back on the
//    terminal (printable key, then DEL and its "\b \b"), p50/p99 over BENCH_KEYS round trips;
//  * CPU of an idle attached console: clock ticks of the client and the daemon over
//    BENCH_IDLE_S seconds (after BENCH_SETTLE_S), the reference joiner alongside.
import {spawn, spawnSync, type ChildProcessWithoutNullStreams} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {cli, cliBundle, daemonPid, eventually, fastSimHost, removeSimDir, repoRoot} from '../test/helpers/sim-dir.js';

const ddBlocks = Number(process.env.BENCH_DD_BLOCKS ?? 32); // × 64 KiB
const lineMiB = Number(process.env.BENCH_MB ?? 16);
const keys = Number(process.env.BENCH_KEYS ?? 200);
const idleSeconds = Number(process.env.BENCH_IDLE_S ?? 20);
// A Node process that just started (or just moved data) runs V8's memory reducer a few
// seconds later, a one-off GC of some 50 ms; the idle figure is the steady state after it.
const settleSeconds = Number(process.env.BENCH_SETTLE_S ?? 20);
const clkTck = 100; // USER_HZ on Linux
const ptyRun = path.join(repoRoot, 'test', 'driver', 'console', 'pty-run.py');

/** The joiner of the reference: terminal ↔ tty device, raw both ways, as attachTerminal sets the terminal. */
const rawJoiner = `
const fs = require('node:fs'), tty = require('node:tty'), {spawnSync} = require('node:child_process');
const dev = process.argv[1], flags = fs.constants.O_NOCTTY | fs.constants.O_NONBLOCK;
const r = new tty.ReadStream(fs.openSync(dev, fs.constants.O_RDWR | flags));
r.setRawMode(true);
const w = new tty.WriteStream(fs.openSync(dev, fs.constants.O_WRONLY | flags));
process.stdin.setRawMode(true);
spawnSync('stty', ['-opost'], {stdio: [0, 'ignore', 'ignore']});
process.stdout.write('JOINED\\r\\n');
r.on('data', (d) => process.stdout.write(d));
process.stdin.on('data', (d) => w.write(d));
`;

/** A program on a pseudo-terminal; counts what the terminal shows and keeps its tail. */
class Terminal {
  readonly child: ChildProcessWithoutNullStreams;
  bytes = 0;
  tail = '';
  readonly pid: Promise<number>;
  private waiters = new Set<() => void>();

  constructor(argv: string[]) {
    this.child = spawn('/usr/bin/python3', [ptyRun, ...argv], {stdio: ['pipe', 'pipe', 'pipe']});
    this.child.stdout.on('data', (c: Buffer) => {
      this.bytes += c.length;
      this.tail = (this.tail + c.toString('latin1')).slice(-4096);
      for (const w of [...this.waiters]) w();
    });
    let err = '';
    this.pid = new Promise((resolve) =>
      this.child.stderr.on('data', (c: Buffer) => {
        err += c.toString();
        const m = /^pid (\d+)$/m.exec(err);
        if (m) resolve(Number(m[1]));
      }),
    );
  }

  send(s: string | Buffer): void {
    this.child.stdin.write(s);
  }

  until(what: string | ((t: Terminal) => boolean), timeoutMs = 120_000): Promise<void> {
    const test = typeof what === 'string' ? () => this.tail.includes(what) : () => what(this);
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!test()) return;
        done();
        resolve();
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out waiting for ${String(what)}; terminal tail: ${JSON.stringify(this.tail.slice(-300))}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Types a line and waits for what follows it (shell prompt by default). */
  async line(text: string, until: string): Promise<void> {
    this.tail = '';
    this.send(`${text}\r`);
    await this.until(until);
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}

function cpuTicks(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const mbps = (bytes: number, msec: number) => bytes / 1e6 / (msec / 1000);

async function login(term: Terminal, name: string): Promise<void> {
  term.tail = '';
  term.send('\r');
  await term.until((t) => /login: $|# $/.test(t.tail));
  if (/login: $/.test(term.tail)) await term.line('root', `root@${name}:~ # `);
}

/** Guest dd to the terminal: zeros received / time from Enter to dd's summary. */
async function ddThroughput(term: Terminal, name: string): Promise<number> {
  const cmd = `dd if=/dev/zero bs=64k count=${ddBlocks}`;
  term.tail = '';
  term.send(cmd);
  await term.until(cmd);
  const from = term.bytes;
  const t0 = process.hrtime.bigint();
  term.send('\r');
  await term.until(`bytes/sec)\r\nroot@${name}:~ # `);
  const elapsed = ms(t0);
  const got = term.bytes - from;
  if (got < ddBlocks * 65536) throw new Error(`${name}: only ${got} bytes of ${ddBlocks * 65536} arrived`);
  return mbps(ddBlocks * 65536, elapsed);
}

/**
 * Bytes written into the A side as fast as it takes them, until all are on the terminal.
 * A separate dd writes them: a tty write blocks (Node makes tty streams blocking), and
 * this process must keep reading the terminals meanwhile.
 */
async function lineRate(term: Terminal, deviceA: string): Promise<number> {
  const total = lineMiB * 1024 * 1024;
  const from = term.bytes;
  const t0 = process.hrtime.bigint();
  const arrived = term.until((t) => t.bytes - from >= total, 300_000);
  const dd = spawn('dd', ['if=/dev/zero', `of=${deviceA}`, 'bs=64k', `count=${lineMiB * 16}`, 'status=none'], {stdio: 'ignore'});
  const status = await new Promise<number | null>((r) => dd.once('close', r));
  if (status !== 0) throw new Error(`dd into ${deviceA} failed (${status})`);
  await arrived;
  return mbps(total, ms(t0));
}

/** Keystroke → echo round trips through the guest's shell line editor. */
async function echoLatency(term: Terminal): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < keys; i++) {
    const key = i % 2 === 0 ? 'x' : '\x7f';
    const echo = key === 'x' ? 'x' : '\b \b';
    const from = term.bytes;
    term.tail = '';
    const t0 = process.hrtime.bigint();
    term.send(key);
    await term.until((t) => t.bytes - from >= echo.length && t.tail.endsWith(echo), 10_000);
    out.push(ms(t0));
  }
  return out;
}

async function main(): Promise<void> {
  const dir = fastSimHost({teardown: () => {}}, 'bench-console');
  const terms: Terminal[] = [];
  let refBhyve: ReturnType<typeof spawn> | undefined;
  try {
    // The attached path: web1 under the daemon, `bhyve-tui console web1` on a terminal.
    if (cli(dir, ['start', 'web1']).status !== 0) throw new Error('cannot start web1');
    const attached = new Terminal([process.execPath, cliBundle, '-c', `sim://${dir}`, 'console', 'web1']);
    terms.push(attached);
    await attached.until(/* the replay ends with */ 'login: ');
    await login(attached, 'web1');

    // The reference: rawref without the daemon, the joiner on a terminal.
    const sbin = (t: string) => path.join(dir, 'usr/sbin', t);
    spawnSync(sbin('bhyvectl'), ['--destroy', '--vm=rawref']);
    const load = spawnSync(sbin('bhyveload'), ['-c', '/dev/nmdmrawrefA', '-m', '512', '-d', '/vm/web1/disk0.img', 'rawref'], {encoding: 'utf8'});
    if (load.status !== 0) throw new Error(`bhyveload: ${load.stderr}`);
    refBhyve = spawn(
      sbin('bhyve'),
      ['-c', '1', '-m', '512', '-A', '-H', '-P', '-s', '0:0,hostbridge', '-s', '1:0,lpc', '-l', 'com1,/dev/nmdmrawrefA', 'rawref'],
      {stdio: 'ignore'},
    );
    const vmFile = path.join(dir, 'dev/vmm/rawref');
    await eventually(
      'rawref at its login prompt',
      () => {
        try {
          return (JSON.parse(fs.readFileSync(vmFile, 'utf8')) as {guestStage?: string}).guestStage === 'login';
        } catch {
          return false;
        }
      },
      30_000,
    );
    const reference = new Terminal([process.execPath, '-e', rawJoiner, path.join(dir, 'dev/nmdmrawrefB')]);
    terms.push(reference);
    await reference.until('JOINED');
    await login(reference, 'rawref');

    const consoleDev = (name: string) => path.join(dir, 'dev', name);
    const webA = consoleDev('nmdm-web1.1A');
    if (!fs.existsSync(webA)) throw new Error(`${webA} does not exist: the web1 definition changed its console`);

    // Idle first: an attached console nobody types into, before any traffic.
    const clientPid = await attached.pid;
    const joinerPid = await reference.pid;
    const dPid = daemonPid(dir);
    await new Promise((r) => setTimeout(r, settleSeconds * 1000));
    const before = [cpuTicks(clientPid), cpuTicks(dPid), cpuTicks(joinerPid)];
    await new Promise((r) => setTimeout(r, idleSeconds * 1000));
    const idle = [cpuTicks(clientPid), cpuTicks(dPid), cpuTicks(joinerPid)].map((v, i) => v - before[i]!);

    // Each measurement on both paths, one after the other, so machine noise hits both alike.
    await echoLatency(attached); // warm-up
    await echoLatency(reference);
    const lat = {ref: await echoLatency(reference), att: await echoLatency(attached)};
    const dd = {ref: await ddThroughput(reference, 'rawref'), att: await ddThroughput(attached, 'web1')};
    const line = {ref: await lineRate(reference, consoleDev('nmdmrawrefA')), att: await lineRate(attached, webA)};

    const ratio = (a: number, b: number) => (a / b).toFixed(2);
    console.log(`console: web1 attached through the daemon vs. a raw reader (own program joining nmdm B to the same kind of pty), same run`);
    console.log(
      `throughput, guest dd (${(ddBlocks * 64) / 1024} MiB):   attached ${dd.att.toFixed(2)} MB/s, raw reader ${dd.ref.toFixed(2)} MB/s → ratio ${ratio(dd.att, dd.ref)}   (target ≥ 0.5; bounded by the simulated UART)`,
    );
    console.log(
      `throughput, line rate (${lineMiB} MiB):   attached ${line.att.toFixed(2)} MB/s, raw reader ${line.ref.toFixed(2)} MB/s → ratio ${ratio(line.att, line.ref)}   (target ≥ 0.5)`,
    );
    console.log(
      `keystroke → echo (${keys} keys):   attached p50 ${pct(lat.att, 0.5).toFixed(2)} ms, p99 ${pct(lat.att, 0.99).toFixed(2)} ms, max ${Math.max(...lat.att).toFixed(2)} ms   (target p99 < 5 ms)`,
    );
    console.log(
      `                  raw reader p50 ${pct(lat.ref, 0.5).toFixed(2)} ms, p99 ${pct(lat.ref, 0.99).toFixed(2)} ms → p50 ratio ${ratio(pct(lat.att, 0.5), pct(lat.ref, 0.5))}`,
    );
    console.log(
      `idle attached console, ${idleSeconds} s after ${settleSeconds} s:   client ${idle[0]} ticks, daemon ${idle[1]} ticks (${(((idle[0]! + idle[1]!) / clkTck / idleSeconds) * 100).toFixed(2)} % of one core; raw reader ${idle[2]} ticks; 1 tick = 10 ms)   (target: none measurable)`,
    );
  } finally {
    for (const t of terms) t.kill();
    refBhyve?.kill('SIGKILL');
    removeSimDir(dir);
  }
}

main().catch((e: unknown) => {
  console.error(`bench console: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
