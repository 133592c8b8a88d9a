// What FreeBSD's kernel would tell ps(1) about a process, read from Linux's /proc. The
// simulated host's processes are real Linux processes; this gives them FreeBSD's face:
// state letters, the command as FreeBSD's ps renders it (argv, with " (comm)" when the
// process retitled itself), and the sim tools under their FreeBSD paths.
import fs from 'node:fs';
import path from 'node:path';
import {HOST_TOOL_PATHS, type HostTool} from '../host/layout.js';

export interface ProcInfo {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  uid: number;
  /** FreeBSD p_comm: the executable's name (MAXCOMLEN 19) */
  comm: string;
  /** argv as FreeBSD's kern.proc.args would give it (the title after setproctitle) */
  argv: string[];
  /** Linux state letter */
  state: string;
  /** resident set in KiB */
  rssKiB: number;
  /** virtual size in KiB */
  vszKiB: number;
  /** CPU seconds used (user + system) */
  cpuSeconds: number;
  /** seconds since the process started */
  elapsedSeconds: number;
  /** has a controlling terminal */
  hasTty: boolean;
}

const clockTicks = 100; // USER_HZ on every Linux the simulator runs on

function uptimeSeconds(): number {
  return Number(fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
}

/**
 * A sim tool runs as `node .../dist/sim/TOOL.js ARGS` with BHYVE_SIM_TOOL=TOOL in its
 * environment; on FreeBSD that process is `/usr/sbin/TOOL ARGS` and its comm is TOOL.
 */
function simToolView(argv: string[], environ: string[], exe: string): {argv: string[]; comm: string} | null {
  const tool = environ.find((e) => e.startsWith('BHYVE_SIM_TOOL='))?.slice('BHYVE_SIM_TOOL='.length);
  if (!tool || !(tool in HOST_TOOL_PATHS)) return null;
  const script = argv[1] ?? '';
  if (path.basename(script) === `${tool}.js` && path.basename(path.dirname(script)) === 'sim') {
    return {argv: [HOST_TOOL_PATHS[tool as HostTool], ...argv.slice(2)], comm: tool};
  }
  // Retitled (setproctitle) node process: argv is the title, comm stays the tool's name.
  if (exe === process.execPath || path.basename(exe) === 'node') return {argv, comm: tool};
  return null; // a child that inherited the environment (the nmdm relay)
}

export function readProc(pid: number): ProcInfo | null {
  let stat: string;
  let cmdline: Buffer;
  let status: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    cmdline = fs.readFileSync(`/proc/${pid}/cmdline`);
    status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  let environ: string[] = [];
  try {
    environ = fs.readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0');
  } catch {
    // another user's process
  }
  const close = stat.lastIndexOf(')');
  const linuxComm = stat.slice(stat.indexOf('(') + 1, close);
  const f = stat.slice(close + 2).split(' ');
  // fields after the comm, 0-based: state ppid pgrp session tty_nr ... utime(11) stime(12) ... starttime(19) vsize(20) rss(21)
  const pageKiB = 4;
  let argv = cmdline.toString('utf8').split('\0');
  while (argv.length > 0 && argv[argv.length - 1] === '') argv.pop();
  let comm = linuxComm;
  let exe = '';
  try {
    exe = fs.readlinkSync(`/proc/${pid}/exe`);
  } catch {
    // another user's process
  }
  const sim = simToolView(argv, environ, exe);
  if (sim) {
    argv = sim.argv;
    comm = sim.comm;
  } else if (argv.length > 0) {
    // Linux truncates comm to 15 bytes; FreeBSD keeps 19. Take it from the executable.
    const exe = path.basename(argv[0]!);
    if (exe.startsWith(linuxComm)) comm = exe.slice(0, 19);
  }
  const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1] ?? 0);
  return {
    pid,
    ppid: Number(f[1]),
    pgid: Number(f[2]),
    sid: Number(f[3]),
    uid,
    comm,
    argv,
    state: f[0]!,
    rssKiB: Number(f[21]) * pageKiB,
    vszKiB: Math.round(Number(f[20]) / 1024),
    cpuSeconds: (Number(f[11]) + Number(f[12])) / clockTicks,
    elapsedSeconds: Math.max(0, uptimeSeconds() - Number(f[19]) / clockTicks),
    hasTty: Number(f[4]) !== 0,
  };
}

export function allPids(): number[] {
  return fs
    .readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .sort((a, b) => a - b);
}

/** FreeBSD's state column: one letter (D I L R S T W Z) and flags (s: session leader). */
export function freebsdStat(p: ProcInfo): string {
  const letter: Record<string, string> = {R: 'R', S: 'S', D: 'D', Z: 'Z', T: 'T', t: 'T', X: 'Z', I: 'I', W: 'W'};
  // FreeBSD shows I for a process that has slept more than about 20 seconds.
  let s = letter[p.state] ?? 'S';
  if (s === 'S' && p.elapsedSeconds > 20 && p.cpuSeconds === 0) s = 'I';
  if (p.pid === p.sid) s += 's';
  return s;
}

/** fmt.c fmt_argv(): the arguments, and " (comm)" when argv[0]'s basename is not comm. */
export function freebsdCommand(p: ProcInfo): string {
  if (p.state === 'Z') return '<defunct>';
  if (p.argv.length === 0) return `[${p.comm}]`;
  const joined = p.argv.join(' ');
  const first = p.argv[0]!;
  const base = first.slice(first.lastIndexOf('/') + 1);
  return base === p.comm ? joined : `${joined} (${p.comm})`;
}
