// Which kernel modules bhyve needs, checked the way vm-bhyve does: `kldstat -q -m NAME`
// for the module, `kldstat -q -n NAME` for the file. The two disagree in telling ways:
// a module with no file is compiled into the kernel; a vmm.ko file whose module is
// missing failed to start (no VT-x/SVM or it is disabled in the firmware).
import type {ModuleName, ModuleStatus} from './connection.js';
import type {HostLayout} from './host-layout.js';
import {runTool} from './host-tools.js';

const modules: {name: ModuleName; label: string; alternatives: string[]}[] = [
  {name: 'vmm', label: 'vmm', alternatives: ['vmm']},
  // if_tuntap on 13+ (it also registers if_tap), if_tap before.
  {name: 'if_tuntap', label: 'if_tuntap/if_tap', alternatives: ['if_tuntap', 'if_tap']},
  {name: 'if_bridge', label: 'if_bridge', alternatives: ['if_bridge']},
  {name: 'nmdm', label: 'nmdm', alternatives: ['nmdm']},
];

async function kldstatQuiet(layout: HostLayout, flag: '-m' | '-n', name: string): Promise<boolean> {
  return (await runTool(layout, 'kldstat', ['-q', flag, name])).exitCode === 0;
}

async function probeOne(layout: HostLayout, m: (typeof modules)[number]): Promise<ModuleStatus> {
  for (const alt of m.alternatives) {
    if (await kldstatQuiet(layout, '-m', alt)) {
      const file = await kldstatQuiet(layout, '-n', alt);
      return {name: m.name, label: m.label, loaded: true, detail: file ? 'loaded' : 'compiled in'};
    }
  }
  const fileOnly = await kldstatQuiet(layout, '-n', m.alternatives[0]!);
  // A file whose module failed is not fixed by loading it again.
  if (fileOnly) return {name: m.name, label: m.label, loaded: false, detail: 'failed'};
  return {name: m.name, label: m.label, loaded: false, detail: 'missing', fix: `kldload ${m.name}`, persist: `sysrc kld_list+=${m.name}`};
}

export function probeModules(layout: HostLayout): Promise<ModuleStatus[]> {
  return Promise.all(modules.map((m) => probeOne(layout, m)));
}

/** Loads a module with kldload (the host panel's action). */
export async function loadModule(layout: HostLayout, name: ModuleName): Promise<{ok: boolean; message: string}> {
  const r = await runTool(layout, 'kldload', ['-n', name]);
  const message = (r.stderr.trim() || r.stdout.trim()).split('\n')[0] ?? '';
  return {ok: r.exitCode === 0, message: r.exitCode === 0 ? `loaded ${name}` : message || `kldload ${name} failed with status ${r.exitCode}`};
}
