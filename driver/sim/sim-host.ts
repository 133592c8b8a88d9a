// Public entry point of the simulated FreeBSD host for the driver and tests.
// A sim host is a chroot-like tree DIR: absolute paths given to the sim tools resolve
// under DIR, and the tools themselves sit at their FreeBSD paths inside DIR as wrappers.
import fs from 'node:fs';
import path from 'node:path';
import {simLayout} from './layout.js';
import {HOST_TOOL_PATHS, type HostTool} from '../host/layout.js';
import {repoRoot} from './repo-root.js';
import {readHostStateSync, updateHostStateSync, withHostLockSync, type HostState} from './host-state.js';
import {syncModuleFilesSync} from './kld.js';
import {pidAlive} from './tool-runtime.js';
import {listVmInstances} from './vm-instance.js';
import {violationsLogPath} from './nmdm.js';
import {createFileSync, provideFileSync} from './fs-lock.js';
import {claimSimRoot, isSimWrapper, shQuote, WRAPPER_HEADER} from './sim-root.js';
import {DriverError} from '../client/connection.js';

export type {HostState} from './host-state.js';

export type SimTool = HostTool;
export {claimSimRoot} from './sim-root.js';

/** FreeBSD path of each tool: the same table the driver uses. */
const SIM_TOOL_PATHS = HOST_TOOL_PATHS;

/** Absolute path of a tool's wrapper inside the sim root. */
export function simToolPath(root: string, tool: SimTool): string {
  return path.join(root, SIM_TOOL_PATHS[tool]);
}

function wrapperText(root: string, tool: SimTool, osrelease: string): string {
  const script = path.join(repoRoot(), 'dist', 'sim', `${tool}.js`);
  // The base system's tools name the release they belong to, so changing osrelease in
  // host.json replaces them (a new inode), as an upgrade replaces /usr/sbin/bhyve.
  // BHYVE_SIM_TOOL lets the sim's ps show the process as FreeBSD would (proc-info.ts).
  // stty's terminal is its stdin; node saves a terminal's modes at start and puts them back
  // at exit, which would undo stty's work: the stand-in gets the terminal as fd 3.
  // The header line is how the simulator knows its own wrappers (sim-root.ts WRAPPER_HEADER).
  const release = tool === 'grub-bhyve' ? '' : ` (FreeBSD ${osrelease.replace(/[^\w.-]/g, '?')})`;
  return `${WRAPPER_HEADER}${tool}${release}; see driver/sim/README.md\nBHYVE_SIM_ROOT=${shQuote(root)} BHYVE_SIM_TOOL=${tool} exec ${shQuote(process.execPath)} ${shQuote(script)} "$@"${tool === 'stty' ? ' 3<&0 0</dev/null' : ''}\n`;
}

/**
 * Puts a tool's wrapper in place: a new file where there is none, a replacement (a new inode)
 * where the simulator's own wrapper has other text. Anything else at that path was not
 * written by the simulator and is never replaced: that is an error naming the way out.
 */
function writeWrapper(root: string, tool: SimTool, text: string): void {
  const file = simToolPath(root, tool);
  const mode = 0o755;
  const present = fs.lstatSync(file, {throwIfNoEntry: false});
  const ours = present !== undefined && isSimWrapper(file);
  if (present && !ours) {
    throw new DriverError(
      `${file} was not written by the bhyve-tui simulator, so it is not replaced; remove it, or list ${SIM_TOOL_PATHS[tool]} in ${simLayout(root).hostJson}'s absentPaths to keep it`,
    );
  }
  if (!present) {
    fs.mkdirSync(path.dirname(file), {recursive: true});
    // A concurrent start may make it first: then it is checked like any file that was there.
    if (!createFileSync(file, text, mode)) return writeWrapper(root, tool, text);
  } else if (fs.readFileSync(file, 'utf8') !== text) {
    // Checked just above; rename(2) cannot compare and swap, so a file put there in the
    // moment between would be replaced. Nothing but the simulator writes in its own root.
    const tmp = `${file}.new.${process.pid}.${Math.random().toString(36).slice(2)}`;
    fs.writeFileSync(tmp, text, {mode, flag: 'wx'});
    fs.renameSync(tmp, file);
  }
  if ((fs.statSync(file).mode & 0o777) !== mode) fs.chmodSync(file, mode);
}

/**
 * Create (idempotently) a sim host at root: host.json with defaults if missing,
 * dev/vmm, and the tool wrappers. Safe to call concurrently and repeatedly. The root must
 * be new, empty or the simulator's (claimSimRoot), and nothing below it that the simulator
 * did not write is replaced or removed.
 */
export async function ensureSimHost(root: string): Promise<void> {
  const abs = path.resolve(root);
  claimSimRoot(abs);
  const l = simLayout(abs);
  for (const d of [l.vmmDir, l.run, l.tmp, l.nmdmRun, l.crash]) fs.mkdirSync(d, {recursive: true});
  if (!fs.existsSync(l.hostJson)) {
    // Create under the lock so a concurrent caller's edits are not overwritten.
    updateHostStateSync(abs, () => undefined);
  }
  // The module files as host.json says, after an edit by hand too (as dmesg.boot is not).
  const {osrelease, absentPaths} = withHostLockSync(abs, () => {
    const st = readHostStateSync(abs);
    syncModuleFilesSync(abs, st);
    return st;
  });
  const absent = new Set(absentPaths);
  for (const tool of Object.keys(SIM_TOOL_PATHS) as SimTool[]) {
    const file = simToolPath(abs, tool);
    if (absent.has(SIM_TOOL_PATHS[tool])) {
      // Only the simulator's own wrapper goes; a program someone put there stays.
      if (isSimWrapper(file)) fs.rmSync(file);
      continue;
    }
    writeWrapper(abs, tool, wrapperText(abs, tool, String(osrelease)));
  }
  // What `pkg install node22 bhyve-firmware` put there; made once, never rewritten, so a
  // test may replace them (an old node) or list them in absentPaths.
  provideFileSync(l.node, absent.has('/usr/local/bin/node'), isSimNodeLink, () => fs.symlinkSync(process.execPath, l.node));
  provideFileSync(l.uefiFirmware, absent.has('/usr/local/share/uefi-firmware/BHYVE_UEFI.fd'), isSimFirmware, () => {
    const fd = fs.openSync(l.uefiFirmware, 'wx');
    fs.ftruncateSync(fd, SIM_FIRMWARE_BYTES); // sparse: costs no disk space
    fs.closeSync(fd);
  });
}

const SIM_FIRMWARE_BYTES = 2 * 1024 * 1024;

/** The simulator's node: a symbolic link to a node executable (a test's own node is a file). */
function isSimNodeLink(file: string): boolean {
  try {
    return fs.lstatSync(file).isSymbolicLink() && /^node/.test(path.basename(fs.readlinkSync(file)));
  } catch {
    return false;
  }
}

/** The simulator's firmware: 2 MiB of zeros (removing such a file loses nothing). */
function isSimFirmware(file: string): boolean {
  try {
    const st = fs.lstatSync(file);
    return st.isFile() && st.size === SIM_FIRMWARE_BYTES && fs.readFileSync(file).every((b) => b === 0);
  } catch {
    return false;
  }
}

export async function readHostState(root: string): Promise<HostState> {
  return readHostStateSync(path.resolve(root));
}

/** Lock host.json, let fn edit the state in place, write it back atomically. */
export async function updateHostState(root: string, fn: (state: HostState) => void): Promise<HostState> {
  return updateHostStateSync(path.resolve(root), (s) => {
    fn(s);
    return s;
  });
}

/** Guard against a recycled pid: sim processes carry BHYVE_SIM_ROOT in their environment. */
function belongsToSimRoot(pid: number, root: string): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(`BHYVE_SIM_ROOT=${root}`);
  } catch {
    return false;
  }
}

/**
 * Kill what the sim host left running: nmdm relays and any bhyve recorded in a VM
 * instance. For test teardown; a real host has no equivalent.
 */
export async function stopSimHost(root: string): Promise<void> {
  const l = simLayout(path.resolve(root));
  const pids: number[] = [];
  for (const vm of listVmInstances(path.resolve(root))) if (vm.bhyvePid) pids.push(vm.bhyvePid);
  let names: string[] = [];
  try {
    names = fs.readdirSync(l.nmdmRun);
  } catch {
    /* none */
  }
  for (const f of names.filter((n) => n.endsWith('.pid'))) {
    const pid = Number(fs.readFileSync(path.join(l.nmdmRun, f), 'utf8'));
    if (pid > 0) pids.push(pid);
  }
  for (const pid of pids) {
    if (!pidAlive(pid) || !belongsToSimRoot(pid, path.resolve(root))) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

/**
 * Lines the sim host recorded about device use that would go wrong on FreeBSD (an nmdm
 * side opened in a way that waits for carrier there, ...); see README.md, "nmdm pairs".
 * Test teardowns fail a test whose host recorded any.
 */
export function simViolations(root: string): string[] {
  try {
    return fs
      .readFileSync(violationsLogPath(path.resolve(root)), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '');
  } catch {
    return [];
  }
}
