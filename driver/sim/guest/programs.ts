// Programs of the simulated guest that use the terminal itself: stty(1) changes the
// console's line discipline, cat(1), yes(1) and dd(1) read or write it until they are done
// or interrupted. They see the tty as a FreeBSD process does: in cooked mode input comes a
// line at a time and output '\n' becomes "\r\n" (opost onlcr); after `stty raw` bytes pass
// untouched both ways and Ctrl-C / Ctrl-D are ordinary bytes.
import {randomBytes} from 'node:crypto';

/** The console's termios, reduced to what the guest distinguishes. */
export interface TtyModes {
  /** cfmakeraw(3): -icanon -isig -iexten -icrnl -ixon -opost */
  raw: boolean;
  echo: boolean;
}

export const saneTty = (): TtyModes => ({raw: false, echo: true});

/** Output processing of the tty: onlcr unless opost is off. */
export function ttyOutput(tty: TtyModes, data: Buffer | string): Buffer {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  if (tty.raw || !buf.includes(0x0a)) return buf;
  const out: Buffer[] = [];
  let from = 0;
  for (let at = buf.indexOf(0x0a); at !== -1; at = buf.indexOf(0x0a, from)) {
    out.push(buf.subarray(from, at), CRLF);
    from = at + 1;
  }
  out.push(buf.subarray(from));
  return Buffer.concat(out);
}

const CRLF = Buffer.from('\r\n');
const STTY_USAGE = 'usage: stty [-a | -e | -g] [-f file] [arguments]\n';

/** stty(1) with the operands the guest knows; returns what it prints (or its error). */
export function stty(tty: TtyModes, args: string[]): {output: string; status: number} {
  if (args.length === 0 || (args.length === 1 && args[0] === '-a')) return {output: sttyReport(tty), status: 0};
  const next = {...tty};
  for (const a of args) {
    if (a === 'raw') Object.assign(next, {raw: true, echo: false});
    else if (a === '-raw' || a === 'cooked') next.raw = false;
    else if (a === 'sane') Object.assign(next, saneTty());
    else if (a === 'echo') next.echo = true;
    else if (a === '-echo') next.echo = false;
    else return {output: `stty: illegal option -- ${a}\n${STTY_USAGE}`, status: 1};
  }
  Object.assign(tty, next);
  return {output: '', status: 0};
}

function sttyReport(tty: TtyModes): string {
  const l = tty.raw ? ['-icanon', '-isig', '-iexten'] : [];
  if (!tty.echo) l.push('-echo');
  l.push('echoe', 'echoke', 'echoctl');
  return (
    'speed 115200 baud;\n' +
    `lflags: ${l.join(' ')}\n` +
    (tty.raw ? 'iflags: -icrnl -ixon -imaxbel ignbrk -brkint\n' : '') +
    `oflags: ${tty.raw ? '-opost ' : ''}tab0\n` +
    'cflags: cs8 -parenb clocal\n'
  );
}

/** What a program needs from the guest: the console and the tty state. */
export interface JobHost {
  tty: TtyModes;
  /** writes to the console as is (callers apply ttyOutput) */
  write(data: Buffer): void;
  /** resolves when the console took everything written so far */
  drain(): Promise<void>;
  /** the program exited: back to the shell */
  done(): void;
}

/** A foreground program: input from the line discipline, Ctrl-C when isig is on. */
export interface Job {
  /** cooked: a line with its '\n', or a partial line (Ctrl-D); null = end of file. raw: bytes as typed */
  input(data: Buffer | null): void;
  interrupt(): void;
  /** the guest stops (power-off, reboot): end without output */
  kill(): void;
}

/** cat(1) without operands (or '-'): standard input to standard output. */
export function catJob(host: JobHost): Job {
  return {
    input(data) {
      if (data === null) return host.done();
      host.write(ttyOutput(host.tty, data));
    },
    interrupt: () => host.done(),
    kill() {},
  };
}

/** Writes `next()` chunks as fast as the console takes them, until next() returns null. */
function pump(host: JobHost, next: () => Buffer | null, finished: () => void): {stop(): void} {
  let stopped = false;
  void (async () => {
    for (let chunk = next(); chunk && !stopped; chunk = stopped ? null : next()) {
      host.write(chunk);
      await host.drain();
    }
    if (!stopped) finished();
  })();
  return {stop: () => (stopped = true)};
}

/** yes(1): the string (default "y") and a newline, forever, until Ctrl-C. */
export function yesJob(host: JobHost, args: string[]): Job {
  const line = `${args.length ? args.join(' ') : 'y'}\n`;
  const chunk = ttyOutput(host.tty, line.repeat(Math.max(1, Math.floor(8192 / line.length))));
  const p = pump(
    host,
    () => chunk,
    () => {},
  );
  return {
    input() {},
    interrupt() {
      p.stop();
      host.done();
    },
    kill: () => p.stop(),
  };
}

export interface DdSpec {
  input: 'zero' | 'random';
  toNull: boolean;
  bs: number;
  count: number | null;
}

/** dd(1)'s get_num: digits with an optional b/k/m/g/w multiplier. */
function ddNumber(v: string): number | null {
  const m = /^(\d+)([bkmgw]?)$/i.exec(v);
  if (!m) return null;
  const mult: Record<string, number> = {'': 1, b: 512, k: 1024, m: 1024 ** 2, g: 1024 ** 3, w: 4};
  return Number(m[1]) * mult[m[2]!.toLowerCase()]!;
}

/** Parses dd's operands; only /dev/zero and /dev/random as input, the terminal or /dev/null as output. */
export function parseDd(args: string[]): DdSpec | {error: string} {
  const spec: DdSpec = {input: 'zero', toNull: false, bs: 512, count: null};
  let haveInput = false;
  for (const a of args) {
    const eq = a.indexOf('=');
    const [key, value] = eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, ''];
    if (key === 'if') {
      if (value === '/dev/zero') spec.input = 'zero';
      else if (value === '/dev/random' || value === '/dev/urandom') spec.input = 'random';
      else return {error: `dd: ${value}: No such file or directory\n`};
      haveInput = true;
    } else if (key === 'of') {
      if (value === '/dev/null') spec.toNull = true;
      else if (value !== '/dev/stdout' && value !== '/dev/tty') return {error: `dd: ${value}: Read-only file system\n`};
    } else if (key === 'bs' || key === 'count') {
      const n = ddNumber(value);
      if (n === null) return {error: `dd: ${key}: illegal numeric value\n`};
      if (key === 'bs') {
        if (n < 1) return {error: 'dd: bs: illegal numeric value\n'};
        spec.bs = n;
      } else spec.count = n;
    } else {
      return {error: `dd: unknown operand ${key}\n`};
    }
  }
  // Reading the terminal is not simulated: without if= there is nothing to copy.
  if (!haveInput) return {error: 'dd: reading the terminal is not simulated; use if=/dev/zero or if=/dev/random\n'};
  return spec;
}

/** dd(1): copies bs-sized blocks to the terminal; prints its summary at the end or on Ctrl-C. */
export function ddJob(host: JobHost, spec: DdSpec): Job {
  const started = process.hrtime.bigint();
  const slice = Math.min(spec.bs, 64 * 1024);
  const zeros = Buffer.alloc(slice);
  let blocks = 0;
  let inBlock = 0; // bytes of the current block written
  let bytes = 0;
  const next = (): Buffer | null => {
    if (spec.count !== null && blocks >= spec.count) return null;
    const n = Math.min(slice, spec.bs - inBlock);
    inBlock += n;
    bytes += n;
    if (inBlock === spec.bs) {
      blocks++;
      inBlock = 0;
    }
    if (spec.toNull) return Buffer.alloc(0);
    const data = spec.input === 'zero' ? zeros.subarray(0, n) : randomBytes(n);
    return ttyOutput(host.tty, data);
  };
  const summary = () => {
    const secs = Math.max(Number(process.hrtime.bigint() - started) / 1e9, 1e-6);
    const partial = inBlock > 0 ? 1 : 0;
    host.write(
      ttyOutput(
        host.tty,
        `${blocks}+${partial} records in\n${blocks}+${partial} records out\n${bytes} bytes transferred in ${secs.toFixed(6)} secs (${Math.round(bytes / secs)} bytes/sec)\n`,
      ),
    );
  };
  const p = pump(host, next, () => {
    summary();
    host.done();
  });
  return {
    input() {},
    interrupt() {
      p.stop();
      summary();
      host.done();
    },
    kill: () => p.stop(),
  };
}
