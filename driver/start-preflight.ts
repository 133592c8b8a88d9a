// Checks made before anything is started, so a start that cannot work fails with one
// clear line instead of a tool's cryptic exit status half-way through.
import fs from 'node:fs';
import type {HostLayout} from './host-layout.js';
import type {DefinitionSubject} from './definition-scan.js';
import type {DomainFacts} from './domain-facts.js';
import {probeModules} from './host-modules.js';
import {runTool} from './host-tools.js';
import {interfaceNameProblem} from './tap-network.js';

export interface PreflightProblem {
  message: string;
  hint?: string;
  /** the part of the definition it is about, so the errors view can point at its element */
  subject?: DefinitionSubject;
}

/** What the checks read of a definition (a broken file gives what can still be read of it). */
export type PreflightFacts = Pick<DomainFacts, 'vcpus' | 'files' | 'bridges' | 'consoles'>;

export interface PreflightHost {
  /** host CPUs, when known */
  ncpu: number | null;
}

export async function preflight(layout: HostLayout, facts: PreflightFacts, host: PreflightHost = {ncpu: null}): Promise<PreflightProblem[]> {
  const problems: PreflightProblem[] = [];
  const modules = await probeModules(layout);
  const needed = new Set<string>(['vmm']);
  if (facts.consoles.length > 0) needed.add('nmdm');
  if (facts.bridges.length > 0) {
    needed.add('if_tuntap');
    needed.add('if_bridge');
  }
  for (const m of modules) {
    if (!needed.has(m.name) || m.loaded) continue;
    if (m.detail === 'failed') {
      problems.push({message: `kernel module ${m.label} is loaded but did not start: this CPU has no usable hardware virtualization`, hint: 'enable VT-x/AMD-V in the firmware setup'});
    } else {
      problems.push({message: `kernel module ${m.label} is not loaded; load it with: ${m.fix}`, hint: `to load it at every boot: ${m.persist}`});
    }
  }
  if (host.ncpu !== null && facts.vcpus > host.ncpu) {
    problems.push({message: `${facts.vcpus} vCPUs requested but the host has only ${host.ncpu}; lower <vcpu> to ${host.ncpu} or fewer`, subject: {kind: 'vcpus', value: String(facts.vcpus)}});
  }
  for (const f of facts.files) {
    if (!fs.existsSync(layout.resolve(f.path))) problems.push({message: `${f.what} ${f.path} does not exist`, hint: 'fix the <source file=...> path or create the file', subject: {kind: 'file', value: f.path}});
  }
  for (const bridge of new Set(facts.bridges)) {
    const bad = interfaceNameProblem(bridge);
    if (bad) {
      problems.push({message: bad, subject: {kind: 'bridge', value: bridge}});
      continue;
    }
    const r = await runTool(layout, 'ifconfig', [bridge]);
    if (r.exitCode !== 0) problems.push({message: `bridge ${bridge} does not exist; create it with: ifconfig ${bridge} create up`, subject: {kind: 'bridge', value: bridge}});
  }
  return problems;
}

/** The first problems as lines (for a refused start). */
export async function preflightProblems(layout: HostLayout, facts: PreflightFacts, host?: PreflightHost): Promise<string[]> {
  return (await preflight(layout, facts, host)).map((p) => p.message);
}
