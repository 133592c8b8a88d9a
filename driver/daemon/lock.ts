// One daemon per host. Node has no flock(2) and native addons are out, so the lock is the
// daemon's own listening unix socket: the kernel closes it when its process dies, however it
// dies, and a connect(2) to its name then fails with ECONNREFUSED. Nothing but the socket's
// liveness decides who holds the lock; the pid file is written by the holder for rc.d only.
//
// Taking the lock:
// 1. Listen (owner-only) at a name of our own, RUNDIR/.daemon.PID.tmp. A daemon that cannot
//    listen fails here, before it adopts anything.
// 2. The lock is the highest generation RUNDIR/.daemon.N.lock, each a hard link to the
//    socket of the daemon that took it. link(2) creates a name or fails with EEXIST, in one
//    step, for a socket file too (FreeBSD sys/kern/vfs_syscalls.c kern_linkat_vp refuses
//    only directories; Linux likewise). Find the highest N:
//    - none, or its socket refuses connections (its daemon died): link ours as N+1. EEXIST
//      means another daemon took N+1 first: start over.
//    - its socket accepts: a daemon runs; we lost.
//    A stale lock is never removed to be taken again, which is where remove-and-retry races
//    (a racer that tested the stale name removes the winner's fresh one): each generation
//    is taken once, by one link(2). After linking, a generation above ours means we raced
//    with a slow reader of an old listing (below): that is not a win, start over.
// 3. Won: the old generations and the temp names of dead racers are removed (only lower
//    generations, so the highest one only ever grows and a stale listing cannot make a
//    second winner: its link either fails or lands below the highest and is withdrawn), our
//    socket is renamed over RUNDIR/daemon.sock, where clients connect, and the pid file is
//    written.
// A loser whose winner's socket is not (or no longer) at daemon.sock links it there, so
// clients find the daemon even after someone removed that name.
//
// connect(2) on both systems reaches a socket through any of its names (FreeBSD
// sys/kern/uipc_usrreq.c unp_connectat: the vnode's unpcb; ECONNREFUSED when none is bound,
// ENOTSOCK for a name that is not a socket). One case reads "refused" while its daemon
// lives: FreeBSD also refuses when the listen queue is full (sonewconn fails), i.e. a daemon
// whose event loop stands still with ~200 connections waiting. Linux answers EAGAIN then.
// So a refused lock whose pid file names a process that started before the pid file was
// written still counts as held: that process wrote it and has not died since (a pid reused
// after the daemon's death started later).
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {DriverError} from '../client/connection.js';
import type {HostLayout} from '../host/layout.js';
import {daemonPidPath, daemonSocketPath, daemonSocketPathProblem} from '../protocol/messages.js';
import {pidAlive, setProcessTable} from '../host/process-alive.js';
import {runTool} from '../host/tools.js';
import {writeFileAtomic} from '../io/atomic-file.js';

const lockName = /^\.daemon\.(\d+)\.lock$/;
const tempName = /^\.daemon\.(\d+)\.(?:tmp|alias)$/;

export interface DaemonLock {
  /** listening at daemon.sock; connections wait (accepted, unread) until serve() */
  readonly server: net.Server;
  /** the generation this daemon holds */
  readonly generation: number;
  /** Starts handing connections (those that came meanwhile first) to `handler`. */
  serve(handler: (sock: net.Socket) => void): void;
  /** Gives the lock up: pid file, daemon.sock (if still ours), then the listening socket. */
  release(): Promise<void>;
}

export type LockOutcome = {won: true; lock: DaemonLock} | {won: false; holder: string};

type Probe = 'live' | 'refused' | 'gone';

/** Whether a daemon answers at `file` (a socket name). */
function probe(file: string): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const sock = net.createConnection(file);
    const done = (p: Probe) => {
      sock.destroy();
      resolve(p);
    };
    // A unix connect completes or fails at once; a daemon too busy to let it finish is alive.
    sock.setTimeout(5000, () => done('live'));
    sock.once('connect', () => done('live'));
    sock.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') done('gone');
      else if (e.code === 'ECONNREFUSED' || e.code === 'ENOTSOCK') done('refused');
      else if (e.code === 'EAGAIN' || e.code === 'EWOULDBLOCK')
        done('live'); // Linux: listen queue full
      else {
        sock.destroy();
        reject(new DriverError(`cannot check the daemon lock ${file}: ${e.message}`));
      }
    });
  });
}

function inode(file: string): bigint | null {
  try {
    return fs.lstatSync(file, {bigint: true}).ino;
  } catch {
    return null;
  }
}

function generations(runDir: string): number[] {
  const out: number[] = [];
  for (const f of fs.readdirSync(runDir)) {
    const m = lockName.exec(f);
    if (m) out.push(Number(m[1]));
  }
  return out.sort((a, b) => a - b);
}

const genPath = (runDir: string, n: number) => path.join(runDir, `.daemon.${n}.lock`);

/** The pid in the pid file; a pid file of any kind (even a FIFO) never blocks this read. */
function readPid(file: string): {pid: number; mtimeMs: number} | null {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOFOLLOW);
  } catch {
    return null;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return null;
    const buf = Buffer.alloc(32);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    const pid = Number(buf.subarray(0, n).toString().trim());
    return Number.isInteger(pid) && pid > 0 ? {pid, mtimeMs: st.mtimeMs} : null;
  } catch {
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

/** ps(1)'s etime, [[dd-]hh:]mm:ss, in seconds. */
function parseEtime(text: string): number | null {
  const m = /^(?:(?:(\d+)-)?(\d+):)?(\d+):(\d+)$/.exec(text.trim());
  if (!m) return null;
  return Number(m[1] ?? 0) * 86400 + Number(m[2] ?? 0) * 3600 + Number(m[3]) * 60 + Number(m[4]);
}

/**
 * The lock's socket refuses connections: is its daemon alive all the same (FreeBSD, listen
 * queue full)? Only if the pid file names a live process that already ran when the pid file
 * was written. ps's etime has whole seconds: a process that started up to a second after
 * the write counts as the writer, the safe side (no second daemon).
 */
async function holderStillRuns(layout: HostLayout): Promise<number | null> {
  const rec = readPid(daemonPidPath(layout));
  if (!rec || rec.pid === process.pid || !pidAlive(rec.pid)) return null;
  let etime: number | null = null;
  try {
    const r = await runTool(layout, 'ps', ['-o', 'etime=', '-p', String(rec.pid)], 5000);
    if (r.exitCode === 0) etime = parseEtime(r.stdout);
  } catch {
    // no answer: judged below as the safe side
  }
  if (etime === null) return pidAlive(rec.pid) ? rec.pid : null;
  const startedBefore = Date.now() - etime * 1000;
  return startedBefore - 1000 <= rec.mtimeMs ? rec.pid : null;
}

/** Who holds the lock, as the pid file says (written just after the lock is taken). */
function holderOf(layout: HostLayout): string {
  const rec = readPid(daemonPidPath(layout));
  return rec ? `pid ${rec.pid}` : 'a daemon that is starting';
}

function listen(file: string): Promise<net.Server> {
  const server = net.createServer({pauseOnConnect: true});
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(new DriverError(`the daemon cannot listen on ${file}: ${e.message}`)));
    // Created owner-only: the umask makes the socket 0600 before anyone can connect.
    const old = process.umask(0o177);
    server.listen(file, () => {
      process.umask(old);
      resolve(server);
    });
  });
}

/** Removes what dead racers left: lower generations and temp names of dead processes. */
function collectGarbage(runDir: string, mine: number): void {
  for (const f of fs.readdirSync(runDir)) {
    const g = lockName.exec(f);
    const t = tempName.exec(f);
    if ((g && Number(g[1]) < mine) || (t && Number(t[1]) !== process.pid && !pidAlive(Number(t[1])))) {
      fs.rmSync(path.join(runDir, f), {force: true});
    }
  }
}

/**
 * A loser makes daemon.sock a name of the winner's socket at `target` (inode `ino`) when
 * nothing answers there: removed by hand, or not yet renamed by the winner.
 */
async function publish(runDir: string, target: string, ino: bigint | null): Promise<void> {
  const sockPath = path.join(runDir, 'daemon.sock');
  if (ino === null || inode(sockPath) === ino || (await probe(sockPath).catch(() => 'live')) === 'live') return;
  const alias = path.join(runDir, `.daemon.${process.pid}.alias`);
  fs.rmSync(alias, {force: true});
  try {
    fs.linkSync(target, alias);
    if (inode(alias) === ino) fs.renameSync(alias, sockPath); // atomic: clients never find no name
  } catch {
    // the holder went away meanwhile: the next daemon publishes itself
  } finally {
    fs.rmSync(alias, {force: true});
  }
}

/**
 * Takes the host's daemon lock, or finds who holds it. Resolves {won: false} when another
 * daemon runs; throws DriverError when this daemon cannot listen at all.
 */
export async function takeDaemonLock(layout: HostLayout): Promise<LockOutcome> {
  const runDir = layout.runDir;
  const tooLong = daemonSocketPathProblem(layout);
  if (tooLong) throw new DriverError(tooLong);
  fs.mkdirSync(runDir, {recursive: true, mode: 0o700});
  fs.chmodSync(runDir, 0o700);
  setProcessTable({ps: layout.tool('ps')});
  const tmp = path.join(runDir, `.daemon.${process.pid}.tmp`);
  fs.rmSync(tmp, {force: true}); // a dead process's, with our pid
  const server = await listen(tmp);
  const ino = inode(tmp);
  // Nobody should connect to a racer's own name, but a connection that did would stay open
  // (paused, never read) and server.close() would wait for it for ever: a loser that never
  // leaves. They are dropped when we lose.
  const early = new Set<net.Socket>();
  const keep = (sock: net.Socket) => {
    early.add(sock);
    sock.once('close', () => early.delete(sock));
  };
  server.on('connection', keep);
  const give = async (holder: string): Promise<LockOutcome> => {
    for (const sock of early) sock.destroy();
    await new Promise<void>((r) => server.close(() => r()));
    fs.rmSync(tmp, {force: true});
    return {won: false, holder};
  };
  if (ino === null) return give('unknown (our socket vanished)');
  for (let attempt = 0; attempt < 200; attempt++) {
    const gens = generations(runDir);
    const top = gens.at(-1) ?? 0;
    if (top > 0) {
      const state = await probe(genPath(runDir, top));
      if (state === 'gone') continue;
      if (state === 'live') {
        await publish(runDir, genPath(runDir, top), inode(genPath(runDir, top)));
        return give(holderOf(layout));
      }
      const pid = await holderStillRuns(layout);
      if (pid !== null) return give(`pid ${pid} (its socket refuses connections: busy?)`);
    } else if ((await probe(daemonSocketPath(layout))) === 'live') {
      // No generation at all, yet something answers: a daemon that does not take this lock
      // (a bhyve-tui from before it). Never a second one beside it.
      return give(`${holderOf(layout)} (without a lock generation)`);
    }
    const mine = genPath(runDir, top + 1);
    try {
      fs.linkSync(tmp, mine);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
      await give('');
      throw new DriverError(`cannot take the daemon lock ${mine}: ${(e as Error).message}`);
    }
    // Linked below a generation we did not see: a stale listing, not a win.
    if ((generations(runDir).at(-1) ?? 0) > top + 1) {
      if (inode(mine) === ino) fs.rmSync(mine, {force: true});
      continue;
    }
    server.off('connection', keep);
    return {won: true, lock: won(layout, server, tmp, ino, top + 1, [...early])};
  }
  await give('');
  throw new DriverError(`cannot take the daemon lock in ${runDir}: it keeps changing under us`);
}

function won(layout: HostLayout, server: net.Server, tmp: string, ino: bigint, generation: number, early: net.Socket[]): DaemonLock {
  const runDir = layout.runDir;
  const sockPath = daemonSocketPath(layout);
  const pidFile = daemonPidPath(layout);
  collectGarbage(runDir, generation);
  fs.renameSync(tmp, sockPath);
  // rename(2) of one file onto another name of it does nothing (a loser published us first).
  if (inode(tmp) === ino) fs.rmSync(tmp, {force: true});
  writeFileAtomic(pidFile, `${process.pid}\n`, 0o600);
  let handler: ((sock: net.Socket) => void) | undefined;
  const waiting: net.Socket[] = early.filter((sock) => !sock.destroyed);
  server.on('connection', (sock: net.Socket) => {
    if (handler) {
      sock.resume();
      handler(sock);
    } else {
      waiting.push(sock);
    }
  });
  return {
    server,
    generation,
    serve(h) {
      handler = h;
      for (const sock of waiting.splice(0)) {
        sock.resume();
        h(sock);
      }
    },
    async release() {
      // Pid file and name first, while our socket still holds the lock: whatever a
      // successor writes afterwards is its own and stays.
      if (readPid(pidFile)?.pid === process.pid) fs.rmSync(pidFile, {force: true});
      if (inode(sockPath) === ino) fs.rmSync(sockPath, {force: true});
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
