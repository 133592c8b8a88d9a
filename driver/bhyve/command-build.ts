// DomainDef -> bhyve argv and loader argv (bhyveload / grub-bhyve / custom
// loader), following libvirt 11.3.0's bhyve_command.c: same argument order,
// same checks in the same order, same error texts.

import {CommandBuildError, type VirErrorCode} from '../domain/errors.js';
import type {BhyveCaps, GrubCaps, HostCaps} from './capabilities.js';
import {defaultHostCaps as defaultCaps} from './capabilities.js';
import type {ChrDef, ControllerDef, DiskDef, DomainDef, GraphicsDef, NetDef, PciAddress, VideoDef} from '../domain/model.js';
import {kibToBhyveMiB} from '../domain/memsize.js';
import {prepareDomain} from './firmware.js';

export const BHYVE_PATH = '/usr/sbin/bhyve';
const BHYVELOAD_PATH = '/usr/sbin/bhyveload';
/** Placeholder libvirt uses for the device map path in dry-run / XML->native output. */
export const DEVICE_MAP_PLACEHOLDER = '<device.map>';

export interface BuildContext {
  caps: BhyveCaps;
  grubCaps: GrubCaps;
  /** Directory searched for <os firmware='efi'> (libvirt's firmware_dir). */
  firmwareDir?: string;
  /** Dry run (XML -> native): taps are named tap0, no VNC port is taken. */
  dryRun: boolean;
  /** One tap device name per <interface>, created by the caller when !dryRun. */
  tapNames?: string[];
  /** Path written after --device-map for grub-bhyve. Default: DEVICE_MAP_PLACEHOLDER when dry-run, else the state-dir path. */
  deviceMapPath?: string;
  /** Takes a VNC port for autoport graphics when !dryRun (default: 5900). */
  allocateVncPort?: () => number;
  /** Lists a firmware directory (default: fs.readdirSync). */
  readFirmwareDir?: (dir: string) => string[];
  /** Resolve <interface type='network'> to a bridge name. */
  resolveNetwork?: (network: string) => string | undefined;
  /** Resolve <disk type='volume'> to a path. */
  resolveVolume?: (pool: string, volume: string) => string | undefined;
  /** Receives libvirt's warnings (VNC without password, passthrough args). */
  warn?: (message: string) => void;
  /**
   * Run firmware selection (prepareDomain) first when <os firmware='efi'>
   * has not been resolved yet. Default true; XML->native turns it off as libvirt does.
   */
  autoPrepare?: boolean;
}

/** Host capabilities for a current FreeBSD 14 host (all bhyve caps, grub CONSDEV). */
export function defaultHostCaps(): HostCaps {
  return defaultCaps();
}

const err = (code: VirErrorCode, detail: string, command: 'bhyve' | 'loader' = 'bhyve'): never => {
  throw new CommandBuildError(command, code, detail);
};
const unsupported = (detail: string): never => err('config-unsupported', detail);

function pciOf(info: {address?: unknown}): PciAddress {
  const a = info.address as PciAddress | undefined;
  if (a && a.type === 'pci') return a;
  // libvirt reads the PCI member of the address union regardless of type
  return {type: 'pci', domain: 0, bus: 0, slot: 0, function: 0};
}

/** Drive controller index as libvirt reads it (the union aliases pci.domain). */
function driveController(d: DiskDef): number {
  const a = d.info.address;
  if (!a) return 0;
  if (a.type === 'drive') return (a as {controller: number}).controller;
  if (a.type === 'pci') return (a as PciAddress).domain;
  return 0;
}

/** Source path of a disk, resolving storage volumes. */
function diskSource(d: DiskDef, ctx: BuildContext, command: 'bhyve' | 'loader'): string | undefined {
  if (d.type === 'volume') {
    if (d.pool === undefined || d.volume === undefined) return d.source;
    const p = ctx.resolveVolume?.(d.pool, d.volume);
    if (p === undefined) err('internal', `cannot resolve storage volume '${d.volume}' in pool '${d.pool}'`, command);
    return p;
  }
  return d.source;
}

const fmtNull = (s: string | undefined) => s ?? '(null)';

function buildAhci(def: DomainDef, c: ControllerDef, ctx: BuildContext): string[] {
  let list = '';
  for (const d of def.disks) {
    if (d.target.bus !== 'sata') continue;
    if (driveController(d) !== c.index) continue;
    if (d.type !== 'file' && d.type !== 'volume') unsupported('unsupported disk type');
    const src = diskSource(d, ctx, 'bhyve');
    if (d.device === 'cdrom' && src === undefined) unsupported('cdrom device without source path not supported');
    const ahci32 = ctx.caps.has('AHCI32SLOT');
    switch (d.device) {
      case 'disk':
        list += ahci32 ? `,hd:${fmtNull(src)}` : `-hd,${fmtNull(src)}`;
        break;
      case 'cdrom':
        list += ahci32 ? `,cd:${fmtNull(src)}` : `-cd,${fmtNull(src)}`;
        break;
      default:
        unsupported('unsupported disk device');
    }
  }
  return ['-s', `${pciOf(c.info).slot}:0,ahci${list}`];
}

function buildUsb(def: DomainDef, c: ControllerDef): string[] {
  let n = 0;
  for (const i of def.inputs) {
    if (i.bus !== 'usb') unsupported('only USB input devices are supported');
    if (i.type !== 'tablet') unsupported('only tablet input devices are supported');
    n++;
  }
  if (n !== 1) unsupported('only single input device is supported');
  const a = pciOf(c.info);
  return ['-s', `${a.slot}:${a.function},xhci,tablet`];
}

function buildNet(net: NetDef, index: number, ctx: BuildContext): string[] {
  let model: string;
  if (net.model === 'virtio') model = 'virtio-net';
  else if (net.model === 'e1000') {
    if (!ctx.caps.has('NET_E1000')) unsupported("NIC model 'e1000' is not supported by given bhyve binary");
    model = 'e1000';
  } else {
    return unsupported('NIC model is not supported');
  }
  let bridge: string | undefined;
  if (net.type === 'bridge') bridge = net.source;
  else if (net.type === 'network') {
    if (net.source === undefined) err('internal', 'No network name specified');
    bridge = ctx.resolveNetwork?.(net.source!);
    if (bridge === undefined) err('internal', `network '${net.source}' could not be resolved to a bridge`);
  } else {
    unsupported(`Unsupported network type ${net.type}`);
  }
  if (!bridge) err('internal', 'No bridge name specified');
  let tap: string;
  if (ctx.dryRun) tap = 'tap0';
  else {
    const t = ctx.tapNames?.[index];
    if (t === undefined) err('internal', `no tap device was created for interface ${index}`);
    tap = t!;
  }
  return ['-s', `${pciOf(net.info).slot}:0,${model},${tap},mac=${net.mac ?? '00:00:00:00:00:00'}`];
}

function buildVirtioDisk(d: DiskDef, ctx: BuildContext): string[] {
  if (d.device !== 'disk') unsupported('unsupported disk device');
  if (d.type !== 'file' && d.type !== 'volume') unsupported('unsupported disk type');
  const src = diskSource(d, ctx, 'bhyve');
  return ['-s', `${pciOf(d.info).slot}:0,virtio-blk,${fmtNull(src)}`];
}

function buildGraphics(def: DomainDef, g: GraphicsDef, v: VideoDef, ctx: BuildContext): string[] {
  if (!ctx.caps.has('LPC_BOOTROM') || def.bootloader !== undefined || !def.os.loader) {
    unsupported('Graphics are only supported when booting using UEFI');
  }
  if (!ctx.caps.has('FBUF')) unsupported('Bhyve version does not support framebuffer');
  if (g.type !== 'vnc') unsupported('Only VNC supported');
  const listen = g.listens[0];
  if (!listen) err('internal', 'Missing listen element');
  const a = pciOf(v.info);
  let opt = `${a.slot}:${a.function},fbuf`;
  switch (listen!.type) {
    case 'address':
    case 'network': {
      opt += ',tcp=';
      if (!g.autoport && (g.port < 5900 || g.port > 65535)) unsupported('vnc port must be in range [5900,65535]');
      if (g.passwd !== undefined) {
        if (!ctx.caps.has('VNC_PASSWORD')) unsupported('VNC Password authentication not supported by bhyve');
        if (g.passwd.includes(',')) unsupported("Password may not contain ',' character");
      }
      const addr = listen!.address;
      if (addr !== undefined) opt += addr.includes(':') ? `[${addr}]` : addr;
      let port = g.port;
      if (!ctx.dryRun && g.autoport) port = ctx.allocateVncPort ? ctx.allocateVncPort() : 5900;
      opt += `:${port}`;
      break;
    }
    default:
      unsupported('Unsupported listen type');
  }
  if (g.passwd !== undefined) opt += `,password=${g.passwd}`;
  else if (!ctx.caps.has('VNC_PASSWORD')) ctx.warn?.('Security warning: VNC auth is not supported.');
  else ctx.warn?.('Security warning: VNC is used without authentication.');
  if (v.resolution) opt += `,w=${v.resolution.x},h=${v.resolution.y}`;
  if (v.hasDriver) opt += `,vga=${v.vgaconf ?? 'io'}`;
  return ['-s', opt];
}

function buildSound(def: DomainDef, idx: number, ctx: BuildContext): string[] {
  const s = def.sounds[idx]!;
  if (!ctx.caps.has('SOUND_HDA')) unsupported('Sound devices emulation is not supported by given bhyve binary');
  if (s.model !== 'ich7') unsupported('Sound device model is not supported');
  let params = '';
  const audio = s.audioId !== undefined ? def.audios.find((a) => a.id === s.audioId) : undefined;
  if (audio) {
    if (audio.type !== 'oss') unsupported(`unsupported audio backend '${audio.type}'`);
    const commonSet = (io: typeof audio.input) => !!io && (io.common.length > 0 || io.hasSettings);
    if (commonSet(audio.input) || commonSet(audio.output)) unsupported('cannot set common audio backend settings');
    if (audio.input?.dev !== undefined) params += `,play=${audio.input.dev}`;
    if (audio.output?.dev !== undefined) params += `,rec=${audio.output.dev}`;
  }
  const a = pciOf(s.info);
  return ['-s', `${a.slot}:${a.function},hda${params}`];
}

function buildFs(def: DomainDef, idx: number): string[] {
  const fs = def.filesystems[idx]!;
  if (fs.type !== 'mount') unsupported(`unsupported filesystem type '${fs.type}'`);
  if (fs.driverType !== undefined) unsupported(`unsupported filesystem driver '${fs.driverType}'`);
  if (fs.accessmode !== 'passthrough') unsupported(`unsupported filesystem accessmode '${fs.accessmode}'`);
  const a = pciOf(fs.info);
  return ['-s', `${a.slot}:${a.function},virtio-9p,${fs.target}=${fmtNull(fs.source)}${fs.readonly ? ',ro' : ''}`];
}

function buildConsole(def: DomainDef): string[] {
  const chr: ChrDef | undefined = def.serials[0];
  if (!chr) return [];
  if (chr.type !== 'nmdm') unsupported('only nmdm console types are supported');
  if (chr.targetPort > 2) unsupported('only two serial ports are supported');
  return ['-l', `com${chr.targetPort + 1},${fmtNull(chr.master)}`];
}

function ensurePrepared(def: DomainDef, ctx: BuildContext): void {
  if (ctx.autoPrepare !== false && def.os.firmware === 'efi' && !def.os.loader) prepareDomain(def, ctx);
}

/** bhyve argv for a parsed (and prepared) domain; argv[0] is /usr/sbin/bhyve. Throws CommandBuildError. */
export function buildBhyveCommand(def: DomainDef, ctx: BuildContext): string[] {
  ensurePrepared(def, ctx);
  const argv: string[] = [BHYVE_PATH];
  const nvcpus = def.currentVcpus ?? def.vcpus;

  argv.push('-c');
  const topo = def.cpu?.topology;
  if (topo?.sockets) {
    if (topo.dies !== 1) unsupported('Only 1 die per socket is supported');
    if (topo.clusters !== 1) unsupported('Only 1 cluster per die is supported');
    if (nvcpus !== topo.sockets * topo.cores * topo.threads) {
      unsupported('Invalid CPU topology: total number of vCPUs must equal the product of sockets, cores, and threads');
    }
    if (!ctx.caps.has('CPUTOPOLOGY')) unsupported('Installed bhyve binary does not support defining CPU topology');
    argv.push(`cpus=${nvcpus},sockets=${topo.sockets},cores=${topo.cores},threads=${topo.threads}`);
  } else {
    argv.push(String(nvcpus));
  }

  argv.push('-m', String(kibToBhyveMiB(def.memoryKiB)));
  if (def.memoryLocked) argv.push('-S');
  if (def.features.acpi) argv.push('-A');
  if (def.features.apic) argv.push('-I');
  if (def.features.msrsUnknown === 'ignore') argv.push('-w');

  switch (def.clock.offset) {
    case 'localtime':
      break;
    case 'utc':
      if (!ctx.caps.has('RTC_UTC')) unsupported('Installed bhyve binary does not support UTC clock');
      argv.push('-u');
      break;
    default:
      unsupported(`unsupported clock offset '${def.clock.offset}'`);
  }

  argv.push('-H', '-P');
  argv.push('-s', '0:0,hostbridge');

  if (def.bootloader === undefined && def.os.loader) {
    if (!ctx.caps.has('LPC_BOOTROM')) unsupported('Installed bhyve binary does not support UEFI loader');
    argv.push('-l', `bootrom,${fmtNull(def.os.loader.path)}`);
  }

  let nusb = 0;
  let nisa = 0;
  for (const c of def.controllers) {
    switch (c.type) {
      case 'pci':
        if (c.model !== 'pci-root') unsupported('unsupported PCI controller model: only PCI root supported');
        break;
      case 'sata':
        argv.push(...buildAhci(def, c, ctx));
        break;
      case 'usb':
        if (++nusb > 1) unsupported('only single USB controller is supported');
        argv.push(...buildUsb(def, c));
        break;
      case 'isa':
        if (++nisa > 1) unsupported('only single ISA controller is supported');
        argv.push('-s', `${pciOf(c.info).slot}:0,lpc`);
        break;
      default:
        unsupported('unsupported controller device');
    }
  }

  def.nets.forEach((n, i) => {
    argv.push(...buildNet(n, i, ctx));
  });

  for (const d of def.disks) {
    switch (d.target.bus) {
      case 'sata':
        break; // part of the AHCI controller
      case 'virtio':
        argv.push(...buildVirtioDisk(d, ctx));
        break;
      default:
        unsupported('unsupported disk device');
    }
  }

  if (def.graphics.length && def.videos.length) {
    if (def.graphics.length === 1 && def.videos.length === 1) {
      argv.push(...buildGraphics(def, def.graphics[0]!, def.videos[0]!, ctx));
    } else {
      unsupported('Multiple graphics devices are not supported');
    }
  }

  def.sounds.forEach((_, i) => {
    argv.push(...buildSound(def, i, ctx));
  });
  def.filesystems.forEach((_, i) => {
    argv.push(...buildFs(def, i));
  });
  argv.push(...buildConsole(def));
  for (const r of def.rngs) {
    if (r.backendModel !== 'random') unsupported('RNG backend is not supported');
    const a = pciOf(r.info);
    argv.push('-s', `${a.slot}:${a.function},virtio-rnd`);
  }

  if (def.bhyveCommandline) {
    ctx.warn?.('Booting the guest using command line pass-through feature, which could potentially cause inconsistent state and upgrade issues');
    argv.push(...def.bhyveCommandline);
  }
  argv.push(def.name);
  return argv;
}

// ---------------------------------------------------------------------------
// Loaders

/** g_strsplit(s, " ", 0): split on single spaces, keep empty pieces; "" gives no pieces. */
function splitBootloaderArgs(s: string): string[] {
  return s === '' ? [] : s.split(' ');
}

function usableDisk(d: DiskDef, ctx: BuildContext, lastError: {e?: CommandBuildError}): boolean {
  if (d.type === 'volume' && (d.pool === undefined || ctx.resolveVolume?.(d.pool, d.volume ?? '') === undefined)) {
    lastError.e = new CommandBuildError('loader', 'internal', `cannot resolve storage volume '${d.volume ?? ''}' in pool '${d.pool ?? ''}'`);
    return false;
  }
  if (d.device !== 'disk' && d.device !== 'cdrom') {
    lastError.e = new CommandBuildError('loader', 'config-unsupported', 'unsupported disk device');
    return false;
  }
  if (d.type !== 'file' && d.type !== 'volume') {
    lastError.e = new CommandBuildError('loader', 'config-unsupported', 'unsupported disk type');
    return false;
  }
  return true;
}

function bootDisk(def: DomainDef, ctx: BuildContext): DiskDef {
  const lastError: {e?: CommandBuildError} = {};
  const lerr = (detail: string): never => err('config-unsupported', detail, 'loader');
  if (def.disks.length < 1) lerr('Domain should have at least one disk defined');
  if (def.os.bootDevs.length > 1) lerr('Only one boot device is supported');
  if (def.os.bootDevs.length === 1) {
    const dev = def.os.bootDevs[0]!;
    let want: 'disk' | 'cdrom';
    if (dev === 'cdrom') want = 'cdrom';
    else if (dev === 'hd') want = 'disk';
    else return lerr(`Cannot boot from device ${dev}`);
    for (const d of def.disks) {
      if (!usableDisk(d, ctx, lastError)) continue;
      if (d.device === want) return d;
    }
    return lerr(`Cannot find boot device of requested type ${dev}`);
  }
  let match: DiskDef | undefined;
  let lastUsable: DiskDef | undefined;
  for (const d of def.disks) {
    if (!usableDisk(d, ctx, lastError)) continue;
    lastUsable = d;
    if ((d.info.bootOrder ?? 0) > 0) {
      if (match === undefined) match = d;
      else lerr('Only one boot device is supported');
    }
  }
  match ??= lastUsable;
  if (!match) throw lastError.e ?? new CommandBuildError('loader', 'config-unsupported', 'unsupported disk type');
  return match;
}

function customLoader(def: DomainDef): string[] {
  if (def.bootloaderArgs === undefined) {
    err('config-unsupported', 'Custom loader requires explicit bootloader_args configuration', 'loader');
  }
  return [def.bootloader!, ...splitBootloaderArgs(def.bootloaderArgs!)];
}

function grubLoader(def: DomainDef, ctx: BuildContext, deviceMapPath: string): {argv: string[]; deviceMap?: string} {
  if (def.bootloaderArgs !== undefined) return {argv: customLoader(def)};
  let cd: DiskDef | undefined;
  let hdd: DiskDef | undefined;
  let userdef: DiskDef | undefined;
  let best = Infinity;
  const lastError: {e?: CommandBuildError} = {};
  for (const d of def.disks) {
    if (!usableDisk(d, ctx, lastError)) continue;
    const bo = d.info.bootOrder ?? 0;
    if (bo && bo < best) {
      userdef = d;
      best = bo;
      continue;
    }
    if (!cd && d.device === 'cdrom') cd = d;
    if (!hdd && d.device === 'disk') hdd = d;
  }
  const line = (d: DiskDef) => `${d.device === 'cdrom' ? '(cd)' : '(hd0)'} ${fmtNull(diskSource(d, ctx, 'loader'))}\n`;
  let map = '';
  if (userdef) map += line(userdef);
  else {
    if (hdd) map += line(hdd);
    if (cd) map += line(cd);
  }
  const argv = [def.bootloader!, '--root'];
  if (userdef) argv.push(userdef.device === 'cdrom' ? 'cd' : 'hd0,msdos1');
  else argv.push(cd ? 'cd' : 'hd0,msdos1');
  argv.push('--device-map', deviceMapPath, '--memory', String(kibToBhyveMiB(def.memoryKiB)));
  if (ctx.grubCaps.has('CONSDEV') && def.serials.length > 0) {
    const chr = def.serials[0]!;
    if (chr.type !== 'nmdm') err('config-unsupported', 'only nmdm console types are supported', 'loader');
    argv.push('--cons-dev', fmtNull(chr.master));
  }
  argv.push(def.name);
  const out: {argv: string[]; deviceMap?: string} = {argv};
  if (map !== '') out.deviceMap = map;
  return out;
}

/** Where libvirt writes grub's device map while starting a domain. */
function deviceMapStatePath(name: string): string {
  return `/var/run/libvirt/bhyve/grub_bhyve-${name}-device.map`;
}

/**
 * Loader command run before bhyve, or null when the domain boots through
 * UEFI (an <os><loader>, possibly filled in from <os firmware='efi'>).
 * argv[0] is /usr/sbin/bhyveload, or the <bootloader> path as written.
 * `deviceMap` is the grub device.map text (grub-bhyve without explicit args only).
 */
export function buildLoaderCommand(def: DomainDef, ctx: BuildContext): {argv: string[]; deviceMap?: string} | null {
  ensurePrepared(def, ctx);
  if (def.os.loader) return null;
  if (def.disks.length < 1) err('config-unsupported', 'Domain should have at least one disk defined', 'loader');
  if (def.bootloader === undefined) {
    const disk = bootDisk(def, ctx);
    if (def.bootloaderArgs === undefined) {
      return {
        argv: [BHYVELOAD_PATH, '-m', String(kibToBhyveMiB(def.memoryKiB)), '-d', fmtNull(diskSource(disk, ctx, 'loader')), def.name],
      };
    }
    return {argv: [BHYVELOAD_PATH, ...splitBootloaderArgs(def.bootloaderArgs)]};
  }
  if (def.bootloader.includes('grub-bhyve')) {
    const path = ctx.deviceMapPath ?? (ctx.dryRun ? DEVICE_MAP_PLACEHOLDER : deviceMapStatePath(def.name));
    return grubLoader(def, ctx, path);
  }
  return {argv: customLoader(def)};
}
