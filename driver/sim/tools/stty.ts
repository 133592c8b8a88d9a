// stty(1) with FreeBSD 14's grammar (bin/stty: getopt "aef:g", operands from key.c,
// modes.c and cchar.c). The simulator cannot set termios itself (Node has no tcsetattr),
// so once the arguments are known to be valid FreeBSD, the system's stty applies them:
// both take the same words for what is simulated. Words GNU stty lacks, and the output
// options (-a, -e, -g) whose text differs between the two, fail loudly instead of
// answering in Linux's format.
import fs from 'node:fs';
import {spawnSync} from 'node:child_process';
import {getopt} from '../getopt.js';
import {fail, simRootFromEnv, sleepSync, writeErr} from '../tool-runtime.js';
import {faultsFor, readHostStateSync} from '../host-state.js';

const USAGE = 'usage: stty [-a | -e | -g] [-f file] [arguments]';

/** modes.c: flags that take an optional leading '-'. */
const MODES = new Set([
  // cflag
  'cs5',
  'cs6',
  'cs7',
  'cs8',
  'cstopb',
  'cread',
  'parenb',
  'parodd',
  'hupcl',
  'hup',
  'clocal',
  'crtscts',
  'ctsflow',
  'rtsflow',
  'mdmbuf',
  // iflag
  'ignbrk',
  'brkint',
  'ignpar',
  'parmrk',
  'inpck',
  'istrip',
  'inlcr',
  'igncr',
  'icrnl',
  'ixon',
  'ixoff',
  'ixany',
  'imaxbel',
  'decctlq',
  'tandem',
  // lflag
  'echoke',
  'crtkill',
  'echoe',
  'crterase',
  'echo',
  'echonl',
  'echoctl',
  'ctlecho',
  'echoprt',
  'prterase',
  'echok',
  'isig',
  'icanon',
  'iexten',
  'tostop',
  'flusho',
  'pendin',
  'noflsh',
  'crtbs',
  'altwerase',
  'nokerninfo',
  'kerninfo',
  'extproc',
  // oflag
  'opost',
  'litout',
  'onlcr',
  'ocrnl',
  'onocr',
  'onlret',
  'oxtabs',
  'tab0',
  'tab3',
  'tabs',
  // combinations (modes.c)
  'evenp',
  'parity',
  'oddp',
  'pass8',
  'raw',
  'nl',
]);

/** key.c: keywords; the value says how many arguments follow. */
const KEYS: Record<string, number> = {
  all: 0,
  cbreak: 0,
  cols: 1,
  columns: 1,
  cooked: 0,
  dec: 0,
  ek: 0,
  everything: 0,
  f: 0,
  g: 0,
  ispeed: 1,
  new: 0,
  newcrt: 0,
  crt: 0,
  nl: 0,
  old: 0,
  ospeed: 1,
  raw: 0,
  rows: 1,
  sane: 0,
  size: 0,
  speed: 0,
  tty: 0,
};

/** cchar.c: control characters; each takes a value. */
const CCHARS = new Set([
  'discard',
  'dsusp',
  'eof',
  'eol',
  'eol2',
  'erase',
  'erase2',
  'intr',
  'kill',
  'lnext',
  'min',
  'quit',
  'reprint',
  'start',
  'status',
  'stop',
  'susp',
  'time',
  'werase',
]);

/** What GNU stty does not know or prints in its own format: not simulated. */
const NOT_SIMULATED = new Set([
  'all',
  'everything',
  'dec',
  'new',
  'old',
  'newcrt',
  'crt',
  'tty',
  'f',
  'g',
  'altwerase',
  'nokerninfo',
  'kerninfo',
  'mdmbuf',
  'ctsflow',
  'rtsflow',
  'decctlq',
  'tandem',
  'crtkill',
  'crterase',
  'ctlecho',
  'prterase',
  'crtbs',
  'oxtabs',
  'litout',
  'pass8',
  'erase2',
  'dsusp',
  'status',
  'size',
  'speed',
  'ek',
  'cbreak',
  'cooked',
  'hup',
  'tab0',
  'tab3',
]);

function sttyDelay(which: 'sttyDelayMs' | 'sttyStartDelayMs'): number {
  try {
    return faultsFor(readHostStateSync(simRootFromEnv()), null)[which] ?? 0;
  } catch {
    return 0;
  }
}

function systemStty(): string {
  for (const p of ['/usr/bin/stty', '/bin/stty']) if (fs.existsSync(p)) return p;
  fail(70, 'stty: the system has no stty to apply the settings with');
}

export function sttyMain(argv: string[]): number {
  const p = getopt('stty', argv, 'aef:g');
  if (!p.ok) fail(1, p.message, USAGE);
  let file: string | undefined;
  for (const o of p.opts) {
    if (o.opt === 'f') file = o.arg;
    else fail(70, `stty: -${o.opt} is not simulated (its output differs from FreeBSD's)`);
  }
  const ops = p.operands;
  if (ops.length === 0) fail(70, "stty: printing the settings is not simulated (its output differs from FreeBSD's)");
  const pass: string[] = [];
  for (let i = 0; i < ops.length; i++) {
    const a = ops[i]!;
    const word = a.startsWith('-') ? a.slice(1) : a;
    let argc = 0;
    if (/^\d+$/.test(a)) {
      pass.push(a);
      continue;
    } else if (!a.startsWith('-') && a in KEYS) {
      argc = KEYS[a]!;
    } else if (MODES.has(word)) {
      argc = 0;
    } else if (!a.startsWith('-') && CCHARS.has(a)) {
      argc = 1;
    } else {
      writeErr(`stty: illegal option -- ${a}\n`);
      fail(1, USAGE);
    }
    if (NOT_SIMULATED.has(word)) fail(70, `stty: '${a}' is not simulated`);
    if (argc > 0 && i + argc >= ops.length) {
      writeErr(`stty: ${a} requires an argument\n`);
      fail(1, USAGE);
    }
    pass.push(...ops.slice(i, i + 1 + argc));
    i += argc;
  }
  // The wrapper hands the terminal over as fd 3 (see sim-host.ts wrapperText).
  let tty = 3;
  if (file !== undefined) {
    try {
      tty = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY);
    } catch (e) {
      fail(1, `stty: ${file}: ${(e as Error).message}`);
    }
  }
  // A loaded host: node is slow to start, the modes are not set yet (faults["*"].sttyStartDelayMs).
  const startDelay = sttyDelay('sttyStartDelayMs');
  if (startDelay > 0) sleepSync(startDelay);
  // Through sh, so the terminal reaches stty as stdin without libuv making the shared open
  // file blocking (it does that to a child's fds 0-2, and the caller may rely on O_NONBLOCK).
  const r = spawnSync('/bin/sh', ['-c', 'exec "$0" "$@" <&3', systemStty(), ...pass], {stdio: ['ignore', 'inherit', 'pipe', tty]});
  if (r.status !== 0) {
    // GNU's wording is not FreeBSD's; say what failed the way stty(1) does.
    if (/Inappropriate ioctl|not a tty/i.test(r.stderr?.toString() ?? '')) fail(1, "stty: stdin isn't a terminal");
    fail(
      1,
      `stty: ${
        r.stderr
          ?.toString()
          .trim()
          .replace(/^stty: /, '') || 'failed'
      }`,
    );
  }
  // A loaded host: the modes are set, but stty is slow to finish (faults["*"].sttyDelayMs).
  const delay = sttyDelay('sttyDelayMs');
  if (delay > 0) sleepSync(delay);
  return 0;
}
