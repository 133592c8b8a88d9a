// PCI slot allocation for bhyve domains (bus 0 only), following libvirt's
// bhyve_device.c: reserve user addresses, keep slot 1 for the LPC bridge,
// then give each device that needs one the lowest free slot, function 0.

import {VirError} from './errors.js';
import type {DeviceInfo, DomainDef, PciAddress} from './model.js';

export const PCI_MIN_SLOT = 1;
export const PCI_MAX_SLOT = 31;

function formatPciAddress(a: {domain: number; bus: number; slot: number; function: number}): string {
  const h = (n: number, w: number) => n.toString(16).padStart(w, '0');
  return `${h(a.domain, 4)}:${h(a.bus, 2)}:${h(a.slot, 2)}.${a.function}`;
}

/** Which functions of which slots on bus 0 are in use. */
export class PciSlotAllocator {
  private readonly used = new Map<number, Set<number>>();

  /** Reserve one function; throws libvirt's errors for invalid or doubly used addresses. */
  reserve(addr: {domain: number; bus: number; slot: number; function: number}): void {
    const str = formatPciAddress(addr);
    if (addr.domain !== 0) throw new VirError('xml', `Invalid PCI address ${str}. Only PCI domain 0 is available`);
    if (addr.bus !== 0) throw new VirError('xml', `Invalid PCI address ${str}. Only PCI buses up to 0 are available`);
    if (addr.slot < PCI_MIN_SLOT) throw new VirError('xml', `Invalid PCI address ${str}. slot must be >= ${PCI_MIN_SLOT}`);
    if (addr.slot > PCI_MAX_SLOT) throw new VirError('xml', `Invalid PCI address ${str}. slot must be <= ${PCI_MAX_SLOT}`);
    if (addr.function > 7) throw new VirError('xml', `Invalid PCI address ${str}. function must be <= 7`);
    let fns = this.used.get(addr.slot);
    if (!fns) this.used.set(addr.slot, (fns = new Set()));
    if (fns.has(addr.function)) throw new VirError('xml', `Attempted double use of PCI Address ${str}`);
    fns.add(addr.function);
  }

  slotInUse(slot: number): boolean {
    return (this.used.get(slot)?.size ?? 0) > 0;
  }

  /** Lowest slot with no function in use; reserves its function 0. */
  next(): PciAddress {
    for (let slot = PCI_MIN_SLOT; slot <= PCI_MAX_SLOT; slot++) {
      if (this.slotInUse(slot)) continue;
      this.used.set(slot, new Set([0]));
      return {type: 'pci', domain: 0, bus: 0, slot, function: 0};
    }
    throw new VirError('internal', 'No more available PCI slots');
  }
}

function isEmptyPci(a: PciAddress): boolean {
  return a.domain === 0 && a.bus === 0 && a.slot === 0 && a.function === 0;
}

/** virDeviceInfoPCIAddressIsWanted: no address, or an all-zero PCI address. */
function wantsPciAddress(info: DeviceInfo): boolean {
  const a = info.address;
  return !a || (a.type === 'pci' && isEmptyPci(a as PciAddress));
}

function allInfos(def: DomainDef): DeviceInfo[] {
  return [
    ...def.disks.map((d) => d.info),
    ...def.controllers.map((c) => c.info),
    ...def.filesystems.map((f) => f.info),
    ...def.nets.map((n) => n.info),
    ...def.serials.map((c) => c.info),
    ...def.parallels.map((c) => c.info),
    ...def.channels.map((c) => c.info),
    ...def.consoles.map((c) => c.info),
    ...def.inputs.map((i) => i.info),
    ...def.sounds.map((s) => s.info),
    ...def.videos.map((v) => v.info),
    ...def.rngs.map((r) => r.info),
    ...def.others.map((o) => o.info),
  ];
}

/** Assign PCI addresses in place (bhyveDomainAssignPCIAddresses). */
export function assignPciAddresses(def: DomainDef): PciSlotAllocator {
  const alloc = new PciSlotAllocator();
  for (const info of allInfos(def)) {
    const a = info.address;
    if (a?.type !== 'pci') continue;
    const p = a as PciAddress;
    if (p.domain === 0 && p.bus === 0 && p.slot === 0) continue;
    alloc.reserve(p);
  }

  const assign = (info: DeviceInfo) => {
    info.address = alloc.next();
  };

  // slot 1 is kept for the LPC bridge unless the user put something there
  if (!alloc.slotInUse(1)) {
    alloc.reserve({domain: 0, bus: 0, slot: 1, function: 0});
    const isa = def.controllers.find((c) => c.type === 'isa' && wantsPciAddress(c.info));
    if (isa) isa.info.address = {type: 'pci', domain: 0, bus: 0, slot: 1, function: 0};
  }

  for (const c of def.controllers) {
    const eligible = c.type === 'sata' || (c.type === 'pci' && c.model !== 'pci-root') || (c.type === 'usb' && c.model === 'nec-xhci') || c.type === 'isa';
    if (eligible && wantsPciAddress(c.info)) assign(c.info);
  }
  for (const n of def.nets) {
    if (n.type === 'hostdev') continue;
    if (wantsPciAddress(n.info)) assign(n.info);
  }
  for (const d of def.disks) {
    if (d.target.bus !== 'virtio') continue;
    const a = d.info.address;
    if (a && a.type === 'pci' && !isEmptyPci(a as PciAddress)) continue;
    assign(d.info);
  }
  for (const v of def.videos) if (wantsPciAddress(v.info)) assign(v.info);
  for (const s of def.sounds) if (wantsPciAddress(s.info)) assign(s.info);
  for (const f of def.filesystems) if (wantsPciAddress(f.info)) assign(f.info);
  for (const r of def.rngs) if (wantsPciAddress(r.info)) assign(r.info);

  // libvirt refuses an address on the root bus controller
  for (const c of def.controllers) {
    if (c.type === 'pci' && (c.model === 'pci-root' || c.model === 'pcie-root') && c.info.address?.type === 'pci') {
      throw new VirError('xml', 'pci-root and pcie-root controllers should not have an address');
    }
  }
  return alloc;
}
