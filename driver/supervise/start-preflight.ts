// Checks made before anything is started, so a start that cannot work fails with one
// clear line instead of a tool's cryptic exit status half-way through.
import fs from 'node:fs';
import path from 'node:path';
import type {HostLayout} from '../host/layout.js';
import type {DefinitionSubject} from '../domain/definition-scan.js';
import type {DomainFacts} from '../domain/facts.js';
import {probeModules} from '../host/modules.js';
import {runTool} from '../host/tools.js';
import {interfaceNameProblem} from '../host/tap-network.js';

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

/**
 * What a host path names, to compare two paths as files rather than strings: the file's
 * device and inode when it exists (symlinks followed, hard links equal), else the path with
 * '.', '..' and repeated slashes resolved. `/dev//nmdm0B`, `/dev/./nmdm0B` and a symlink to
 * /dev/nmdm0B all name one device.
 */
export function fileIdentity(layout: HostLayout, hostPath: string): string {
  const normal = path.posix.resolve('/', hostPath);
  try {
    const st = fs.statSync(layout.resolve(normal), {bigint: true});
    return `file ${st.dev}:${st.ino}`;
  } catch {
    return `path ${normal}`;
  }
}

/** A guest's use of a host file; an exclusive use (a writable, unshared disk) shares it with no one. */
export interface FileUse {
  path: string;
  exclusive: boolean;
}

/**
 * The first use in `mine` of a file that a use in `theirs` names too, where one of them is
 * exclusive (libvirt's lock managers: exclusive for a writable disk, shared for a read-only
 * or <shareable/> one). Every path is stat(2)ed at most once.
 */
export function conflictingUse(layout: HostLayout, mine: readonly FileUse[], theirs: readonly FileUse[]): {mine: string; theirs: string} | undefined {
  if (mine.length === 0 || theirs.length === 0) return undefined;
  const held = new Map<string, FileUse[]>();
  for (const u of theirs) {
    const id = fileIdentity(layout, u.path);
    held.set(id, [...(held.get(id) ?? []), u]);
  }
  for (const u of mine) {
    const other = held.get(fileIdentity(layout, u.path))?.find((o) => u.exclusive || o.exclusive);
    if (other) return {mine: u.path, theirs: other.path};
  }
  return undefined;
}

/** A file of the facts as a use; a broken definition's scan knows only whether it is a CD. */
export function fileUse(f: {path: string; what: string; shared?: boolean}): FileUse {
  return {path: f.path, exclusive: !(f.shared ?? f.what !== 'disk image')};
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
      problems.push({
        message: `kernel module ${m.label} is loaded but did not start: this CPU has no usable hardware virtualization`,
        hint: 'enable VT-x/AMD-V in the firmware setup',
      });
    } else if (m.detail === 'no file') {
      problems.push({message: `kernel module ${m.label} is not loaded, and there is no ${m.name}.ko in ${m.searched} to load; ${m.fix}`});
    } else {
      problems.push({message: `kernel module ${m.label} is not loaded; load it with: ${m.fix}`, hint: `to load it at every boot: ${m.persist}`});
    }
  }
  if (host.ncpu !== null && facts.vcpus > host.ncpu) {
    problems.push({
      message: `${facts.vcpus} vCPUs requested but the host has only ${host.ncpu}; lower <vcpu> to ${host.ncpu} or fewer`,
      subject: {kind: 'vcpus', value: String(facts.vcpus)},
    });
  }
  for (const f of facts.files) {
    if (!fs.existsSync(layout.resolve(f.path)))
      problems.push({
        message: `${f.what} ${f.path} does not exist`,
        hint: 'fix the <source file=...> path or create the file',
        subject: {kind: 'file', value: f.path},
      });
  }
  // One image as two writable disks of one guest: two block backends writing one file.
  const uses = facts.files.map(fileUse);
  for (let i = 1; i < uses.length; i++) {
    const twice = conflictingUse(layout, [uses[i]!], uses.slice(0, i));
    if (twice) {
      problems.push({
        message: `disk images ${twice.theirs} and ${twice.mine} are the same file`,
        hint: 'give each disk its own image, or mark both <readonly/> or <shareable/>',
        subject: {kind: 'file', value: twice.mine},
      });
      break;
    }
  }
  for (const bridge of new Set(facts.bridges)) {
    const bad = interfaceNameProblem(bridge);
    if (bad) {
      problems.push({message: bad, subject: {kind: 'bridge', value: bridge}});
      continue;
    }
    const r = await runTool(layout, 'ifconfig', [bridge]);
    if (r.exitCode !== 0)
      problems.push({message: `bridge ${bridge} does not exist; create it with: ifconfig ${bridge} create up`, subject: {kind: 'bridge', value: bridge}});
  }
  return problems;
}

/** The first problems as lines (for a refused start). */
export async function preflightProblems(layout: HostLayout, facts: PreflightFacts, host?: PreflightHost): Promise<string[]> {
  return (await preflight(layout, facts, host)).map((p) => p.message);
}
