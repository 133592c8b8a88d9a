// Checks made before anything is started, so a start that cannot work fails with one
// clear line instead of a tool's cryptic exit status half-way through.
import fs from 'node:fs';
import type {HostLayout} from './host-layout.js';
import type {DomainFacts} from './domain-facts.js';
import {probeModules} from './host-modules.js';
import {runTool} from './host-tools.js';

export async function preflightProblems(layout: HostLayout, facts: DomainFacts): Promise<string[]> {
  const problems: string[] = [];
  const modules = await probeModules(layout);
  const needed = new Set<string>(['vmm']);
  if (facts.consoles.length > 0) needed.add('nmdm');
  if (facts.bridges.length > 0) {
    needed.add('if_tuntap');
    needed.add('if_bridge');
  }
  for (const m of modules) {
    if (needed.has(m.name) && !m.loaded) {
      problems.push(`kernel module ${m.label} is not loaded; load it with: ${m.fix}`);
    }
  }
  for (const f of facts.files) {
    if (!fs.existsSync(layout.resolve(f.path))) problems.push(`${f.what} ${f.path} does not exist`);
  }
  for (const bridge of new Set(facts.bridges)) {
    const r = await runTool(layout, 'ifconfig', [bridge]);
    if (r.exitCode !== 0) problems.push(`bridge ${bridge} does not exist; create it with: ifconfig ${bridge} create up`);
  }
  return problems;
}
