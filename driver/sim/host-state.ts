// host.json: the simulated kernel's state (modules, interfaces, limits, faults). Several
// sim processes change it at once, so every change goes through updateHostState().
import fs from 'node:fs';
import path from 'node:path';
import {simLayout} from './layout.js';
import {dmesgBootText, isSimDmesgBoot} from './dmesg-boot.js';
import {withLockSync, writeFileAtomicSync} from './fs-lock.js';
import {syncModuleFilesSync} from './kld.js';

/**
 * loaded  = the .ko file is loaded and its modules registered
 * unloaded = not loaded, but the file exists in /boot/kernel (kldload works)
 * builtin = compiled into the kernel: modules registered, no loaded file (kldstat -n fails)
 * absent  = not loaded and no file in /boot/kernel (kldload: No such file or directory)
 * The sim root's /boot/kernel holds the files these states say exist (kld.ts syncModuleFilesSync).
 */
export type ModuleState = 'loaded' | 'unloaded' | 'builtin' | 'absent';

export type InterfaceDriver = 'tap' | 'vmnet' | 'bridge' | 'em' | 'lo';

export interface SimInterface {
  name: string;
  /** cloner/driver; renamed interfaces keep their driver and unit */
  driver: InterfaceDriver;
  unit: number;
  up: boolean;
  mtu: number;
  mac: string;
  descr?: string;
  /** interface groups besides the driver's own (e.g. vm-switch) */
  groups: string[];
  /** bridges only: member interface names, in the order added */
  members?: string[];
  /** taps only: pid that holds /dev/tapN open (stale if that pid is dead) */
  openedBy?: number | null;
}

export interface VmFaults {
  /** bhyve exits at start with this status and a matching stderr line */
  bhyveExit?: number;
  /** bhyveload / grub-bhyve fail with this status and a matching stderr line */
  loaderExit?: number;
  /** ifconfig tap create fails (only read from the "*" entry) */
  tapCreateFails?: boolean;
  /** the guest ignores the ACPI power button (SIGTERM) */
  ignoreAcpi?: boolean;
  /** bhyve prints a vm exit dump and aborts (SIGABRT) this long after it started */
  crashAfterMs?: number;
  /** stty applies the modes, then takes this long more to exit, as on a loaded host (only read from "*") */
  sttyDelayMs?: number;
  /** stty takes this long to start before it applies the modes, as node does on a loaded host (only read from "*") */
  sttyStartDelayMs?: number;
  /** a new nmdm pair's relay takes this long to start, as python3 does on a loaded host (only read from "*") */
  nmdmRelayDelayMs?: number;
  /** an nmdm relay runs this late before it scans who holds a side, and again before it compares their files (only read from "*") */
  nmdmRelayScanDelayMs?: number;
}

export interface HostState {
  hostname: string;
  osrelease: string;
  ncpu: number;
  physmemBytes: number;
  /** false: vmm.ko loads but its module fails (no VT-x/SVM) */
  vmmHardware: boolean;
  /** sysctl net.link.tap.up_on_open */
  tapUpOnOpen: boolean;
  /** sysctl kern.module_path (kldconfig(8) changes it); unset: the kernel's default (kld.ts) */
  modulePath?: string;
  /** total time from bhyve start to the login prompt */
  bootDelayMs: number;
  /**
   * autoboot_delay of the guests' loader.conf, in seconds (FreeBSD default 10;
   * "NO" waits for a key, -1 boots at once). bhyveload -e autoboot_delay=N overrides it.
   */
  autobootDelay: number | 'NO';
  /**
   * `timeout` of the grub-bhyve guests' grub.cfg, in seconds (-1 waits for a key). Unset:
   * the menu only shows briefly.
   */
  grubTimeout?: number;
  modules: Record<string, ModuleState>;
  interfaces: SimInterface[];
  /** keyed by VM name; "*" applies to every VM and holds host-wide faults */
  faults: Record<string, VmFaults>;
  /**
   * FreeBSD paths of the programs and files the simulator provides that this host lacks:
   * a package not installed ('/usr/local/sbin/grub-bhyve', '/usr/local/bin/node',
   * '/usr/local/share/uefi-firmware/BHYVE_UEFI.fd') or a base built WITHOUT_BHYVE
   * ('/usr/sbin/bhyve').
   */
  absentPaths: string[];
}

function defaultHostState(): HostState {
  return {
    hostname: 'simhost',
    osrelease: '14.2-RELEASE',
    ncpu: 4,
    physmemBytes: 8 * 1024 ** 3,
    vmmHardware: true,
    tapUpOnOpen: false,
    bootDelayMs: 600,
    autobootDelay: 10,
    // tuntap is in GENERIC on 13+, hence "builtin" (kldstat -m works, -n does not).
    modules: {vmm: 'loaded', nmdm: 'loaded', if_bridge: 'loaded', if_tuntap: 'builtin'},
    interfaces: [
      {name: 'em0', driver: 'em', unit: 0, up: true, mtu: 1500, mac: '58:9c:fc:00:00:01', groups: []},
      {name: 'lo0', driver: 'lo', unit: 0, up: true, mtu: 16384, mac: '', groups: ['lo']},
      {name: 'bridge0', driver: 'bridge', unit: 0, up: true, mtu: 1500, mac: '58:9c:fc:10:00:00', groups: ['bridge'], members: []},
    ],
    faults: {},
    absentPaths: [],
  };
}

/** Fill in anything a hand-written host.json left out. */
function normalise(raw: Partial<HostState>): HostState {
  const d = defaultHostState();
  return {
    ...d,
    ...raw,
    modules: {...(raw.modules ?? d.modules)},
    interfaces: (raw.interfaces ?? d.interfaces).map((i) => ({...i, groups: i.groups ?? []})),
    faults: raw.faults ?? {},
    absentPaths: Array.isArray(raw.absentPaths) ? raw.absentPaths.filter((p): p is string => typeof p === 'string') : [],
  };
}

export function readHostStateSync(root: string): HostState {
  let text: string;
  try {
    text = fs.readFileSync(simLayout(root).hostJson, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return defaultHostState();
    throw e;
  }
  return normalise(JSON.parse(text) as Partial<HostState>);
}

function writeHostStateSync(root: string, state: HostState): void {
  const l = simLayout(root);
  // host.json is the simulator's state file in its own root (sim-root.ts): read, edited and
  // written back under the lock, keeping every field it holds; one that does not parse
  // throws in readHostStateSync before anything is written.
  writeFileAtomicSync(l.hostJson, JSON.stringify(state, null, 2) + '\n', l.tmp);
  // The boot messages of a host that booted with this hardware, unless the file there is
  // not the simulator's (a test's own dmesg.boot): that one is left as it is.
  fs.mkdirSync(path.dirname(l.dmesgBoot), {recursive: true});
  let current: string | null = null;
  try {
    current = fs.lstatSync(l.dmesgBoot).isFile() ? fs.readFileSync(l.dmesgBoot, 'utf8') : '';
  } catch {
    // none yet
  }
  if (current === null || isSimDmesgBoot(current)) writeFileAtomicSync(l.dmesgBoot, dmesgBootText(state), l.tmp);
  // An `absent` module has no file for kldload to find.
  syncModuleFilesSync(root, state);
}

/** Lock, read, let fn change the state (or return a result), write back atomically. */
export function updateHostStateSync<T>(root: string, fn: (s: HostState) => T): T {
  return withLockSync(simLayout(root).hostLock, () => {
    const state = readHostStateSync(root);
    const result = fn(state);
    writeHostStateSync(root, state);
    return result;
  });
}

/** Run fn under the host lock without writing host.json (for VM instance files). */
export function withHostLockSync<T>(root: string, fn: () => T): T {
  return withLockSync(simLayout(root).hostLock, fn);
}

/** FreeBSD releases whose bhyve the simulator can answer as (driver/sim/bhyve-releases.ts). */
const SIM_RELEASES = ['10.4', '13.2', '14.2', '15.0'] as const;
export type SimRelease = (typeof SIM_RELEASES)[number];

/** Thrown for an osrelease in host.json the simulator does not model. */
export class SimReleaseError extends Error {}

/**
 * The release of host.json's `osrelease` ("14.2-RELEASE", "13.2-RELEASE-p4", "15.0-STABLE").
 * Anything else is refused with the list of releases that exist, never guessed.
 */
export function simRelease(state: Pick<HostState, 'osrelease'>): SimRelease {
  const m = /^(\d+\.\d+)-(RELEASE|STABLE|RC\d+|BETA\d+)(-p\d+)?$/.exec(String(state.osrelease));
  const known = m && (SIM_RELEASES as readonly string[]).includes(m[1]!) ? (m[1] as SimRelease) : null;
  if (!known) {
    throw new SimReleaseError(
      `host.json: osrelease '${String(state.osrelease)}' is not a FreeBSD release the simulator models; ` +
        `set it to one of ${SIM_RELEASES.map((r) => `${r}-RELEASE`).join(', ')}`,
    );
  }
  return known;
}

export function faultsFor(state: HostState, vmName: string | null): VmFaults {
  return {...(state.faults['*'] ?? {}), ...(vmName ? (state.faults[vmName] ?? {}) : {})};
}
