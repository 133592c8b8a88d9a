// Typed domain model: what the parser produces, post-parse completes,
// the command builder consumes and the formatter writes back.
//
// Field names follow libvirt's domain XML. Values that libvirt keeps as
// enums are kept as their XML spelling.

import type {XmlElement} from '../xml/dom.js';

/** XML namespace of the bhyve:commandline extension. */
export const BHYVE_NAMESPACE_URI = 'http://libvirt.org/schemas/domain/bhyve/1.0';

export interface PciAddress {
  type: 'pci';
  domain: number;
  bus: number;
  slot: number;
  function: number;
  multifunction?: 'on' | 'off';
}

interface DriveAddress {
  type: 'drive';
  controller: number;
  bus: number;
  target: number;
  unit: number;
}

/** Any other address type, kept as its attributes (in document order, `type` excluded). */
interface OtherAddress {
  type: string;
  attrs: [string, string][];
}

export type DeviceAddress = PciAddress | DriveAddress | OtherAddress;

export interface DeviceInfo {
  address?: DeviceAddress;
  /** <boot order='N'/>; 0 / undefined = none. */
  bootOrder?: number;
  /** user alias (ua-*) */
  alias?: string;
}

export const DISK_TYPES = ['file', 'block', 'dir', 'network', 'volume', 'nvme', 'vhostuser'] as const;
type DiskType = (typeof DISK_TYPES)[number];
export const DISK_DEVICES = ['disk', 'cdrom', 'floppy', 'lun'] as const;
export type DiskDevice = (typeof DISK_DEVICES)[number];

export interface DiskDef {
  type: DiskType;
  device: DiskDevice;
  /** Local path (file / block dev / dir), network name, or undefined. */
  source?: string;
  /** Volume source: <source pool= volume=>. */
  pool?: string;
  volume?: string;
  /** Extra attributes on <source> in order (for network/other sources). */
  sourceAttrs: [string, string][];
  target: {dev: string; bus: string; extra: [string, string][]};
  /** <driver> attributes in document order. */
  driver?: [string, string][];
  readonly: boolean;
  shareable: boolean;
  transient: boolean;
  serial?: string;
  info: DeviceInfo;
}

export const CONTROLLER_TYPES = ['ide', 'fdc', 'scsi', 'sata', 'virtio-serial', 'ccid', 'usb', 'pci', 'xenbus', 'isa', 'nvme'] as const;
export type ControllerType = (typeof CONTROLLER_TYPES)[number];

export interface ControllerDef {
  type: ControllerType;
  index: number;
  model?: string;
  /** <driver> attributes, <target> attributes (kept for formatting). */
  driver?: [string, string][];
  targetAttrs?: [string, string][];
  info: DeviceInfo;
  /** true if added by post-parse rather than written by the user */
  implicit?: boolean;
}

export interface NetDef {
  type: string; // bridge, network, ethernet, user, direct, ...
  mac?: string; // lowercase xx:xx:xx:xx:xx:xx
  /** bridge name for type bridge, network name for type network, dev for direct... */
  source?: string;
  sourceAttrs: [string, string][];
  targetDev?: string;
  model?: string;
  driver?: [string, string][];
  linkState?: string;
  mtu?: number;
  info: DeviceInfo;
}

export const CHR_TYPES = [
  'null',
  'vc',
  'pty',
  'dev',
  'file',
  'pipe',
  'stdio',
  'udp',
  'tcp',
  'unix',
  'spicevmc',
  'spiceport',
  'nmdm',
  'qemu-vdagent',
  'dbus',
] as const;
type ChrSourceType = (typeof CHR_TYPES)[number];

export interface ChrDef {
  type: ChrSourceType;
  /** nmdm master / slave */
  master?: string;
  slave?: string;
  /** path for pty/dev/file/pipe/unix */
  path?: string;
  /** other <source> attributes (e.g. mode, host, service) in order */
  sourceAttrs: [string, string][];
  protocol?: string;
  targetType?: string;
  targetPort: number;
  /** other <target> attributes (e.g. name for channels) */
  targetAttrs: [string, string][];
  info: DeviceInfo;
}

export interface GraphicsListen {
  type: 'address' | 'network' | 'socket' | 'none';
  address?: string;
  network?: string;
  socket?: string;
}

export interface GraphicsDef {
  type: string; // vnc, sdl, rdp, spice, ...
  port: number;
  autoport: boolean;
  passwd?: string;
  keymap?: string;
  listens: GraphicsListen[];
  /** raw element for non-VNC graphics (formatted back as written) */
  raw?: XmlElement;
}

export interface VideoDef {
  /** model type; 'default' until post-parse picks gop */
  type: string;
  heads?: number;
  vram?: number;
  primary: boolean;
  resolution?: {x: number; y: number};
  /** <driver vgaconf=...>; 'io' is libvirt's zero value and is not formatted */
  vgaconf?: 'io' | 'on' | 'off';
  hasDriver: boolean;
  info: DeviceInfo;
}

export interface SoundDef {
  model: string;
  audioId?: number;
  info: DeviceInfo;
}

export interface AudioIoDef {
  /** common attributes (mixingEngine, fixedSettings, voices, bufferLength) */
  common: [string, string][];
  hasSettings: boolean;
  dev?: string;
  /** backend-specific attributes other than dev */
  other: [string, string][];
}

export interface AudioDef {
  id: number;
  type: string;
  attrs: [string, string][];
  input?: AudioIoDef;
  output?: AudioIoDef;
  raw?: XmlElement;
}

export interface FilesystemDef {
  type: string; // mount, block, file, template, ram, bind, volume
  accessmode: string; // passthrough, mapped, squash
  driverType?: string;
  driverAttrs: [string, string][];
  sourceAttr: string; // attribute name used on <source>
  source?: string;
  target: string;
  readonly: boolean;
  info: DeviceInfo;
}

export interface RngDef {
  model: string;
  backendModel: string;
  /** random backend source file */
  file?: string;
  backendRaw?: XmlElement;
  rateAttrs?: [string, string][];
  info: DeviceInfo;
}

export interface InputDef {
  type: string; // mouse, tablet, keyboard, passthrough, evdev
  bus?: string;
  model?: string;
  info: DeviceInfo;
}

/** A device element the bhyve driver ignores; kept as written and formatted back. */
export interface OtherDeviceDef {
  name: string;
  raw: XmlElement;
  info: DeviceInfo;
}

export interface LoaderDef {
  path?: string;
  readonly?: 'yes' | 'no';
  type?: string; // rom, pflash
  secure?: string;
  format?: string;
  stateless?: string;
}

export const BOOT_DEVS = ['fd', 'cdrom', 'hd', 'network'] as const;
type BootDev = (typeof BOOT_DEVS)[number];

export const LIFECYCLE_ACTIONS = ['destroy', 'restart', 'rename-restart', 'preserve'] as const;
export const CRASH_ACTIONS = [...LIFECYCLE_ACTIONS, 'coredump-destroy', 'coredump-restart'] as const;
export type LifecycleAction = (typeof CRASH_ACTIONS)[number];

/** Whether `value` is one of `list` (an `as const` array), narrowing it to the list's type. */
export function isOneOf<T extends string>(list: readonly T[], value: string | undefined): value is T {
  return value !== undefined && (list as readonly string[]).includes(value);
}

export interface CpuDef {
  mode?: string;
  match?: string;
  check?: string;
  model?: string;
  vendor?: string;
  topology?: {sockets: number; dies: number; clusters: number; cores: number; threads: number};
  raw?: XmlElement;
}

export interface ClockDef {
  offset: 'utc' | 'localtime' | 'variable' | 'timezone' | 'absolute';
  attrs: [string, string][];
  raw?: XmlElement;
}

export interface DomainDef {
  virtType: string;
  name: string;
  uuid: string; // lowercase with dashes
  title?: string;
  description?: string;
  metadata?: XmlElement;
  /** initial memory in KiB (<memory>) */
  memoryKiB: number;
  /** <currentMemory> in KiB */
  currentMemoryKiB: number;
  maxMemory?: {kib: number; slots: number};
  memoryLocked: boolean;
  memoryBackingRaw?: XmlElement;
  vcpus: number;
  currentVcpus?: number;
  cpuset?: string;
  cpu?: CpuDef;
  bootloader?: string;
  bootloaderArgs?: string;
  os: {
    type: string; // hvm
    arch?: string;
    machine?: string;
    firmware?: string; // 'efi' | 'bios'
    loader?: LoaderDef;
    nvram?: {path?: string; template?: string};
    bootDevs: BootDev[];
    bootmenu?: [string, string][];
    /** other children of <os> we keep (e.g. smbios, bios) */
  };
  features: {
    acpi: boolean;
    apic: boolean;
    pae: boolean;
    hap: boolean;
    privnet: boolean;
    /** msrs unknown='ignore'|'fault' */
    msrsUnknown?: string;
    /** other feature elements, formatted back */
    other: XmlElement[];
  };
  clock: ClockDef;
  onPoweroff: LifecycleAction;
  onReboot: LifecycleAction;
  onCrash: LifecycleAction;
  emulator?: string;
  disks: DiskDef[];
  controllers: ControllerDef[];
  filesystems: FilesystemDef[];
  nets: NetDef[];
  serials: ChrDef[];
  consoles: ChrDef[];
  channels: ChrDef[];
  parallels: ChrDef[];
  inputs: InputDef[];
  graphics: GraphicsDef[];
  sounds: SoundDef[];
  audios: AudioDef[];
  videos: VideoDef[];
  rngs: RngDef[];
  /** hostdev, memballoon, watchdog, tpm, ... */
  others: OtherDeviceDef[];
  /** bhyve:commandline arguments (undefined = element absent) */
  bhyveCommandline?: string[];
  /**
   * Top-level elements libvirt keeps but the bhyve driver does not use
   * (sysinfo, cputune, numatune, memtune, ...), formatted back in place.
   */
  otherTop: XmlElement[];
}

/** A definition with nothing in it: the defaults of libvirt's parser, no devices. */
export function emptyDomainDef(init: Pick<DomainDef, 'virtType' | 'name' | 'uuid' | 'vcpus' | 'os' | 'clock' | 'onReboot'>): DomainDef {
  return {
    ...init,
    memoryKiB: 0,
    currentMemoryKiB: 0,
    memoryLocked: false,
    features: {acpi: false, apic: false, pae: false, hap: false, privnet: false, other: []},
    onPoweroff: 'destroy',
    onCrash: 'destroy',
    disks: [],
    controllers: [],
    filesystems: [],
    nets: [],
    serials: [],
    consoles: [],
    channels: [],
    parallels: [],
    inputs: [],
    graphics: [],
    sounds: [],
    audios: [],
    videos: [],
    rngs: [],
    others: [],
    otherTop: [],
  };
}

/** Deep copy of a definition (raw XML elements are shared; they are never mutated). */
export function cloneDomainDef(def: DomainDef): DomainDef {
  const seen = new Map<object, object>();
  const copy = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if ((v as {kind?: string}).kind === 'element' && 'nsDecls' in (v as object)) return v; // XmlElement
    if (seen.has(v as object)) return seen.get(v as object);
    if (Array.isArray(v)) {
      const arr: unknown[] = [];
      seen.set(v, arr);
      for (const x of v) arr.push(copy(x));
      return arr;
    }
    const o: Record<string, unknown> = {};
    seen.set(v as object, o);
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) o[k] = copy(x);
    return o;
  };
  return copy(def) as DomainDef;
}
