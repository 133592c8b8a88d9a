// Domain XML -> DomainDef, the way `virsh define` reads it in the bhyve
// driver: libvirt's generic parser, then post-parse (defaults, implicit
// devices, PCI addresses) and validation. See domain/post-parse.ts and
// domain/validate.ts for the later steps.

import {attr, child, children, parseXmlDocument, textContent, XmlSyntaxError, type XmlElement, type XmlLimits} from '../xml/dom.js';
import {DomainXmlError, VirError, type VirErrorCode} from './errors.js';
import {parseMemorySize} from './memsize.js';
import {parseSigned, parseUnsigned} from '../xml/number.js';
import {generateMac, generateUuid, isMulticastMac, parseMac, parseUuid} from './identifiers.js';
import type {
  AudioDef,
  AudioIoDef,
  ChrDef,
  ClockDef,
  ControllerDef,
  CpuDef,
  DeviceAddress,
  DeviceInfo,
  DiskDef,
  DiskDevice,
  DomainDef,
  FilesystemDef,
  GraphicsDef,
  GraphicsListen,
  InputDef,
  LifecycleAction,
  LoaderDef,
  NetDef,
  OtherDeviceDef,
  RngDef,
  SoundDef,
  VideoDef,
} from './model.js';
import {defaultHostCaps, type BhyveCaps} from '../bhyve/capabilities.js';
import {domainPostParse} from './post-parse.js';
import {orderControllers, orderDisks} from './device-order.js';
import {assignPciAddresses} from './pci-address-alloc.js';
import {validateDomainDef} from './validate.js';

import {
  BHYVE_NAMESPACE_URI,
  BOOT_DEVS,
  CHR_TYPES,
  CONTROLLER_TYPES,
  CRASH_ACTIONS,
  DISK_DEVICES,
  DISK_TYPES,
  LIFECYCLE_ACTIONS,
  emptyDomainDef,
  isOneOf,
} from './model.js';

export interface DomainParseOptions {
  /** File name for error messages. */
  file?: string;
  /** bhyve capabilities; only AHCI32SLOT changes parsing (SATA drive addresses). Default: all. */
  caps?: BhyveCaps;
  /** MAC generator for interfaces without <mac>. Default: random 52:54:00:xx:xx:xx. */
  generateMac?: () => string;
  /** UUID generator for domains without <uuid>. */
  generateUuid?: () => string;
  /** Architecture used when <type arch> is absent (libvirt uses the host's). */
  hostArch?: string;
  /** Skip post-parse, address assignment and validation (raw generic parse). */
  raw?: boolean;
  limits?: Partial<XmlLimits>;
}

// A declaration with `never`, so the compiler knows nothing after a failed check runs.
function fail(code: VirErrorCode, detail: string): never {
  throw new VirError(code, detail);
}

const VIRT_TYPES = [
  'none',
  'qemu',
  'kqemu',
  'kvm',
  'xen',
  'lxc',
  'uml',
  'openvz',
  'test',
  'vmware',
  'hyperv',
  'vbox',
  'phyp',
  'parallels',
  'bhyve',
  'vz',
  'hvf',
];
const OS_TYPES = ['hvm', 'xen', 'linux', 'exe', 'uml', 'xenpvh'];
/** libvirt's virArch names (a domain of another arch is refused; bhyve answers only for x86). */
export const ARCHES = [
  'alpha',
  'armv6l',
  'armv7l',
  'armv7b',
  'aarch64',
  'cris',
  'i686',
  'ia64',
  'lm32',
  'loongarch64',
  'm68k',
  'microblaze',
  'microblazeel',
  'mips',
  'mipsel',
  'mips64',
  'mips64el',
  'openrisc',
  'parisc',
  'parisc64',
  'ppc',
  'ppcle',
  'ppc64',
  'ppc64le',
  'ppcemb',
  'riscv32',
  'riscv64',
  's390',
  's390x',
  'sh4',
  'sh4eb',
  'sparc',
  'sparc64',
  'unicore32',
  'x86_64',
  'xtensa',
  'xtensaeb',
];
const DISK_BUSES = ['ide', 'fdc', 'scsi', 'virtio', 'xen', 'usb', 'uml', 'sata', 'sd', 'none', 'nvme'];
const NET_TYPES = [
  'user',
  'ethernet',
  'vhostuser',
  'server',
  'client',
  'mcast',
  'udp',
  'network',
  'bridge',
  'internal',
  'direct',
  'hostdev',
  'vdpa',
  'null',
  'vds',
  'vdpa',
];
const VIDEO_TYPES = ['default', 'vga', 'cirrus', 'vmvga', 'xen', 'vbox', 'qxl', 'parallels', 'virtio', 'gop', 'none', 'bochs', 'ramfb'];
const SOUND_MODELS = ['sb16', 'es1370', 'pcspk', 'ac97', 'ich6', 'ich9', 'usb', 'ich7', 'virtio'];
const AUDIO_TYPES = ['none', 'alsa', 'coreaudio', 'jack', 'oss', 'pulseaudio', 'sdl', 'spice', 'file', 'dbus', 'pipewire'];
const FS_TYPES = ['mount', 'block', 'file', 'template', 'ram', 'bind', 'volume'] as const;
const FS_ACCESSMODES = ['passthrough', 'mapped', 'squash'];
const FS_DRIVERS = ['path', 'handle', 'loop', 'nbd', 'ploop', 'virtiofs'];
const RNG_MODELS = ['virtio', 'virtio-transitional', 'virtio-non-transitional'];
const RNG_BACKENDS = ['random', 'egd', 'builtin'];
const INPUT_TYPES = ['mouse', 'tablet', 'keyboard', 'passthrough', 'evdev'];
const INPUT_BUSES = ['ps2', 'usb', 'xen', 'parallels', 'virtio', 'none'];
const CLOCK_OFFSETS = ['utc', 'localtime', 'variable', 'timezone', 'absolute'];
/** Device elements libvirt knows but the bhyve driver ignores; kept and formatted back. */
const OTHER_DEVICES = [
  'lease',
  'smartcard',
  'tpm',
  'hostdev',
  'redirdev',
  'redirfilter',
  'hub',
  'watchdog',
  'memballoon',
  'nvram',
  'panic',
  'shmem',
  'memory',
  'iommu',
  'vsock',
  'crypto',
  'pstore',
];

/** Top-level elements kept as written (see DomainDef.otherTop). */
const OTHER_TOP = [
  'genid',
  'blkiotune',
  'memtune',
  'vcpus',
  'iothreads',
  'iothreadids',
  'cputune',
  'numatune',
  'resource',
  'sysinfo',
  'idmap',
  'on_lockfailure',
  'pm',
  'perf',
  'seclabel',
  'keywrap',
  'launchSecurity',
];

function attrsOf(el: XmlElement | undefined, skip: string[] = []): [string, string][] {
  if (!el) return [];
  return el.attrs.filter((a) => !skip.includes(a.name) && a.prefix !== 'xmlns' && a.name !== 'xmlns').map((a) => [a.name, a.value]);
}

/** XPath string() of the first matching child, or undefined when absent or empty (virXPathString). */
function childText(el: XmlElement, name: string): string | undefined {
  const c = child(el, name);
  if (!c) return undefined;
  const t = textContent(c);
  return t === '' ? undefined : t;
}

// ---------------------------------------------------------------------------
// Device info: <address>, <boot>, <alias>

function parseAddress(el: XmlElement): DeviceAddress | undefined {
  const type = attr(el, 'type');
  if (type === undefined) return undefined;
  if (type === 'pci') {
    const num = (name: string, max: number, label: string) => {
      const v = attr(el, name);
      if (v === undefined) return 0;
      const n = parseUnsigned(v, 0);
      if (n === undefined) fail('xml', `Cannot parse <address> '${name}' attribute`);
      if (n > max) fail('xml', `Invalid PCI address ${label}='${v}', must be <= ${max === 0xffff ? '0xFFFF' : '0x' + max.toString(16).toUpperCase()}`);
      return n;
    };
    const a: DeviceAddress = {
      type: 'pci',
      domain: num('domain', 0xffff, 'domain'),
      bus: num('bus', 0xff, 'bus'),
      slot: num('slot', 0x1f, 'slot'),
      function: num('function', 7, 'function'),
    };
    const mf = attr(el, 'multifunction');
    if (mf !== undefined) {
      if (mf !== 'on' && mf !== 'off') fail('xml', `Invalid value '${mf}' for attribute 'multifunction' in element 'address'`);
      a.multifunction = mf as 'on' | 'off';
    }
    return a;
  }
  if (type === 'drive') {
    const num = (name: string) => {
      const v = attr(el, name);
      if (v === undefined) return 0;
      const n = parseUnsigned(v, 10);
      if (n === undefined) fail('xml', `Cannot parse <address> '${name}' attribute`);
      return n;
    };
    return {type: 'drive', controller: num('controller'), bus: num('bus'), target: num('target'), unit: num('unit')};
  }
  const known = ['pci', 'drive', 'virtio-serial', 'ccid', 'usb', 'spapr-vio', 'virtio-s390', 'ccw', 'virtio-mmio', 'isa', 'dimm', 'unassigned'];
  if (!known.includes(type)) fail('internal', `unknown address type '${type}'`);
  return {type, attrs: attrsOf(el, ['type'])};
}

function parseDeviceInfo(el: XmlElement): DeviceInfo {
  const info: DeviceInfo = {};
  const addr = child(el, 'address');
  if (addr) {
    const a = parseAddress(addr);
    if (a) info.address = a;
  }
  const boot = child(el, 'boot');
  if (boot) {
    const order = attr(boot, 'order');
    if (order === undefined) fail('internal', 'missing boot order attribute');
    const n = parseUnsigned(order, 10, 0x7fffffff);
    if (n === undefined || n <= 0) fail('internal', `incorrect boot order '${order}', expecting positive integer`);
    info.bootOrder = n;
  }
  const alias = child(el, 'alias');
  const aname = alias ? attr(alias, 'name') : undefined;
  if (aname?.startsWith('ua-')) info.alias = aname;
  return info;
}

// ---------------------------------------------------------------------------
// Devices

function defaultDiskBus(dst: string, device: DiskDevice): string {
  if (dst.startsWith('hd')) return 'ide';
  if (dst.startsWith('sd')) return 'scsi';
  if (dst.startsWith('vd')) return 'virtio';
  if (dst.startsWith('xvd')) return 'xen';
  if (dst.startsWith('ubd')) return 'uml';
  if (dst.startsWith('fd')) return 'fdc';
  return device === 'floppy' ? 'fdc' : 'ide';
}

function parseDisk(el: XmlElement): DiskDef {
  const type = attr(el, 'type') ?? 'file';
  if (!isOneOf(DISK_TYPES, type)) fail('xml', `unknown disk type '${type}'`);
  const device = attr(el, 'device') ?? 'disk';
  if (!isOneOf(DISK_DEVICES, device)) fail('xml', `unknown disk device '${device}'`);
  const disk: DiskDef = {
    type,
    device,
    sourceAttrs: [],
    target: {dev: '', bus: '', extra: []},
    readonly: false,
    shareable: false,
    transient: false,
    info: {},
  };
  const src = child(el, 'source');
  if (src) {
    const key = {file: 'file', block: 'dev', dir: 'dir', network: 'name', volume: '', nvme: '', vhostuser: 'path'}[type];
    if (type === 'volume') {
      const pool = attr(src, 'pool');
      const volume = attr(src, 'volume');
      if (pool !== undefined) disk.pool = pool;
      if (volume !== undefined) disk.volume = volume;
      disk.sourceAttrs = attrsOf(src, ['pool', 'volume']);
    } else {
      const v = key ? attr(src, key) : undefined;
      if (v !== undefined && v !== '') disk.source = v;
      disk.sourceAttrs = attrsOf(src, key ? [key] : []);
    }
  }
  const target = child(el, 'target');
  const dst = target ? attr(target, 'dev') : undefined;
  if (!target || dst === undefined) {
    fail('no-target', disk.source ? `missing target information for device ${disk.source}` : 'missing target information');
  }
  disk.target.dev = dst;
  const bus = attr(target, 'bus') ?? defaultDiskBus(dst, device);
  if (!DISK_BUSES.includes(bus)) fail('xml', `unknown disk bus type '${bus}'`);
  disk.target.bus = bus;
  disk.target.extra = attrsOf(target, ['dev', 'bus']);
  const drv = child(el, 'driver');
  if (drv) disk.driver = attrsOf(drv);
  if (child(el, 'readonly')) disk.readonly = true;
  if (child(el, 'shareable')) disk.shareable = true;
  if (child(el, 'transient')) disk.transient = true;
  const serial = childText(el, 'serial');
  if (serial !== undefined) disk.serial = serial;
  if (device === 'cdrom') disk.readonly = true;
  disk.info = parseDeviceInfo(el);
  return disk;
}

function parseController(el: XmlElement): ControllerDef & {rawIndex: number} {
  const type = attr(el, 'type') ?? 'ide';
  if (!isOneOf(CONTROLLER_TYPES, type)) fail('internal', `Unknown controller type '${type}'`);
  const idxStr = attr(el, 'index');
  let index = -1;
  if (idxStr !== undefined) {
    const n = parseSigned(idxStr);
    if (n === undefined || n < -1) fail('internal', `Cannot parse controller index ${idxStr}`);
    index = n;
  }
  const c: ControllerDef & {rawIndex: number} = {type, index, rawIndex: index, info: parseDeviceInfo(el)};
  const model = attr(el, 'model');
  if (model !== undefined) c.model = model;
  const drv = child(el, 'driver');
  if (drv) c.driver = attrsOf(drv);
  const tgt = child(el, 'target');
  if (tgt) c.targetAttrs = attrsOf(tgt);
  return c;
}

function parseNet(el: XmlElement, genMac: () => string): NetDef {
  const type = attr(el, 'type') ?? 'user';
  if (!NET_TYPES.includes(type)) fail('internal', `unknown interface type '${type}'`);
  const net: NetDef = {type, sourceAttrs: [], info: {}};
  const macEl = child(el, 'mac');
  const macStr = macEl ? attr(macEl, 'address') : undefined;
  if (macStr !== undefined) {
    const mac = parseMac(macStr);
    if (!mac) fail('internal', `unable to parse mac address '${macStr}'`);
    if (isMulticastMac(mac)) fail('xml', `expected unicast mac address, found multicast '${macStr}'`);
    net.mac = mac;
  } else {
    net.mac = genMac();
  }
  const src = child(el, 'source');
  if (src) {
    const key = type === 'bridge' ? 'bridge' : type === 'network' ? 'network' : type === 'direct' ? 'dev' : undefined;
    const v = key ? attr(src, key) : undefined;
    if (v !== undefined) net.source = v;
    net.sourceAttrs = attrsOf(src, key ? [key] : []);
  }
  if (type === 'network' && net.source === undefined) {
    fail('xml', "No <source> 'network' attribute specified with <interface type='network'/>");
  }
  const tgt = child(el, 'target');
  const dev = tgt ? attr(tgt, 'dev') : undefined;
  if (dev !== undefined && dev !== '') net.targetDev = dev;
  const model = child(el, 'model');
  const mtype = model ? attr(model, 'type') : undefined;
  if (mtype !== undefined) net.model = mtype;
  const drv = child(el, 'driver');
  if (drv) net.driver = attrsOf(drv);
  const link = child(el, 'link');
  const state = link ? attr(link, 'state') : undefined;
  if (state !== undefined) {
    if (state !== 'up' && state !== 'down') fail('internal', `unknown interface link state '${state}'`);
    net.linkState = state;
  }
  const mtu = child(el, 'mtu');
  const size = mtu ? attr(mtu, 'size') : undefined;
  if (size !== undefined) {
    const n = parseUnsigned(size);
    if (n === undefined) fail('xml', `malformed mtu size '${size}'`);
    net.mtu = n;
  }
  net.info = parseDeviceInfo(el);
  return net;
}

function parseChr(el: XmlElement, kind: 'serial' | 'console' | 'channel' | 'parallel'): ChrDef & {portGiven: boolean} {
  const type = attr(el, 'type') ?? 'pty';
  if (!isOneOf(CHR_TYPES, type)) fail('xml', `unknown type presented to host for character device: ${type}`);
  const chr: ChrDef & {portGiven: boolean} = {
    type,
    sourceAttrs: [],
    targetPort: -1,
    targetAttrs: [],
    info: {},
    portGiven: false,
  };
  // libvirt reads the first <source> (some types allow two, e.g. udp)
  const src = child(el, 'source');
  if (src) {
    if (type === 'nmdm') {
      const m = attr(src, 'master');
      const s = attr(src, 'slave');
      if (m !== undefined) chr.master = m;
      if (s !== undefined) chr.slave = s;
      chr.sourceAttrs = attrsOf(src, ['master', 'slave']);
    } else if (['pty', 'dev', 'file', 'pipe', 'unix'].includes(type)) {
      const p = attr(src, 'path');
      if (p !== undefined) chr.path = p;
      chr.sourceAttrs = attrsOf(src, ['path']);
    } else {
      chr.sourceAttrs = attrsOf(src);
    }
  }
  const proto = child(el, 'protocol');
  const ptype = proto ? attr(proto, 'type') : undefined;
  if (ptype !== undefined) chr.protocol = ptype;
  const tgt = child(el, 'target');
  if (tgt) {
    const tt = attr(tgt, 'type');
    if (tt !== undefined) chr.targetType = tt;
    const port = attr(tgt, 'port');
    if (port !== undefined && kind !== 'channel') {
      const n = parseSigned(port);
      if (n === undefined || n < -1) fail('xml', `Invalid port number: ${port}`);
      chr.targetPort = n;
      chr.portGiven = n !== -1;
    }
    chr.targetAttrs = attrsOf(tgt, ['type', 'port']);
  }
  chr.info = parseDeviceInfo(el);
  return chr;
}

function parseGraphics(el: XmlElement): GraphicsDef {
  const type = attr(el, 'type');
  if (type === undefined) fail('xml', 'missing graphics device type');
  const known = ['sdl', 'vnc', 'rdp', 'desktop', 'spice', 'egl-headless', 'dbus'];
  if (!known.includes(type)) fail('xml', `unknown graphics device type '${type}'`);
  const g: GraphicsDef = {type: type, port: 0, autoport: false, listens: []};
  if (type !== 'vnc') {
    g.raw = el;
    return g;
  }
  const port = attr(el, 'port');
  if (port !== undefined) {
    const n = parseSigned(port);
    if (n === undefined) fail('xml', `cannot parse vnc port ${port}`);
    g.port = n;
    if (n === -1) {
      g.port = 0;
      g.autoport = true;
    }
  } else {
    g.autoport = true;
  }
  const ap = attr(el, 'autoport');
  if (ap !== undefined) {
    if (ap !== 'yes' && ap !== 'no') fail('xml', `Invalid value '${ap}' for attribute 'autoport' in element 'graphics'`);
    if (ap === 'yes') {
      g.autoport = true;
      g.port = 0;
    } else {
      g.autoport = false;
    }
  }
  const pw = attr(el, 'passwd');
  if (pw !== undefined) g.passwd = pw;
  const km = attr(el, 'keymap');
  if (km !== undefined) g.keymap = km;
  const listenAttr = attr(el, 'listen');
  for (const l of children(el, 'listen')) {
    const lt = attr(l, 'type');
    if (lt === undefined) fail('xml', 'graphics listen type must be specified');
    if (!['address', 'network', 'socket', 'none'].includes(lt)) fail('xml', `unknown graphics listen type '${lt}'`);
    const gl: GraphicsListen = {type: lt as GraphicsListen['type']};
    const a = attr(l, 'address');
    if (a !== undefined && a !== '' && (lt === 'address' || lt === 'network')) gl.address = a;
    const n = attr(l, 'network');
    if (n !== undefined && lt === 'network') gl.network = n;
    const s = attr(l, 'socket');
    if (s !== undefined && lt === 'socket') gl.socket = s;
    if (lt === 'network' && !gl.network) fail('xml', "'network' attribute is required for listen type 'network'");
    g.listens.push(gl);
  }
  if (g.listens.length && listenAttr !== undefined && listenAttr !== '') {
    const first = g.listens[0] as GraphicsListen;
    if (first.type === 'address' && first.address !== undefined && first.address !== listenAttr) {
      fail('xml', `graphics 'listen' attribute '${listenAttr}' must match 'address' attribute of first listen element (found '${first.address}')`);
    }
    if (first.type === 'address' && first.address === undefined) first.address = listenAttr;
  }
  if (g.listens.length === 0) {
    const sock = attr(el, 'socket');
    if (sock !== undefined) g.listens.push({type: 'socket', socket: sock});
    else {
      const gl: GraphicsListen = {type: 'address'};
      if (listenAttr !== undefined && listenAttr !== '') gl.address = listenAttr;
      g.listens.push(gl);
    }
  }
  return g;
}

function parseVideo(el: XmlElement): VideoDef {
  const v: VideoDef = {type: 'default', primary: false, hasDriver: false, info: {}};
  const model = child(el, 'model');
  if (model) {
    const t = attr(model, 'type');
    if (t !== undefined) {
      if (!VIDEO_TYPES.includes(t)) fail('xml', `unknown video model '${t}'`);
      v.type = t;
    }
    const heads = attr(model, 'heads');
    if (heads !== undefined) {
      const n = parseUnsigned(heads);
      if (n === undefined) fail('xml', `cannot parse video heads '${heads}'`);
      v.heads = n;
    }
    const vram = attr(model, 'vram');
    if (vram !== undefined) {
      const n = parseUnsigned(vram);
      if (n === undefined) fail('xml', `cannot parse video vram '${vram}'`);
      v.vram = n;
    }
    const primary = attr(model, 'primary');
    if (primary === 'yes') v.primary = true;
    const res = child(model, 'resolution');
    if (res) {
      const x = parseUnsigned(attr(res, 'x'));
      const y = parseUnsigned(attr(res, 'y'));
      if (x === undefined || y === undefined) fail('xml', 'missing values for resolution');
      v.resolution = {x: x, y: y};
    }
  }
  if (v.heads === undefined) v.heads = 1;
  const drv = child(el, 'driver');
  if (drv) {
    const vc = attr(drv, 'vgaconf');
    if (vc !== undefined) {
      if (vc !== 'io' && vc !== 'on' && vc !== 'off') fail('xml', `Unknown vgaconf value '${vc}'`);
      v.vgaconf = vc as 'io' | 'on' | 'off';
      v.hasDriver = true;
    }
  }
  v.info = parseDeviceInfo(el);
  return v;
}

function parseSound(el: XmlElement): SoundDef {
  const model = attr(el, 'model');
  if (model === undefined) fail('xml', 'missing sound model');
  if (!SOUND_MODELS.includes(model)) fail('xml', `unknown sound model '${model}'`);
  const s: SoundDef = {model: model, info: parseDeviceInfo(el)};
  const audio = child(el, 'audio');
  if (audio) {
    const id = parseUnsigned(attr(audio, 'id'));
    if (id === undefined) fail('xml', "Invalid value for attribute 'id' in element 'audio'");
    if (id !== 0) s.audioId = id;
  }
  return s;
}

function parseAudioIo(el: XmlElement | undefined): AudioIoDef | undefined {
  if (!el) return undefined;
  const commonNames = ['mixingEngine', 'fixedSettings', 'voices', 'bufferLength'];
  const io: AudioIoDef = {
    common: attrsOf(el).filter(([k]) => commonNames.includes(k)),
    hasSettings: !!child(el, 'settings'),
    other: attrsOf(el).filter(([k]) => !commonNames.includes(k) && k !== 'dev'),
  };
  const dev = attr(el, 'dev');
  if (dev !== undefined) io.dev = dev;
  return io;
}

function parseAudio(el: XmlElement): AudioDef {
  const idStr = attr(el, 'id');
  const id = parseUnsigned(idStr);
  if (id === undefined || id === 0) fail('xml', `Invalid value for attribute 'id' in element 'audio': '${idStr ?? ''}'.`);
  const type = attr(el, 'type');
  if (type === undefined) fail('xml', "Missing required attribute 'type' in element 'audio'");
  if (!AUDIO_TYPES.includes(type)) fail('xml', `Invalid value for attribute 'type' in element 'audio': '${type}'.`);
  const a: AudioDef = {id: id, type: type, attrs: attrsOf(el, ['id', 'type'])};
  const input = parseAudioIo(child(el, 'input'));
  const output = parseAudioIo(child(el, 'output'));
  if (input) a.input = input;
  if (output) a.output = output;
  a.raw = el;
  return a;
}

function parseFilesystem(el: XmlElement): FilesystemDef {
  const type = attr(el, 'type') ?? 'mount';
  if (!isOneOf(FS_TYPES, type)) fail('xml', `unknown filesystem type '${type}'`);
  const am = attr(el, 'accessmode') ?? 'passthrough';
  if (!FS_ACCESSMODES.includes(am)) fail('xml', `unknown accessmode '${am}'`);
  const fs: FilesystemDef = {
    type,
    accessmode: am,
    driverAttrs: [],
    sourceAttr: {mount: 'dir', bind: 'dir', block: 'dev', file: 'file', template: 'name', ram: 'usage', volume: 'volume'}[type],
    target: '',
    readonly: false,
    info: {},
  };
  const drv = child(el, 'driver');
  if (drv) {
    const t = attr(drv, 'type');
    if (t !== undefined) {
      if (!FS_DRIVERS.includes(t)) fail('xml', `unknown fs driver type '${t}'`);
      fs.driverType = t;
    }
    fs.driverAttrs = attrsOf(drv, ['type']);
  }
  const src = child(el, 'source');
  const s = src ? attr(src, fs.sourceAttr) : undefined;
  if (s !== undefined) fs.source = s;
  const tgt = child(el, 'target');
  const t = tgt ? attr(tgt, 'dir') : undefined;
  if (fs.source === undefined && type !== 'ram') fail('no-target', 'missing source information for filesystem');
  if (t === undefined) fail('no-target', 'missing target information for filesystem');
  fs.target = t;
  if (child(el, 'readonly')) fs.readonly = true;
  fs.info = parseDeviceInfo(el);
  return fs;
}

function parseRng(el: XmlElement): RngDef {
  const model = attr(el, 'model');
  if (model === undefined) fail('xml', 'missing RNG device model');
  if (!RNG_MODELS.includes(model)) fail('xml', `unknown RNG model '${model}'`);
  const backend = child(el, 'backend');
  if (!backend) fail('xml', 'missing RNG device backend');
  const bm = attr(backend, 'model');
  if (bm === undefined) fail('xml', 'missing RNG device backend model');
  if (!RNG_BACKENDS.includes(bm)) fail('xml', `unknown RNG backend model '${bm}'`);
  const r: RngDef = {model: model, backendModel: bm, info: parseDeviceInfo(el)};
  if (bm === 'random') {
    const f = textContent(backend);
    if (f !== '') r.file = f;
  } else {
    r.backendRaw = backend;
  }
  const rate = child(el, 'rate');
  if (rate) r.rateAttrs = attrsOf(rate);
  return r;
}

function parseInput(el: XmlElement, osType: string): InputDef {
  const type = attr(el, 'type');
  if (type === undefined) fail('xml', 'missing input device type');
  if (!INPUT_TYPES.includes(type)) fail('xml', `unknown input device type '${type}'`);
  let bus = attr(el, 'bus');
  if (bus !== undefined && !INPUT_BUSES.includes(bus)) fail('xml', `unknown input bus type '${bus}'`);
  if (bus === undefined && type !== 'passthrough' && type !== 'evdev') {
    if (osType === 'hvm') bus = type === 'tablet' ? 'usb' : 'ps2';
    else bus = 'xen';
  }
  if (bus === 'ps2' && type === 'tablet') fail('config-unsupported', 'ps2 bus does not support tablet input device');
  const i: InputDef = {type: type, info: parseDeviceInfo(el)};
  if (bus !== undefined) i.bus = bus;
  const model = attr(el, 'model');
  if (model !== undefined) i.model = model;
  return i;
}

// ---------------------------------------------------------------------------
// Top level

function parseLifecycle(root: XmlElement, name: string, allowed: readonly LifecycleAction[], dflt: LifecycleAction): LifecycleAction {
  const v = childText(root, name);
  if (v === undefined) return dflt;
  if (!isOneOf(allowed, v)) fail('xml', `invalid ${name} value: '${v}'`);
  return v;
}

function parseCpu(el: XmlElement): CpuDef {
  const cpu: CpuDef = {};
  const mode = attr(el, 'mode');
  if (mode !== undefined) cpu.mode = mode;
  const match = attr(el, 'match');
  if (match !== undefined) cpu.match = match;
  const check = attr(el, 'check');
  if (check !== undefined) cpu.check = check;
  const model = childText(el, 'model');
  if (model !== undefined) cpu.model = model;
  const topo = child(el, 'topology');
  if (topo) {
    const get = (n: string, dflt?: number) => {
      const v = attr(topo, n);
      if (v === undefined) {
        if (dflt !== undefined) return dflt;
        return fail('xml', `Missing '${n}' attribute in CPU topology`);
      }
      const x = parseUnsigned(v);
      if (x === undefined || x === 0) fail('xml', `Invalid '${n}' attribute in CPU topology`);
      return x;
    };
    cpu.topology = {
      sockets: get('sockets'),
      dies: get('dies', 1),
      clusters: get('clusters', 1),
      cores: get('cores'),
      threads: get('threads'),
    };
  }
  const onlyTopology = el.children.every((c) => (c.kind === 'text' ? c.value.trim() === '' : c.local === 'topology'));
  if (!onlyTopology || mode !== undefined || match !== undefined || check !== undefined) cpu.raw = el;
  return cpu;
}

function parseClock(el: XmlElement | undefined): ClockDef {
  if (!el) return {offset: 'utc', attrs: []};
  const offset = attr(el, 'offset') ?? 'utc';
  if (!CLOCK_OFFSETS.includes(offset)) fail('xml', `unknown clock offset '${offset}'`);
  const c: ClockDef = {offset: offset as ClockDef['offset'], attrs: attrsOf(el, ['offset'])};
  if (el.children.some((x) => x.kind === 'element')) c.raw = el;
  return c;
}

function parseLoader(el: XmlElement): LoaderDef {
  const l: LoaderDef = {};
  const path = textContent(el).trim();
  if (path !== '') l.path = path;
  const ro = attr(el, 'readonly');
  if (ro !== undefined) {
    if (ro !== 'yes' && ro !== 'no') fail('xml', `Invalid value for attribute 'readonly' in element 'loader': '${ro}'.`);
    l.readonly = ro as 'yes' | 'no';
  }
  const type = attr(el, 'type');
  if (type !== undefined) {
    if (type !== 'rom' && type !== 'pflash') fail('xml', `Invalid value for attribute 'type' in element 'loader': '${type}'.`);
    l.type = type;
  }
  for (const k of ['secure', 'format', 'stateless'] as const) {
    const v = attr(el, k);
    if (v !== undefined) l[k] = v;
  }
  return l;
}

function collectDevices(root: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  for (const d of children(root, 'devices')) {
    for (const c of d.children) if (c.kind === 'element' && c.ns === undefined && c.prefix === undefined) out.push(c);
  }
  return out;
}

/**
 * Generic parse of a <domain> element (libvirt's virDomainDefParseXML):
 * no post-parse defaults, no implicit devices, no addresses.
 */
function parseDomainElement(root: XmlElement, opts: DomainParseOptions = {}): DomainDef {
  if (root.local !== 'domain' || root.ns !== undefined) {
    fail('xml', `expected root element of 'domain', not '${root.name}'`);
  }
  const genMac = opts.generateMac ?? generateMac;
  const virtType = attr(root, 'type');
  if (virtType === undefined) fail('xml', 'missing domain type attribute');
  if (!VIRT_TYPES.includes(virtType)) fail('xml', `invalid domain type ${virtType}`);

  const osEl = child(root, 'os');
  const typeEl = osEl ? child(osEl, 'type') : undefined;
  const bootloader = childText(root, 'bootloader');
  const bootloaderArgs = childText(root, 'bootloader_args');
  let osType = typeEl ? textContent(typeEl) : undefined;
  if (osType === '') osType = undefined;
  if (osType === undefined) {
    if (bootloader !== undefined) osType = 'xen';
    else fail('xml', 'an os <type> must be specified');
  } else if (!OS_TYPES.includes(osType)) {
    fail('xml', `unknown OS type '${osType}'`);
  }
  let arch = typeEl ? attr(typeEl, 'arch') : undefined;
  if (arch !== undefined && !ARCHES.includes(arch)) fail('config-unsupported', `Unknown architecture ${arch}`);
  if (arch === undefined) arch = opts.hostArch ?? 'x86_64';

  const name = childText(root, 'name');
  if (name === undefined) fail('no-name', 'missing name information');

  let uuid: string;
  const uuidText = childText(root, 'uuid');
  if (uuidText === undefined) uuid = (opts.generateUuid ?? generateUuid)();
  else {
    const u = parseUuid(uuidText);
    if (!u) fail('internal', 'malformed uuid element');
    uuid = u;
  }

  const def: DomainDef = emptyDomainDef({
    virtType: virtType,
    name: name,
    uuid,
    vcpus: 1,
    os: {type: osType, arch, bootDevs: []},
    clock: {offset: 'utc', attrs: []},
    onReboot: 'restart',
  });
  for (const c of root.children) {
    if (c.kind === 'element' && c.ns === undefined && c.prefix === undefined && OTHER_TOP.includes(c.local)) def.otherTop.push(c);
  }
  if (bootloader !== undefined) def.bootloader = bootloader;
  if (bootloaderArgs !== undefined) def.bootloaderArgs = bootloaderArgs;
  if (typeEl) {
    const machine = attr(typeEl, 'machine');
    if (machine !== undefined) def.os.machine = machine;
  }

  const title = child(root, 'title');
  if (title) {
    const t = textContent(title);
    if (t.includes('\n')) fail('xml', "Domain title can't contain newlines");
    if (t !== '') def.title = t;
  }
  const desc = childText(root, 'description');
  if (desc !== undefined) def.description = desc;
  const md = child(root, 'metadata');
  if (md) def.metadata = md;

  // memory
  const memEl = child(root, 'memory');
  if (memEl) def.memoryKiB = parseMemorySize(textContent(memEl), attr(memEl, 'unit'), './memory[1]');
  const curEl = child(root, 'currentMemory');
  if (curEl) def.currentMemoryKiB = parseMemorySize(textContent(curEl), attr(curEl, 'unit'), './currentMemory[1]');
  const maxEl = child(root, 'maxMemory');
  if (maxEl) {
    const kib = parseMemorySize(textContent(maxEl), attr(maxEl, 'unit'), './maxMemory[1]');
    const slots = parseUnsigned(attr(maxEl, 'slots')) ?? 0;
    def.maxMemory = {kib, slots};
  }
  const mb = child(root, 'memoryBacking');
  if (mb) {
    if (child(mb, 'locked')) def.memoryLocked = true;
    def.memoryBackingRaw = mb;
  }

  // vcpus
  const vcpuEl = child(root, 'vcpu');
  if (vcpuEl) {
    const t = textContent(vcpuEl);
    if (t !== '') {
      const n = parseUnsigned(t);
      if (n === undefined) fail('xml', 'maximum vcpus count must be an integer');
      def.vcpus = n;
    }
    const cur = attr(vcpuEl, 'current');
    if (cur !== undefined) {
      const n = parseUnsigned(cur);
      if (n === undefined) fail('xml', 'current vcpus count must be an integer');
      def.currentVcpus = n;
    }
    const cpuset = attr(vcpuEl, 'cpuset');
    if (cpuset !== undefined) def.cpuset = cpuset;
    const placement = attr(vcpuEl, 'placement');
    if (placement !== undefined && placement !== 'static' && placement !== 'auto') {
      fail('xml', `Unsupported CPU placement mode '${placement}'`);
    }
  }
  if (def.vcpus === 0) fail('invalid-arg', 'Invalid number of vCPUs');
  if (def.currentVcpus !== undefined) {
    if (def.currentVcpus === 0) fail('invalid-arg', 'Invalid number of vCPUs');
    if (def.currentVcpus > def.vcpus) {
      fail('invalid-arg', `requested vcpus is greater than max allowable vcpus for the live domain: ${def.currentVcpus} > ${def.vcpus}`);
    }
    if (def.currentVcpus === def.vcpus) delete def.currentVcpus;
  }
  const cpuEl = child(root, 'cpu');
  if (cpuEl) def.cpu = parseCpu(cpuEl);

  // os
  if (osEl) {
    const fw = attr(osEl, 'firmware');
    if (fw !== undefined) {
      if (fw !== 'efi' && fw !== 'bios') fail('xml', `Invalid value for attribute 'firmware' in element 'os': '${fw}'.`);
      def.os.firmware = fw;
    }
    const loader = child(osEl, 'loader');
    if (loader) def.os.loader = parseLoader(loader);
    const nvram = child(osEl, 'nvram');
    if (nvram) {
      def.os.nvram = {};
      const p = textContent(nvram).trim();
      if (p) def.os.nvram.path = p;
      const tmpl = attr(nvram, 'template');
      if (tmpl !== undefined) def.os.nvram.template = tmpl;
    }
    for (const b of children(osEl, 'boot').slice(0, 4)) {
      const dev = attr(b, 'dev');
      if (dev === undefined) fail('internal', 'missing boot device');
      if (!isOneOf(BOOT_DEVS, dev)) fail('internal', `unknown boot device '${dev}'`);
      def.os.bootDevs.push(dev);
    }
    const bm = child(osEl, 'bootmenu');
    if (bm) def.os.bootmenu = attrsOf(bm);
  }

  // features
  const feats = child(root, 'features');
  if (feats) {
    for (const f of feats.children) {
      if (f.kind !== 'element' || f.ns !== undefined) continue;
      switch (f.local) {
        case 'acpi':
          def.features.acpi = true;
          break;
        case 'apic':
          def.features.apic = true;
          if (f.attrs.length) def.features.other.push(f);
          break;
        case 'pae':
          def.features.pae = true;
          break;
        case 'privnet':
          def.features.privnet = true;
          break;
        case 'msrs': {
          const u = attr(f, 'unknown');
          if (u === undefined) fail('xml', "missing 'unknown' attribute for feature 'msrs'");
          if (u !== 'ignore' && u !== 'fault') fail('xml', `unknown 'unknown' value '${u}'`);
          def.features.msrsUnknown = u;
          break;
        }
        default:
          def.features.other.push(f);
      }
    }
  }

  def.clock = parseClock(child(root, 'clock'));
  def.onPoweroff = parseLifecycle(root, 'on_poweroff', LIFECYCLE_ACTIONS, 'destroy');
  def.onReboot = parseLifecycle(root, 'on_reboot', LIFECYCLE_ACTIONS, 'restart');
  def.onCrash = parseLifecycle(root, 'on_crash', CRASH_ACTIONS, 'destroy');

  // devices
  const serialsRaw: (ChrDef & {portGiven: boolean})[] = [];
  for (const el of collectDevices(root)) {
    try {
      parseDeviceElement(def, el, serialsRaw, genMac);
    } catch (e) {
      throw withPosition(e, el);
    }
  }
  finishDevices(def, serialsRaw);
  parseCommandline(def, root);
  return def;
}

/** Attach the position of the element being parsed to a semantic error. */
function withPosition(e: unknown, el: XmlElement): unknown {
  if (e instanceof VirError && !(e instanceof DomainXmlError)) {
    return new DomainXmlError(e.code, e.detail, {line: el.line, column: el.column});
  }
  return e;
}

function parseDeviceElement(def: DomainDef, el: XmlElement, serialsRaw: (ChrDef & {portGiven: boolean})[], genMac: () => string): void {
  switch (el.local) {
    case 'emulator': {
      const t = textContent(el);
      if (t && def.emulator === undefined) def.emulator = t;
      break;
    }
    // Disks and controllers are put in libvirt's order once all are read (finishDevices).
    case 'disk':
      def.disks.push(parseDisk(el));
      break;
    case 'controller': {
      const c = parseController(el);
      const {rawIndex: _r, ...ctrl} = c;
      def.controllers.push(ctrl);
      break;
    }
    case 'filesystem':
      def.filesystems.push(parseFilesystem(el));
      break;
    case 'interface':
      def.nets.push(parseNet(el, genMac));
      break;
    case 'serial':
      serialsRaw.push(parseChr(el, 'serial'));
      break;
    case 'console': {
      const c = parseChr(el, 'console');
      c.targetPort = def.consoles.length;
      const {portGiven: _p, ...chr} = c;
      def.consoles.push(chr);
      break;
    }
    case 'channel': {
      const {portGiven: _p, ...chr} = parseChr(el, 'channel');
      def.channels.push(chr);
      break;
    }
    case 'parallel': {
      const c = parseChr(el, 'parallel');
      if (c.targetPort === -1) c.targetPort = def.parallels.length;
      const {portGiven: _p, ...chr} = c;
      def.parallels.push(chr);
      break;
    }
    case 'input':
      def.inputs.push(parseInput(el, def.os.type));
      break;
    case 'graphics':
      def.graphics.push(parseGraphics(el));
      break;
    case 'sound':
      def.sounds.push(parseSound(el));
      break;
    case 'audio':
      def.audios.push(parseAudio(el));
      break;
    case 'video': {
      const v = parseVideo(el);
      if (v.primary && def.videos.some((x) => x.primary)) fail('xml', 'Only one primary video device is supported');
      if (v.primary) def.videos.unshift(v);
      else def.videos.push(v);
      break;
    }
    case 'rng':
      def.rngs.push(parseRng(el));
      break;
    default:
      if (OTHER_DEVICES.includes(el.local)) {
        const o: OtherDeviceDef = {name: el.local, raw: el, info: parseDeviceInfo(el)};
        def.others.push(o);
      }
    // unknown elements are ignored, as libvirt does
  }
}

function finishDevices(def: DomainDef, serialsRaw: (ChrDef & {portGiven: boolean})[]): void {
  // as if each had been inserted where libvirt inserts it while reading (virDomainDiskInsert,
  // virDomainControllerInsertPreAlloced), without a pass over the list per device
  def.disks = orderDisks(def.disks);
  def.controllers = orderControllers(def.controllers);
  // serial ports without a port number get the next free one
  let maxPort = -1;
  for (const p of def.serials) maxPort = Math.max(maxPort, p.targetPort);
  for (const s of serialsRaw) {
    if (s.targetPort === -1) s.targetPort = maxPort + 1;
    maxPort = Math.max(maxPort, s.targetPort);
    const {portGiven: _p, ...chr} = s;
    def.serials.push(chr);
  }
  // a graphics device without a video device gets a default one
  if (def.graphics.length && !def.videos.length) {
    def.videos.push({type: 'default', heads: 1, primary: false, hasDriver: false, info: {}});
  }
  // audio ids must be unique
  const ids = new Set<number>();
  for (const a of def.audios) {
    if (ids.has(a.id)) fail('xml', `audio ID ${a.id} is used multiple times`);
    ids.add(a.id);
  }
}

function parseCommandline(def: DomainDef, root: XmlElement): void {
  // bhyve:commandline namespace
  const args: string[] = [];
  let sawCmdline = false;
  for (const c of root.children) {
    if (c.kind !== 'element' || c.ns !== BHYVE_NAMESPACE_URI || c.local !== 'commandline') continue;
    sawCmdline = true;
    for (const a of c.children) {
      if (a.kind !== 'element' || a.ns !== BHYVE_NAMESPACE_URI || a.local !== 'arg') continue;
      const v = attr(a, 'value');
      if (v === undefined) fail('internal', 'No bhyve command-line argument specified');
      args.push(v);
    }
  }
  if (sawCmdline && args.length) def.bhyveCommandline = args;
}

function toDomainXmlError(e: unknown, file: string | undefined): DomainXmlError {
  if (e instanceof DomainXmlError) return e;
  if (e instanceof XmlSyntaxError) {
    const o: {kind: 'syntax'; line: number; column: number; file?: string; reason: string} = {
      kind: 'syntax',
      line: e.line,
      column: e.column,
      reason: e.reason,
    };
    if (file !== undefined) o.file = file;
    return new DomainXmlError('xml', `${file ?? 'domain XML'}:${e.line}:${e.column}: ${e.reason}`, o);
  }
  if (e instanceof VirError) {
    const o: {file?: string} = {};
    if (file !== undefined) o.file = file;
    return new DomainXmlError(e.code, e.detail, o);
  }
  throw e;
}

/**
 * Parse domain XML text as `virsh define` does with the bhyve driver:
 * generic parse, post-parse (implicit controllers, default boot device, nmdm
 * paths, video gop, SATA drive addresses), PCI slot assignment, validation.
 * Throws DomainXmlError.
 */
export function parseDomainXml(text: string, opts: DomainParseOptions = {}): DomainDef {
  try {
    const root = parseXmlDocument(text, opts.limits);
    const def = parseDomainElement(root, opts);
    if (opts.raw) return def;
    domainPostParse(def, {caps: opts.caps ?? defaultHostCaps().caps});
    assignPciAddresses(def);
    validateDomainDef(def);
    return def;
  } catch (e) {
    throw toDomainXmlError(e, opts.file);
  }
}

/** Result of validating a domain XML file: ok, or the error with its position. */
export type DomainXmlValidation = {ok: true; def: DomainDef} | {ok: false; error: DomainXmlError};

/** Non-throwing wrapper for a `validate` verb. */
export function validateDomainXml(text: string, opts: DomainParseOptions = {}): DomainXmlValidation {
  try {
    return {ok: true, def: parseDomainXml(text, opts)};
  } catch (e) {
    if (e instanceof DomainXmlError) return {ok: false, error: e};
    throw e;
  }
}
