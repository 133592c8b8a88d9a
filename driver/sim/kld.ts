// The simulated kernel linker: which .ko files exist, what modules they register, and
// how kldstat prints them. Ids, addresses and sizes are fixed, plausible amd64 values.
import fs from 'node:fs';
import path from 'node:path';
import {provideFileSync} from './fs-lock.js';
import type {HostState, ModuleState} from './host-state.js';

export interface KldFile {
  /** key in host.json `modules` that controls this file (null = always loaded) */
  key: string | null;
  file: string;
  path: string;
  /** modules it registers; the kernel's list is abridged */
  modules: {id: number; name: string}[];
  address: bigint;
  size: number;
}

const KLD_CATALOGUE: readonly KldFile[] = [
  {
    key: null,
    file: 'kernel',
    path: '/boot/kernel/kernel',
    modules: [
      {id: 1, name: 'kernel'},
      {id: 2, name: 'pci'},
      {id: 3, name: 'acpi'},
      {id: 4, name: 'cd9660'},
    ],
    address: 0xffffffff80200000n,
    size: 0x1f3e2b0,
  },
  {key: 'vmm', file: 'vmm.ko', path: '/boot/kernel/vmm.ko', modules: [{id: 519, name: 'vmm'}], address: 0xffffffff82a22000n, size: 0x2c4c8},
  {key: 'nmdm', file: 'nmdm.ko', path: '/boot/kernel/nmdm.ko', modules: [{id: 520, name: 'nmdm'}], address: 0xffffffff82a4f000n, size: 0x6ac8},
  {
    key: 'if_bridge',
    file: 'if_bridge.ko',
    path: '/boot/kernel/if_bridge.ko',
    modules: [{id: 521, name: 'if_bridge'}],
    address: 0xffffffff82a56000n,
    size: 0x1e360,
  },
  // if_bridge.ko depends on bridgestp.ko; both come and go together.
  {
    key: 'if_bridge',
    file: 'bridgestp.ko',
    path: '/boot/kernel/bridgestp.ko',
    modules: [{id: 522, name: 'bridgestp'}],
    address: 0xffffffff82a75000n,
    size: 0xc4b8,
  },
  {
    key: 'if_tuntap',
    file: 'if_tuntap.ko',
    path: '/boot/kernel/if_tuntap.ko',
    // 13+: one file, three module names (if_tap and if_tun for compatibility)
    modules: [
      {id: 523, name: 'if_tuntap'},
      {id: 524, name: 'if_tun'},
      {id: 525, name: 'if_tap'},
    ],
    address: 0xffffffff82a82000n,
    size: 0x10e68,
  },
];

export interface LoadedFile {
  id: number;
  refs: number;
  entry: KldFile;
}

function stateOf(st: HostState, key: string | null): ModuleState {
  if (key === null) return 'loaded';
  return st.modules[key] ?? 'absent';
}

/** kern.module_path: linker_path's default in sys/kern/kern_linker.c unless changed (kldconfig). */
export function modulePath(st: HostState): string {
  return st.modulePath ?? '/boot/kernel;/boot/modules';
}

/** Whether kldload finds an existing module file: the files are in /boot/kernel (syncModuleFilesSync). */
export function moduleFileOnPath(st: HostState): boolean {
  return modulePath(st)
    .split(';')
    .some((d) => d.replace(/\/+$/, '') === '/boot/kernel');
}

const moduleFileText = (file: string): string => `simulated kernel module ${file}: see driver/sim/kld.ts\n`;

/**
 * The .ko files in the sim root's /boot/kernel, as host.json's modules say: every module's
 * file is there (a compiled-in one's too, as GENERIC's kernel set has them) except an
 * `absent` one's. Only the simulator's own files are ever removed.
 */
export function syncModuleFilesSync(root: string, st: HostState): void {
  for (const f of KLD_CATALOGUE) {
    if (f.key === null) continue;
    const file = path.join(root, f.path);
    const text = moduleFileText(f.file);
    const isOurs = (): boolean => {
      const present = fs.lstatSync(file, {throwIfNoEntry: false});
      return present?.isFile() === true && present.size === text.length && fs.readFileSync(file, 'utf8') === text;
    };
    provideFileSync(file, stateOf(st, f.key) === 'absent', isOurs, () => fs.writeFileSync(file, text, {flag: 'wx'}));
  }
}

/** Files listed by kldstat, numbered in catalogue order (kernel = 1). */
export function loadedFiles(st: HostState): LoadedFile[] {
  const files = KLD_CATALOGUE.filter((f) => stateOf(st, f.key) === 'loaded');
  return files.map((entry, i) => ({
    id: i + 1,
    refs: entry.key === null ? 20 + files.length : entry.file === 'bridgestp.ko' ? 2 : 1,
    entry,
  }));
}

/** Modules registered in the kernel (kldstat -m). */
export function registeredModules(st: HostState): {id: number; name: string}[] {
  const out: {id: number; name: string}[] = [];
  for (const f of KLD_CATALOGUE) {
    const s = stateOf(st, f.key);
    if (s !== 'loaded' && s !== 'builtin') continue;
    // vmm.ko listed as loaded on a CPU without VT-x/AMD-V: its MOD_LOAD failed and the
    // kernel kept the file, which only kernels without linker_preload_finish() do for a
    // file the boot loader preloaded (10.x-era kern_linker.c). kldload never gets here:
    // it unloads the file (ENOEXEC).
    if (f.key === 'vmm' && !st.vmmHardware) continue;
    out.push(...f.modules);
  }
  return out;
}

/** kldfind(2): match FILE or FILE.ko against loaded file names. */
export function findFile(st: HostState, name: string): LoadedFile | undefined {
  return loadedFiles(st).find((f) => f.entry.file === name || f.entry.file === `${name}.ko`);
}

/** The catalogue entry kldload would load for an argument (module name, file or path). */
export function resolveLoadable(arg: string): KldFile | undefined {
  const base = arg.includes('/') ? arg.slice(arg.lastIndexOf('/') + 1) : arg;
  const bare = !arg.includes('/') && !arg.includes('.');
  return KLD_CATALOGUE.find((f) => (bare ? f.modules.some((m) => m.name === base) || f.file === `${base}.ko` : f.file === base || f.file === `${base}.ko`));
}

const hex18 = (a: bigint): string => `0x${a.toString(16).padStart(16, '0')}`;

/** humanize_number(buf, 5, n, "", HN_AUTOSCALE, HN_DECIMAL | HN_NOSPACE) */
function humanize(n: number): string {
  const units = ['', 'K', 'M', 'G', 'T'];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  if (u > 0 && v < 9.95) return `${v.toFixed(1)}${units[u]}`;
  return `${Math.round(v)}${units[u]}`;
}

export function kldstatHeader(humanized: boolean): string {
  return `Id Refs Address${' '.repeat(11)} ${humanized ? 'Size'.padStart(5) : 'Size'.padStart(8)} Name\n`;
}

/** Modules compiled into the kernel (state 'builtin'): kldstat -v lists them under the kernel. */
function builtinModules(st: HostState): {id: number; name: string}[] {
  return KLD_CATALOGUE.filter((f) => f.key !== null && stateOf(st, f.key) === 'builtin').flatMap((f) => f.modules);
}

export function kldstatRow(f: LoadedFile, humanized: boolean, verbose: boolean, st?: HostState): string {
  const size = humanized ? humanize(f.entry.size).padStart(5) : f.entry.size.toString(16).padStart(8);
  let line = `${String(f.id).padStart(2)} ${String(f.refs).padStart(4)} ${hex18(f.entry.address)} ${size} ${f.entry.file}`;
  if (!verbose) return line + '\n';
  line += ` (${f.entry.path})\n\tContains modules:\n\t\t Id Name\n`;
  // A module whose MOD_LOAD failed (vmm without VT-x) is not listed, though its file is.
  const registered = st ? new Set(registeredModules(st).map((m) => m.name)) : null;
  const own = registered ? f.entry.modules.filter((m) => registered.has(m.name)) : f.entry.modules;
  const modules = f.entry.key === null && st ? [...own, ...builtinModules(st)] : own;
  for (const m of modules) line += `\t\t${String(m.id).padStart(3)} ${m.name}\n`;
  return line;
}
