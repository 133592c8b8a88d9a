// Validation run at the end of parsing (libvirt's virDomainDefValidate with
// the bhyve device validator).

import { VirError } from './domain-errors.js';
import type { DomainDef } from './domain-model.js';

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
  for (let i = 0; i < def.disks.length; i++) {
    for (let j = i + 1; j < def.disks.length; j++) {
      const a = def.disks[i]!;
      const b = def.disks[j]!;
      if (a.target.dev === b.target.dev) {
        throw new VirError('xml', `target '${a.target.dev}' duplicated for disk sources '${a.source ?? ''}' and '${b.source ?? ''}'`);
      }
    }
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
