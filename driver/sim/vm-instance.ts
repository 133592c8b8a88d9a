// The kernel VM instance, /dev/vmm/NAME. In the simulator it is a regular file holding
// JSON; it outlives bhyve exactly like the real one (only bhyvectl --destroy removes it).
// A running bhyve watches its file: removal = destroyed, suspendRequest = forced
// power-off/reset from bhyvectl.
import {randomBytes} from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {simLayout} from './layout.js';
import {writeFileAtomicSync} from './fs-lock.js';
import {errnoError, pidAlive} from './tool-runtime.js';
import {readHostStateSync, updateHostStateSync, withHostLockSync, type HostState} from './host-state.js';

/** VM_MAX_NAMELEN on 13+ (SPECNAMELEN 255 - prefix 10 - suffix 15 - 1). */
const VM_MAX_NAMELEN = 229;

export interface VmInstance {
  name: string;
  memoryBytes: number;
  /** pid of the tool that created (or last reinitialised) it */
  creatorPid: number;
  createdBy: 'bhyveload' | 'grub-bhyve' | 'bhyve' | 'bhyvectl';
  createdAt: string;
  /**
   * Simulator only: which kernel VM this is. A reinit keeps it, a destroy + create makes a
   * new one, so a tool holding the old VM open can tell that its VM is gone.
   */
  instanceId?: string;
  /** created: empty; loaded: a loader put a kernel in; running: a bhyve runs it; stopped: bhyve exited */
  state: 'created' | 'loaded' | 'running' | 'stopped';
  /** where bhyveload took the kernel from: a disk (-d), or the host's directory (-h alone) */
  loadedFrom?: 'disk' | 'host';
  bhyvePid?: number | null;
  /** vCPUs a running bhyve activated (bhyvectl --get-active-cpus) */
  activeCpus?: number[];
  startedAt?: string | null;
  /** simulator-only: how far the guest got (tests wait on it; no FreeBSD equivalent) */
  guestStage?: 'booting' | 'login' | 'shell' | 'mountroot' | 'shutdown' | null;
  /** set by bhyvectl --force-poweroff / --force-reset, consumed by the running bhyve */
  suspendRequest?: 'poweroff' | 'reset' | null;
}

/**
 * prep_devname(9) rules as applied by make_dev(MAKEDEV_CHECKNAME): whitespace and '"'
 * rejected, leading '/' stripped, '//' collapsed, trailing '/', '.' and '..' components
 * rejected. Returns the cleaned name or null (EINVAL).
 */
export function checkVmName(name: string): string | null {
  if (name.length === 0 || name.length > VM_MAX_NAMELEN) return null;
  if (/[\s"]/.test(name)) return null;
  const clean = name.replace(/^\/+/, '').replace(/\/{2,}/g, '/');
  if (clean === '' || clean.endsWith('/')) return null;
  if (clean.split('/').some((c) => c === '.' || c === '..')) return null;
  return clean;
}

export function vmInstancePath(root: string, name: string): string {
  return path.join(simLayout(root).vmmDir, name);
}

export function readVmInstance(root: string, name: string): VmInstance | null {
  try {
    return JSON.parse(fs.readFileSync(vmInstancePath(root, name), 'utf8')) as VmInstance;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || e instanceof SyntaxError) return null;
    throw e;
  }
}

// Written, replaced and removed freely: dev/vmm is the simulator's own directory in the root
// it marked (sim-root.ts), made by ensureSimHost, as the kernel's devfs /dev/vmm is on
// FreeBSD, where nothing else can put a file. Names cannot leave it (no '.'/'..' components).
export function writeVmInstance(root: string, vm: VmInstance): void {
  const file = vmInstancePath(root, vm.name);
  fs.mkdirSync(path.dirname(file), {recursive: true});
  // temp file outside dev/vmm so a listing never shows it
  writeFileAtomicSync(file, JSON.stringify(vm, null, 2) + '\n', simLayout(root).tmp);
}

/** Change a VM instance under the host lock; returns null if it does not exist. */
export function updateVmInstance(root: string, name: string, fn: (vm: VmInstance) => void): VmInstance | null {
  return withHostLockSync(root, () => {
    const vm = readVmInstance(root, name);
    if (!vm) return null;
    fn(vm);
    writeVmInstance(root, vm);
    return vm;
  });
}

/**
 * The vmm module is usable: registered (kldstat -m vmm) and the hardware supports it.
 * Like libvmmapi's vm_create() on ≤14 (`if (modfind("vmm") < 0) kldload("vmm")`, then
 * the hw.vmm.create sysctl), an unloaded but available vmm.ko is auto-loaded. Returns
 * the errno name that vm_create would fail with, or null:
 * - no vmm.ko, or one whose load fails without VT-x/AMD-V (the kernel unloads it,
 *   ENOEXEC): no hw.vmm.create sysctl, ENOENT;
 * - a vmm.ko kept loaded although its module failed (preloaded, old kernels): the sysctl
 *   exists but vmm is not initialised, ENXIO (vmm.c vm_create()).
 */
export function ensureVmmUsable(root: string): string | null {
  const st = readHostStateSync(root);
  const vmm = st.modules.vmm ?? 'absent';
  if (vmm === 'absent') return 'ENOENT';
  if (vmm === 'unloaded') {
    if (!st.vmmHardware) return 'ENOENT';
    updateHostStateSync(root, (s: HostState) => {
      if (s.modules.vmm === 'unloaded') s.modules.vmm = 'loaded';
    });
    return null;
  }
  return st.vmmHardware ? null : 'ENXIO';
}

export type CreateOutcome = {created: boolean; vm: VmInstance};

/**
 * vm_create() + (on EEXIST) vm_reinit(), as bhyveload and grub-bhyve do. Throws an errno
 * error (EINVAL for a bad name; ENOENT or ENXIO without a usable vmm, see ensureVmmUsable).
 */
export function createOrReinitVm(
  root: string,
  rawName: string,
  memoryBytes: number,
  createdBy: VmInstance['createdBy'],
  state: VmInstance['state'],
): CreateOutcome {
  const name = checkVmName(rawName);
  if (!name) throw errnoError('EINVAL');
  const why = ensureVmmUsable(root);
  if (why) throw errnoError(why);
  return withHostLockSync(root, () => {
    const old = readVmInstance(root, name);
    const vm: VmInstance = {
      name,
      memoryBytes,
      creatorPid: process.pid,
      createdBy,
      createdAt: old?.createdAt ?? new Date().toISOString(),
      instanceId: old?.instanceId ?? newInstanceId(),
      state,
      bhyvePid: null,
      activeCpus: [],
      startedAt: null,
      suspendRequest: null,
    };
    writeVmInstance(root, vm);
    return {created: old === null, vm};
  });
}

function newInstanceId(): string {
  return randomBytes(8).toString('hex');
}

/**
 * Changes the VM a tool opened earlier, as an ioctl on its open descriptor would. Returns
 * null when that VM was destroyed meanwhile (even if another was created under the same
 * name): vmmdev_destroy() makes every later call on the old descriptor fail with ENXIO
 * (sys/dev/vmm/vmm_dev.c).
 */
export function updateOpenedVmInstance(root: string, opened: VmInstance, fn: (vm: VmInstance) => void): VmInstance | null {
  return withHostLockSync(root, () => {
    const vm = readVmInstance(root, opened.name);
    if (!vm || vm.instanceId !== opened.instanceId) return null;
    fn(vm);
    writeVmInstance(root, vm);
    return vm;
  });
}

export function destroyVmInstance(root: string, name: string): boolean {
  return withHostLockSync(root, () => {
    try {
      fs.rmSync(vmInstancePath(root, name));
      return true;
    } catch {
      return false;
    }
  });
}

/** All VM instances (walks subdirectories: names may contain '/'). */
export function listVmInstances(root: string): VmInstance[] {
  const out: VmInstance[] = [];
  const base = simLayout(root).vmmDir;
  const walk = (dir: string, prefix: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, {withFileTypes: true});
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.isDirectory()) walk(path.join(dir, e.name), `${prefix}${e.name}/`);
      else {
        const vm = readVmInstance(root, `${prefix}${e.name}`);
        if (vm) out.push(vm);
      }
    }
  };
  walk(base, '');
  return out;
}

/** bhyve that still runs this VM (its pid recorded and alive). */
export function runningBhyvePid(vm: VmInstance): number | null {
  return vm.bhyvePid && pidAlive(vm.bhyvePid) ? vm.bhyvePid : null;
}

/**
 * bhyve's vm_create(): true if the VM was created now, false if it existed (EEXIST,
 * adopted). The caller checked the name and vmm already.
 */
export function withVmCreate(root: string, name: string, memoryBytes: number, createdBy: VmInstance['createdBy']): boolean {
  return withHostLockSync(root, () => {
    if (readVmInstance(root, name)) return false;
    writeVmInstance(root, {
      name,
      memoryBytes,
      creatorPid: process.pid,
      createdBy,
      createdAt: new Date().toISOString(),
      instanceId: newInstanceId(),
      state: 'created',
      bhyvePid: null,
      activeCpus: [],
      startedAt: null,
      suspendRequest: null,
    });
    return true;
  });
}
