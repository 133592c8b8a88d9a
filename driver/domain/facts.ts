// The few facts about a definition that starting, listing and attaching need, read from
// the full domain model in one place so the lifecycle code does not depend on its shape.
import type {DomainDef} from './model.js';
import type {LifecycleAction} from './model.js';

export interface DomainFacts {
  name: string;
  vcpus: number;
  memoryKiB: number;
  /** nmdm consoles: master (bhyve's side, A) and slave (the user's side, B) */
  consoles: {master: string; slave: string}[];
  /** host files the guest needs: disk images, ISOs, firmware; `shared` when the guest does not write it alone (read-only, <shareable/>, a CD) */
  files: {path: string; what: string; shared?: boolean}[];
  /** one entry per bridge-type interface, in device order */
  bridges: string[];
  onReboot: LifecycleAction;
  onPoweroff: LifecycleAction;
  onCrash: LifecycleAction;
}

export function domainFacts(def: DomainDef): DomainFacts {
  return {
    name: def.name,
    vcpus: def.vcpus,
    memoryKiB: def.memoryKiB,
    consoles: def.serials.filter((s) => s.type === 'nmdm' && s.master && s.slave).map((s) => ({master: s.master!, slave: s.slave!})),
    files: def.disks
      .filter((d) => (d.type === 'file' || d.type === 'block') && d.source)
      .map((d) => ({path: d.source!, what: d.device === 'cdrom' ? 'ISO image' : 'disk image', shared: d.readonly || d.shareable || d.device === 'cdrom'})),
    bridges: def.nets.filter((n) => n.type === 'bridge' && n.source).map((n) => n.source!),
    onReboot: def.onReboot,
    onPoweroff: def.onPoweroff,
    onCrash: def.onCrash,
  };
}
