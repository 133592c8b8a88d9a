// Which kernel modules bhyve needs, checked the way vm-bhyve does: `kldstat -q -m NAME`.
// The tap driver registers as if_tuntap on 13+ (also as if_tap) and as if_tap before.
import type {ModuleName, ModuleStatus} from './connection.js';
import type {HostLayout} from './host-layout.js';
import {runTool} from './host-tools.js';

const modules: {name: ModuleName; label: string; alternatives: string[]}[] = [
  {name: 'vmm', label: 'vmm', alternatives: ['vmm']},
  {name: 'if_tuntap', label: 'if_tuntap/if_tap', alternatives: ['if_tuntap', 'if_tap']},
  {name: 'if_bridge', label: 'if_bridge', alternatives: ['if_bridge']},
  {name: 'nmdm', label: 'nmdm', alternatives: ['nmdm']},
];

async function moduleLoaded(layout: HostLayout, name: string): Promise<boolean> {
  const r = await runTool(layout, 'kldstat', ['-q', '-m', name]);
  return r.exitCode === 0;
}

export async function probeModules(layout: HostLayout): Promise<ModuleStatus[]> {
  return Promise.all(
    modules.map(async (m) => {
      let loaded = false;
      for (const alt of m.alternatives) {
        if (await moduleLoaded(layout, alt)) {
          loaded = true;
          break;
        }
      }
      const status: ModuleStatus = {name: m.name, label: m.label, loaded};
      if (!loaded) status.fix = `kldload ${m.name}`;
      return status;
    }),
  );
}
