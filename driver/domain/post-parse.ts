// Post-parse defaults for bhyve domains: what libvirt's generic post-parse
// and the bhyve driver's hooks add to a freshly parsed definition before it
// is used or formatted (inactive config).

import {VirError} from './errors.js';
import {diskNameToIndex} from './identifiers.js';
import {insertController} from './device-order.js';
import type {ChrDef, ControllerDef, ControllerType, DomainDef} from './model.js';
import type {BhyveCaps} from '../bhyve/capabilities.js';
import {PCI_MAX_SLOT, PCI_MIN_SLOT} from './pci-address-alloc.js';

/** Disk controllers of one bus a definition may imply (drive addresses, disk names). */
const MAX_DISK_CONTROLLERS = 256;

export interface PostParseOptions {
  caps: BhyveCaps;
}

/** Guest capabilities of the bhyve driver: one guest, hvm / x86_64 / bhyve. */
function checkGuestSupported(def: DomainDef): void {
  if (def.os.type === 'hvm' && def.os.arch === 'x86_64' && def.virtType === 'bhyve') return;
  let s = '';
  s += `ostype=${def.os.type} `;
  if (def.os.arch) s += `arch=${def.os.arch} `;
  s += `domaintype=${def.virtType} `;
  throw new VirError('invalid-arg', `could not find capabilities for ${s}`);
}

/** Add a controller of this type and index unless one exists (virDomainDefMaybeAddController). */
function maybeAddController(def: DomainDef, type: ControllerType, index: number, model?: string): void {
  if (def.controllers.some((c) => c.type === type && c.index === index)) return;
  const c: ControllerDef = {type, index, info: {}, implicit: true};
  if (model !== undefined) c.model = model;
  insertController(def.controllers, c);
}

function needsIsaController(def: DomainDef): boolean {
  if (def.bootloader === undefined && def.os.loader) return true;
  if (def.os.firmware === 'efi') return true;
  if (def.serials.length || def.consoles.length) return true;
  if (def.graphics.length && def.videos.length) return true;
  return false;
}

/** bhyve's drive address for a disk without an address (SATA only; other buses just get checked). */
function assignDiskAddress(def: DomainDef, caps: BhyveCaps): void {
  for (const disk of def.disks) {
    if (disk.info.address) continue;
    const idx = diskNameToIndex(disk.target.dev);
    if (idx < 0) throw new VirError('xml', `Unknown disk name '${disk.target.dev}' and no address specified`);
    switch (disk.target.bus) {
      case 'sata':
        disk.info.address = caps.has('AHCI32SLOT')
          ? {type: 'drive', controller: Math.floor(idx / 32), bus: 0, target: 0, unit: idx % 32}
          : {type: 'drive', controller: idx, bus: 0, target: 0, unit: 0};
        break;
      // generic libvirt drive addresses for the buses that have them
      case 'ide':
        disk.info.address = {type: 'drive', controller: Math.floor(idx / 4), bus: Math.floor((idx % 4) / 2), target: 0, unit: idx % 2};
        break;
      case 'scsi':
        disk.info.address = {type: 'drive', controller: Math.floor(idx / 7), bus: 0, target: 0, unit: idx % 7};
        break;
      case 'fdc':
        disk.info.address = {type: 'drive', controller: 0, bus: 0, target: 0, unit: idx};
        break;
      default:
        break;
    }
  }
}

function nmdmDefaults(def: DomainDef, chr: ChrDef): void {
  if (chr.type !== 'nmdm' || chr.master) return;
  chr.master = `/dev/nmdm${def.uuid}A`;
  chr.slave = `/dev/nmdm${def.uuid}B`;
}

function chrSourceEqual(a: ChrDef, b: ChrDef): boolean {
  return (
    a.type === b.type &&
    a.master === b.master &&
    a.slave === b.slave &&
    a.path === b.path &&
    JSON.stringify(a.sourceAttrs) === JSON.stringify(b.sourceAttrs) &&
    a.protocol === b.protocol
  );
}

/** libvirt's console/serial back-compat (virDomainDefAddConsoleCompat). */
function addConsoleCompat(def: DomainDef): void {
  for (let i = 1; i < def.consoles.length; i++) {
    if (def.consoles[i]!.targetType === 'serial') {
      throw new VirError('config-unsupported', 'Only the first console can be a serial port');
    }
  }
  const stub = (): ChrDef => ({type: 'pty', sourceAttrs: [], targetType: 'serial', targetPort: 0, targetAttrs: [], info: {}});
  const first = def.consoles[0];
  if (first && def.os.type === 'hvm' && (first.targetType === 'serial' || first.targetType === undefined)) {
    if (def.serials.length === 0) {
      // the console becomes the first serial port
      const serial: ChrDef = {...first, targetPort: 0, targetAttrs: []};
      delete serial.targetType;
      def.serials.push(serial);
    } else if (def.serials[0]!.targetPort === 0 && chrSourceEqual(def.serials[0]!, first)) {
      // alias of the serial port: nothing to move
    }
    // either way console 0 is now a stub that mirrors serial 0
    def.consoles[0] = stub();
  } else if (def.os.type === 'hvm' && def.serials.length > 0 && (def.serials[0]!.targetType === undefined || def.serials[0]!.targetType === 'isa-serial')) {
    def.consoles.unshift(stub());
    def.consoles.forEach((c, i) => {
      if (i > 0 && c.targetPort === i - 1) c.targetPort = i;
    });
  }
}

function videoDefaultRam(type: string): number {
  switch (type) {
    case 'vga':
    case 'cirrus':
    case 'vmvga':
      return 16384;
    case 'xen':
      return 4096;
    case 'qxl':
      return 65536;
    default:
      return 0;
  }
}

/**
 * Apply post-parse in libvirt's order: the bhyve domain hook (guest check,
 * pci-root, implicit LPC), device hooks (drive addresses, pci-root index,
 * video gop, nmdm paths, controller indexes), then the generic steps
 * (console compat, implicit disk controllers, boot order, memory, video).
 */
export function domainPostParse(def: DomainDef, opts: PostParseOptions): void {
  // --- bhyve domain post-parse
  checkGuestSupported(def);
  maybeAddController(def, 'pci', 0, 'pci-root');
  if (needsIsaController(def)) maybeAddController(def, 'isa', 0);

  // --- per-device post-parse (bhyve hook, then generic)
  assignDiskAddress(def, opts.caps);
  for (const c of def.controllers) {
    if (c.type === 'pci' && (c.model === 'pci-root' || c.model === 'pcie-root') && c.index !== 0 && c.index !== -1) {
      throw new VirError('xml', 'pci-root and pcie-root controllers should have index 0');
    }
  }
  // A controller without an index gets the lowest one its type does not use yet. The used
  // indexes only grow, so each type's lowest free index only moves up: one pass in all.
  const usedIndexes = new Map<ControllerType, {used: Set<number>; free: number}>();
  for (const c of def.controllers) {
    let u = usedIndexes.get(c.type);
    if (!u) usedIndexes.set(c.type, (u = {used: new Set(), free: 0}));
    if (c.index !== -1) u.used.add(c.index);
  }
  for (const c of def.controllers) {
    if (c.index !== -1) continue;
    const u = usedIndexes.get(c.type)!;
    while (u.used.has(u.free)) u.free++;
    c.index = u.free;
    u.used.add(u.free);
  }
  for (const v of def.videos) if (v.type === 'default') v.type = 'gop';
  for (const chr of [...def.serials, ...def.consoles, ...def.channels, ...def.parallels]) nmdmDefaults(def, chr);
  for (const fs of def.filesystems) if (!fs.accessmode) fs.accessmode = 'passthrough';

  // --- generic post-parse
  addConsoleCompat(def);
  const diskCtrl: [ControllerType, string][] = [
    ['scsi', 'scsi'],
    ['fdc', 'fdc'],
    ['ide', 'ide'],
    ['sata', 'sata'],
  ];
  for (const [ctype, bus] of diskCtrl) {
    let max = -1;
    for (const d of def.disks) {
      if (d.target.bus !== bus || d.info.address?.type !== 'drive') continue;
      const ctrl = (d.info.address as {controller: number}).controller;
      if (ctrl > max) max = ctrl;
    }
    // libvirt adds every controller up to the highest one a disk names, and a disk name like
    // sdzzzzzz names a very high one. Each SATA controller needs a PCI function of its own
    // (31 slots of 8), so past that libvirt's answer can only be this error; other buses
    // are bounded plainly.
    if (ctype === 'sata' && max >= (PCI_MAX_SLOT - PCI_MIN_SLOT + 1) * 8) throw new VirError('internal', 'No more available PCI slots');
    if (max >= MAX_DISK_CONTROLLERS) {
      throw new VirError('config-unsupported', `disks on ${bus} controller ${max}: at most ${MAX_DISK_CONTROLLERS} ${bus} controllers are supported`);
    }
    for (let i = 0; i <= max; i++) maybeAddController(def, ctype, i);
  }
  if (def.channels.some((c) => c.targetType === 'virtio') || def.consoles.some((c) => c.targetType === 'virtio')) {
    maybeAddController(def, 'virtio-serial', 0);
  }
  if (def.others.some((o) => o.name === 'smartcard')) maybeAddController(def, 'ccid', 0);

  // boot order
  const deviceBoot = def.disks.some((d) => d.info.bootOrder) || def.nets.some((n) => n.info.bootOrder) || def.others.some((o) => o.info.bootOrder);
  const orders = new Set<number>();
  for (const info of [...def.disks.map((d) => d.info), ...def.nets.map((n) => n.info), ...def.others.map((o) => o.info)]) {
    if (!info.bootOrder) continue;
    if (orders.has(info.bootOrder)) throw new VirError('xml', `boot order '${info.bootOrder}' used for more than one device`);
    orders.add(info.bootOrder);
  }
  if (def.os.bootDevs.length > 0 && deviceBoot) {
    throw new VirError('config-unsupported', 'per-device boot elements cannot be used together with os/boot elements');
  }
  if (def.os.bootDevs.length === 0 && !deviceBoot && def.bootloader === undefined && def.os.type === 'hvm') {
    def.os.bootDevs.push('hd');
  }

  // memory
  if (def.memoryKiB === 0) {
    throw new VirError('xml', 'Memory size must be specified via <memory> or in the <numa> configuration');
  }
  if (def.currentMemoryKiB === 0 || def.currentMemoryKiB > def.memoryKiB) def.currentMemoryKiB = def.memoryKiB;

  // video: first is primary, default RAM sizes
  if (def.videos.length) {
    def.videos[0]!.primary = true;
    for (const v of def.videos) {
      if (v.vram === undefined || v.vram === 0) {
        const r = videoDefaultRam(v.type);
        if (r) v.vram = r;
      }
    }
  }

  // rng: random backend reads /dev/random unless told otherwise
  for (const r of def.rngs) if (r.backendModel === 'random' && r.file === undefined) r.file = '/dev/random';
}
