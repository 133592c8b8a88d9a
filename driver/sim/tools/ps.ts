// ps(1) as FreeBSD 14's bin/ps parses and prints, over Linux's processes (proc-info.ts).
// What the product must cope with on a real host, and Linux's procps does not show:
// - an -o item containing '=' gives that column's header; the header runs to the end of
//   the argument, separators included, so `-o pid=,pcpu=` is ONE column titled ",pcpu="
//   (keyword.c parsefmt(): "is always the last item");
// - without -ww the last column is cut so the line fits the terminal width: 79 when no
//   terminal and no COLUMNS, 131 with one -w, unlimited with -ww (ps.c main());
// - the header line is printed unless every header is empty;
// - -p selects processes with or without a terminal; nothing selected → exit 1.
import {getopt} from '../getopt.js';
import {allPids, freebsdCommand, freebsdStat, readProc, type ProcInfo} from '../proc-info.js';
import {fail, writeErr, writeOut} from '../tool-runtime.js';

const USAGE =
  'usage: ps [--libxo] [-aCcdefHhjlmrSTuvwXxZ] [-O fmt | -o fmt]\n' +
  '          [-G gid[,gid...]] [-J jid[,jid...]] [-M core] [-N system]\n' +
  '          [-p pid[,pid...]] [-t tty[,tty...]] [-U user[,user...]]\n' +
  '       ps [--libxo] -L';

interface Keyword {
  header: string;
  right: boolean;
  value(p: ProcInfo, ctx: {cflag: boolean}): string;
}

function clock(seconds: number, withCentis: boolean): string {
  const m = Math.floor(seconds / 60);
  const s = seconds - m * 60;
  return withCentis ? `${m}:${s.toFixed(2).padStart(5, '0')}` : `${m}:${String(Math.floor(s)).padStart(2, '0')}`;
}

function etime(seconds: number): string {
  const t = Math.floor(seconds);
  const d = Math.floor(t / 86400);
  const h = Math.floor((t % 86400) / 3600);
  const m = Math.floor((t % 3600) / 60);
  const s = t % 60;
  const mmss = `${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
  if (d > 0) return `${d}-${String(h).padStart(2, '0')}:${mmss}`;
  if (h > 0) return `${String(h).padStart(2, '0')}:${mmss}`;
  return mmss;
}

const num = (header: string, f: (p: ProcInfo) => number | string): Keyword => ({header, right: true, value: (p) => String(f(p))});
const str = (header: string, f: (p: ProcInfo, ctx: {cflag: boolean}) => string): Keyword => ({header, right: false, value: f});

const pcpu = num('%CPU', (p) => (p.elapsedSeconds > 0 ? Math.min((100 * p.cpuSeconds) / p.elapsedSeconds, 999.9) : 0).toFixed(1));
const command = str('COMMAND', (p, ctx) => (ctx.cflag ? p.comm : freebsdCommand(p)));
const stat = str('STAT', (p) => freebsdStat(p));

/** The keywords the simulator answers (FreeBSD has many more; others fail loudly). */
const KEYWORDS: Record<string, Keyword> = {
  pid: num('PID', (p) => p.pid),
  ppid: num('PPID', (p) => p.ppid),
  pgid: num('PGID', (p) => p.pgid),
  sid: num('SID', (p) => p.sid),
  sess: num('SESS', () => 0),
  jid: num('JID', () => 0),
  uid: num('UID', (p) => p.uid),
  user: str('USER', (p) => (p.uid === 0 ? 'root' : String(p.uid))),
  pcpu,
  '%cpu': pcpu,
  rss: num('RSS', (p) => p.rssKiB),
  vsz: num('VSZ', (p) => p.vszKiB),
  stat,
  state: stat,
  command,
  args: command,
  comm: str('COMMAND', (p) => p.comm),
  ucomm: str('UCOMM', (p) => p.comm),
  tt: str('TT', (p) => (p.hasTty ? 'pts' : '-')),
  tty: str('TTY', (p) => (p.hasTty ? 'pts' : '-')),
  time: num('TIME', (p) => clock(p.cpuSeconds, true)),
  etime: num('ELAPSED', (p) => etime(p.elapsedSeconds)),
};

interface Column {
  key: Keyword;
  header: string;
}

/** keyword.c parsefmt(): separators are blanks and commas, except after an item's '='. */
function parsefmt(spec: string, out: Column[], bad: string[]): void {
  let rest = spec;
  while (rest.length > 0) {
    const sep = /[ \t,\n]/;
    const eq = rest.indexOf('=');
    const firstSep = rest.search(sep);
    let item: string;
    if (eq >= 0 && (firstSep < 0 || eq < firstSep)) {
      item = rest;
      rest = '';
    } else if (firstSep < 0) {
      item = rest;
      rest = '';
    } else {
      item = rest.slice(0, firstSep);
      rest = rest.slice(firstSep + 1);
    }
    if (item === '') continue;
    const at = item.indexOf('=');
    const name = at >= 0 ? item.slice(0, at) : item;
    const key = KEYWORDS[name];
    if (!key) {
      bad.push(name);
      continue;
    }
    out.push({key, header: at >= 0 ? item.slice(at + 1) : key.header});
  }
}

/** ps.c dfmt: the format without -o. (-j, -l, -u and -v are not simulated.) */
const DEFAULT_FORMAT = 'pid,tt,stat,time,command';

/** addelem_pid(): each element a decimal pid, separated by commas or blanks. */
function addPids(list: number[], arg: string): boolean {
  for (const elem of arg.split(/[ \t,]+/)) {
    if (elem === '') continue;
    if (!/^\d+$/.test(elem)) {
      writeErr(`ps: Invalid process id: ${elem}\n`);
      return false;
    }
    const n = Number(elem);
    if (n > 99999) {
      writeErr(`ps: process id too large: ${elem}\n`);
      return false;
    }
    list.push(n);
  }
  return true;
}

function terminalWidth(): number {
  const cols = process.env.COLUMNS;
  if (cols !== undefined && cols !== '') return Number.parseInt(cols, 10) || 0;
  for (const s of [process.stdout, process.stderr]) {
    if (s.isTTY && s.columns > 0) return s.columns - 1;
  }
  return 79;
}

export function psMain(argv: string[]): number {
  if (argv[0] === '--libxo' || argv[0]?.startsWith('--libxo=')) fail(70, 'ps: --libxo is not simulated');
  const p = getopt('ps', argv, 'AaCcdefG:gHhjJ:LlM:mN:O:o:p:rSTt:U:uvwXxZ');
  if (!p.ok) fail(1, p.message, USAGE);
  if (p.operands.length > 0) fail(70, `ps: operands (${p.operands.join(' ')}) are not simulated`);
  const columns: Column[] = [];
  const bad: string[] = [];
  const pids: number[] = [];
  let all = false;
  let withoutTty = false;
  let selected = false;
  let cflag = false;
  let width = terminalWidth();
  let wflag = 0;
  let optfatal = false;
  for (const o of p.opts) {
    switch (o.opt) {
      case 'A':
        all = true;
        withoutTty = true;
        break;
      case 'a':
        all = true;
        break;
      case 'x':
        withoutTty = true;
        break;
      case 'X':
        withoutTty = false;
        break;
      case 'c':
        cflag = true;
        break;
      case 'o':
        parsefmt(o.arg!, columns, bad);
        break;
      case 'O':
        parsefmt('pid', columns, bad);
        parsefmt(o.arg!, columns, bad);
        parsefmt('tt,stat,time,command', columns, bad);
        break;
      case 'p':
        if (!addPids(pids, o.arg!)) optfatal = true;
        selected = true;
        break;
      case 'w':
        if (wflag > 0) width = 0;
        else if (width !== 0 && width < 131) width = 131;
        wflag++;
        break;
      case 'L':
        writeOut(`${Object.keys(KEYWORDS).sort().join(' ')}\n`);
        return 0;
      case 'C':
      case 'd':
      case 'e':
      case 'f':
      case 'g':
      case 'H':
      case 'h':
      case 'm':
      case 'r':
      case 'S':
      case 'Z':
        break; // accepted; no effect on what the simulator prints
      default:
        fail(70, `ps: -${o.opt} is not simulated`);
    }
  }
  if (optfatal) return 1;
  for (const b of bad) writeErr(`ps: ${b}: keyword not found\n`);
  if (columns.length === 0 && bad.length === 0) parsefmt(DEFAULT_FORMAT, columns, bad);
  if (columns.length === 0) fail(1, 'ps: no valid keywords; valid keywords:', Object.keys(KEYWORDS).sort().join(' '));

  const uid = process.getuid?.() ?? 0;
  const procs: ProcInfo[] = [];
  for (const pid of selected ? [...new Set(pids)].sort((a, b) => a - b) : allPids()) {
    const info = readProc(pid);
    if (!info) continue;
    if (!selected) {
      if (!all && info.uid !== uid) continue;
      if (!withoutTty && !info.hasTty) continue;
    }
    procs.push(info);
  }

  const ctx = {cflag};
  const rows = procs.map((pr) => columns.map((c) => c.key.value(pr, ctx)));
  const showHeader = columns.some((c) => c.header !== '');
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => {
    let out = '';
    cells.forEach((cell, i) => {
      const last = i === cells.length - 1;
      const col = columns[i]!;
      if (last) {
        let text = col.key.right ? cell.padStart(widths[i]!) : cell;
        if (width > 0) text = text.slice(0, Math.max(0, width - out.length));
        out += text;
      } else {
        out += (col.key.right ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)) + ' ';
      }
    });
    return out;
  };
  let text = showHeader ? `${line(columns.map((c) => c.header))}\n` : '';
  for (const r of rows) text += `${line(r)}\n`;
  writeOut(text);
  if (procs.length === 0) return 1;
  return bad.length > 0 ? 1 : 0;
}
