// Which kernel modules bhyve needs. Registered modules and loaded files come from one
// `kldstat -v` (vm-bhyve asks `kldstat -q -m NAME` / `-n NAME` per module; that is the
// fallback). The two disagree in telling ways: a module with no file is compiled into the
// kernel; a vmm.ko file whose module is missing failed to start (no VT-x/AMD-V, or it is
// disabled in the firmware) on a kernel that kept the file (see statusOf).
import fs from 'node:fs';
import path from 'node:path';
import type {ModuleName, ModuleStatus} from '../client/connection.js';
import type {HostLayout} from './layout.js';
import {runTool} from './tools.js';

const modules: {name: ModuleName; label: string; alternatives: string[]}[] = [
  {name: 'vmm', label: 'vmm', alternatives: ['vmm']},
  // if_tuntap on 13+ (it also registers if_tap), if_tap before.
  {name: 'if_tuntap', label: 'if_tuntap/if_tap', alternatives: ['if_tuntap', 'if_tap']},
  {name: 'if_bridge', label: 'if_bridge', alternatives: ['if_bridge']},
  {name: 'nmdm', label: 'nmdm', alternatives: ['nmdm']},
];

/** The only modules bhyve-tui loads: what a client names is checked against these, never passed on. */
export const MODULE_NAMES: readonly ModuleName[] = modules.map((m) => m.name);

export function isModuleName(v: unknown): v is ModuleName {
  return typeof v === 'string' && (MODULE_NAMES as readonly string[]).includes(v);
}

/** Loaded files and registered modules, from one `kldstat -v` (the kernel lists its built-ins). */
export function parseKldstatVerbose(text: string): {files: Set<string>; modules: Set<string>} | null {
  const files = new Set<string>();
  const modules = new Set<string>();
  for (const line of text.split('\n')) {
    const file = /^\s*\d+\s+\d+\s+0x[0-9a-f]+\s+[0-9a-f.]+[KMGT]?\s+(\S+)/i.exec(line);
    if (file) {
      files.add(file[1]!.replace(/\.ko$/, ''));
      continue;
    }
    const mod = /^\t\t\s*\d+\s+(\S+)\s*$/.exec(line);
    if (mod) modules.add(mod[1]!);
  }
  return files.size > 0 ? {files, modules} : null;
}

function statusOf(m: (typeof modules)[number], files: Set<string>, registered: Set<string>): ModuleStatus {
  const alt = m.alternatives.find((a) => registered.has(a));
  if (alt) return {name: m.name, label: m.label, loaded: true, detail: files.has(alt) ? 'loaded' : 'compiled in'};
  // A file whose module failed is not fixed by loading it again. `kldload` never leaves
  // one behind: linker_load_file() unloads a file whose modules all failed (ENOEXEC, see
  // loadModule). A vmm.ko the boot loader preloaded (vmm_load="YES") is kept, though, by
  // kernels without linker_preload_finish() (10.x-era kern_linker.c), as vm-bhyve's
  // `kldstat -qn vmm` / `-qm vmm` check expects; newer kernels unload it too.
  if (files.has(m.alternatives[0]!)) return {name: m.name, label: m.label, loaded: false, detail: 'failed'};
  return {name: m.name, label: m.label, loaded: false, detail: 'missing', fix: `kldload ${m.name}`, persist: `sysrc kld_list+=${m.name}`};
}

/** The kernel's own default (linker_path in sys/kern/kern_linker.c), for a sysctl that does not answer. */
const DEFAULT_MODULE_PATH = '/boot/kernel;/boot/modules';

/**
 * A module that is not loaded and has no file kldload could load: kldload(2) looks up a bare
 * module name in each kern.module_path directory's linker.hints, then as NAME.ko there
 * (linker_search_module, linker_search_kld in kern_linker.c). Custom kernels built with
 * MODULES_OVERRIDE, and hosts whose kernel set lacks the module, have none: `kldload` then only
 * says "No such file or directory", so the fix is installing the file, not loading it.
 */
async function withoutFiles(layout: HostLayout, found: ModuleStatus[]): Promise<ModuleStatus[]> {
  if (!found.some((m) => m.detail === 'missing')) return found;
  const r = await runTool(layout, 'sysctl', ['-n', 'kern.module_path']).catch(() => null);
  const searched = (r?.exitCode === 0 && r.stdout.trim()) || DEFAULT_MODULE_PATH;
  const dirs = searched.split(';').filter((d) => d.startsWith('/'));
  return found.map((m) => {
    if (m.detail !== 'missing') return m;
    const files = modules.find((x) => x.name === m.name)!.alternatives.map((a) => `${a}.ko`);
    if (dirs.some((d) => files.some((f) => fs.existsSync(layout.resolve(path.posix.join(d, f)))))) return m;
    return {
      name: m.name,
      label: m.label,
      loaded: false,
      detail: 'no file',
      searched,
      fix: `install the kernel's modules, or build it: make -C /usr/src/sys/modules/${m.name} all install`,
    };
  });
}

async function kldstatQuiet(layout: HostLayout, flag: '-m' | '-n', name: string): Promise<boolean> {
  return (await runTool(layout, 'kldstat', ['-q', flag, name])).exitCode === 0;
}

/** The modules bhyve needs: one `kldstat -v`, or vm-bhyve's per-module checks if that cannot be read. */
export async function probeModules(layout: HostLayout): Promise<ModuleStatus[]> {
  const v = await runTool(layout, 'kldstat', ['-v']);
  const parsed = v.exitCode === 0 ? parseKldstatVerbose(v.stdout) : null;
  if (parsed)
    return withoutFiles(
      layout,
      modules.map((m) => statusOf(m, parsed.files, parsed.modules)),
    );
  const found = await Promise.all(
    modules.map(async (m) => {
      const registered = new Set<string>();
      const files = new Set<string>();
      for (const alt of m.alternatives) {
        if (await kldstatQuiet(layout, '-m', alt)) registered.add(alt);
        if (await kldstatQuiet(layout, '-n', alt)) files.add(alt);
      }
      return statusOf(m, files, registered);
    }),
  );
  return withoutFiles(layout, found);
}

/**
 * kldload's message for ENOEXEC (sbin/kldload/kldload.c): the file loaded but every module
 * in it failed its MOD_LOAD, and the kernel unloaded it again (kern_linker.c).
 */
const enoexecMessage = /an error occurred while loading module /;

/** Loads a module with kldload (the host panel's action). */
export async function loadModule(layout: HostLayout, name: ModuleName): Promise<{ok: boolean; message: string}> {
  // kldload takes a file name or path too: only the known module names ever reach it.
  if (!isModuleName(name)) return {ok: false, message: `not one of the modules bhyve needs (${MODULE_NAMES.join(', ')})`};
  const r = await runTool(layout, 'kldload', ['-n', name]);
  const message = (r.stderr.trim() || r.stdout.trim()).split('\n')[0] ?? '';
  if (r.exitCode === 0) return {ok: true, message: `loaded ${name}`};
  // vmm's MOD_LOAD fails (ENXIO) when the CPU has no usable VT-x/AMD-V (sys/amd64/vmm/vmm.c):
  // loading it again cannot help, the firmware setup can.
  if (name === 'vmm' && enoexecMessage.test(message)) {
    return {
      ok: false,
      message: `CPU virtualization (VT-x/AMD-V) missing or disabled in the firmware: enable it in the BIOS/UEFI setup (dmesg names the cause); kldload said: ${message}`,
    };
  }
  return {ok: false, message: message || `kldload ${name} failed with status ${r.exitCode}`};
}
