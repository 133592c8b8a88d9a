// Validation run at the end of parsing (libvirt's virDomainDefValidate with
// the bhyve device validator).

import {VirError} from './errors.js';
import type {DomainDef} from './model.js';

/** bhyve's device validation. */
function validateBhyveDevices(def: DomainDef): void {
  for (const c of def.controllers) {
    if (c.type === 'isa' && c.index !== 0) {
      // libvirt rejects this without setting a message ("no error"); we say why.
      throw new VirError('config-unsupported', `ISA controller index must be 0 (got ${c.index}); only one ISA controller is supported`);
    }
  }
  for (const r of def.rngs) {
    if (r.model !== 'virtio') throw new VirError('config-unsupported', "Only 'virio' RNG device model is supported");
    if (r.backendModel !== 'random') throw new VirError('config-unsupported', "Only 'random' backend model is supported");
    if (r.file !== '/dev/random') throw new VirError('config-unsupported', 'Only /dev/random source is supported');
  }
}

/** Generic checks libvirt makes for every driver. */
function validateGeneric(def: DomainDef): void {
  // libvirt compares every pair (i < j) and reports the first i that has a later twin, with
  // its first twin; the same pair, found in one pass
  const firstAt = new Map<string, number>();
  let pair: [number, number] | undefined;
  def.disks.forEach((d, j) => {
    const i = firstAt.get(d.target.dev);
    if (i === undefined) firstAt.set(d.target.dev, j);
    else if (!pair || i < pair[0]) pair = [i, j];
  });
  if (pair) {
    const a = def.disks[pair[0]]!;
    const b = def.disks[pair[1]]!;
    throw new VirError('xml', `target '${a.target.dev}' duplicated for disk sources '${a.source ?? ''}' and '${b.source ?? ''}'`);
  }
  const seen = new Set<string>();
  for (const c of def.controllers) {
    const k = `${c.type}/${c.index}`;
    if (seen.has(k)) throw new VirError('xml', `Multiple '${c.type}' controllers with index '${c.index}'`);
    seen.add(k);
  }
  for (const s of def.sounds) {
    if (s.audioId !== undefined && !def.audios.some((a) => a.id === s.audioId)) {
      throw new VirError('xml', `no audio backend with ID '${s.audioId}'`);
    }
  }
}

export function validateDomainDef(def: DomainDef): void {
  validateBhyveDevices(def);
  validateGeneric(def);
}
