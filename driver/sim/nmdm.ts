// nmdm(4) in the sim tree: /dev/nmdm*A|B appear when a sim tool opens one of them (devfs
// cloning). Each pair is a python3 relay joining two Linux ptys (nmdm-relay.py); the two
// names are symlinks to the pty slaves, so both ends are real ttys. The relay also models
// FreeBSD's modes, carrier and zombie state, and records opens that would block on
// FreeBSD in the violations log (see driver/sim/README.md, "nmdm pairs").
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {simLayout} from './layout.js';
import {acquireLock, acquireLockSync} from './fs-lock.js';
import {faultsFor, readHostStateSync} from './host-state.js';
import {repoRoot} from './repo-root.js';
import {errnoError, hostPath, pidAlive, sleep, sleepSync} from './tool-runtime.js';

/** /dev/nmdm<anything>A|B (basename longer than 5 chars), as the clone handler accepts. */
function nmdmPair(devPath: string): {base: string; side: 'A' | 'B'} | null {
  if (path.posix.dirname(devPath) !== '/dev') return null;
  const name = path.posix.basename(devPath);
  if (!name.startsWith('nmdm') || name.length <= 5) return null;
  const side = name.slice(-1);
  if (side !== 'A' && side !== 'B') return null;
  return {base: name.slice(0, -1), side};
}

const OPEN_FLAGS = fs.constants.O_RDWR | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY;

/**
 * Where relays write one line per console open that FreeBSD would treat differently (an
 * open that would wait for carrier, an open joining a zombie side). Tests fail on any.
 */
export function violationsLogPath(root: string): string {
  return path.join(simLayout(root).run, 'violations.log');
}

function relayFiles(root: string, base: string) {
  const l = simLayout(root);
  return {
    linkA: path.join(l.dev, `${base}A`),
    linkB: path.join(l.dev, `${base}B`),
    pidfile: path.join(l.nmdmRun, `${base}.pid`),
    lock: path.join(l.nmdmRun, `${base}.lock`),
  };
}

function relayAlive(files: ReturnType<typeof relayFiles>): boolean {
  try {
    const pid = Number(fs.readFileSync(files.pidfile, 'utf8'));
    return pidAlive(pid) && fs.existsSync(files.linkA) && fs.existsSync(files.linkB);
  } catch {
    return false;
  }
}

/** What a relay publishes at dev/nmdm*: a symbolic link to a pty slave. */
function isRelayLink(file: string): boolean {
  try {
    return fs.lstatSync(file).isSymbolicLink() && fs.readlinkSync(file).startsWith('/dev/pts/');
  } catch {
    return false;
  }
}

/** Starts the pair's relay; it is ready once relayReady() says so (within relayStartMs). */
function spawnRelay(root: string, files: ReturnType<typeof relayFiles>): void {
  // A dead relay's links are replaced; anything else at those names is not the simulator's
  // (on FreeBSD /dev is devfs, where nothing else can be) and stays: the open fails instead.
  for (const f of [files.linkA, files.linkB]) {
    if (fs.lstatSync(f, {throwIfNoEntry: false}) && !isRelayLink(f)) {
      throw errnoError('EEXIST', `${f} is not a console the simulator made (a link to a pty); remove it`);
    }
  }
  for (const f of [files.linkA, files.linkB, files.pidfile]) fs.rmSync(f, {force: true});
  fs.mkdirSync(path.dirname(files.pidfile), {recursive: true});
  const script = path.join(repoRoot(), 'driver', 'sim', 'nmdm-relay.py');
  const faults = faultsFor(readHostStateSync(root), null);
  const child = spawn('/usr/bin/python3', [script, files.linkA, files.linkB, files.pidfile, files.lock, violationsLogPath(root)], {
    detached: true,
    stdio: 'ignore',
    env: {
      ...process.env,
      BHYVE_SIM_ROOT: root,
      NMDM_RELAY_DELAY_MS: String(faults.nmdmRelayDelayMs ?? 0),
      NMDM_RELAY_SCAN_DELAY_MS: String(faults.nmdmRelayScanDelayMs ?? 0),
    },
  });
  child.unref();
}

const relayStartMs = 5000;
const relayReady = (files: ReturnType<typeof relayFiles>): boolean => fs.existsSync(files.pidfile) && fs.existsSync(files.linkA) && fs.existsSync(files.linkB);
const relayDidNotStart = (files: ReturnType<typeof relayFiles>) => errnoError('ENXIO', `nmdm relay for ${files.linkA} did not start`);

function startRelay(root: string, files: ReturnType<typeof relayFiles>): void {
  spawnRelay(root, files);
  for (const deadline = Date.now() + relayStartMs; Date.now() < deadline; sleepSync(5)) if (relayReady(files)) return;
  throw relayDidNotStart(files);
}

async function startRelayAsync(root: string, files: ReturnType<typeof relayFiles>): Promise<void> {
  spawnRelay(root, files);
  for (const deadline = Date.now() + relayStartMs; Date.now() < deadline; await sleep(5)) if (relayReady(files)) return;
  throw relayDidNotStart(files);
}

/**
 * The nmdm pair a device path names, with the side to open (ENOENT when nmdm.ko is not
 * loaded, as the clone handler is then missing); null for any other path.
 */
function clonedPair(root: string, devPath: string): {files: ReturnType<typeof relayFiles>; link: string} | null {
  const pair = nmdmPair(devPath);
  if (!pair) return null;
  const mod = readHostStateSync(root).modules.nmdm;
  if (mod !== 'loaded' && mod !== 'builtin') throw errnoError('ENOENT');
  const files = relayFiles(root, pair.base);
  return {files, link: pair.side === 'A' ? files.linkA : files.linkB};
}

/** A path that is not an nmdm name must exist and be a character device. */
function openPlainTty(root: string, devPath: string): number {
  const fd = fs.openSync(hostPath(root, devPath), OPEN_FLAGS);
  if (!fs.fstatSync(fd).isCharacterDevice()) {
    fs.closeSync(fd);
    throw errnoError('ENOTSUP');
  }
  return fd;
}

/**
 * Open a path the way bhyve/bhyveload open a tty backend: O_RDWR|O_NONBLOCK|O_NOCTTY.
 * nmdm names are cloned on demand (ENOENT when nmdm.ko is not loaded). Other paths must
 * exist and be a character device. Returns the fd.
 */
export function openTtyBackend(root: string, devPath: string): number {
  const pair = clonedPair(root, devPath);
  if (!pair) return openPlainTty(root, devPath);
  // Hold the pair's lock while opening so the relay cannot tear it down in between.
  const release = acquireLockSync(pair.files.lock);
  try {
    if (!relayAlive(pair.files)) startRelay(root, pair.files);
    return fs.openSync(pair.link, OPEN_FLAGS);
  } finally {
    release();
  }
}

/**
 * openTtyBackend for the daemon (the simulated host's backend): a new pair's relay is a
 * python3 process that takes 0.1 s to start on an idle machine and seconds on a loaded one,
 * and the daemon must go on answering meanwhile. On FreeBSD the open itself is immediate.
 */
export async function openTtyBackendAsync(root: string, devPath: string): Promise<number> {
  const pair = clonedPair(root, devPath);
  if (!pair) return openPlainTty(root, devPath);
  const release = await acquireLock(pair.files.lock);
  try {
    if (!relayAlive(pair.files)) await startRelayAsync(root, pair.files);
    return fs.openSync(pair.link, OPEN_FLAGS);
  } finally {
    release();
  }
}
