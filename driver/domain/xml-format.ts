// DomainDef -> domain XML text, in libvirt's formatting (element order,
// attribute order, defaults shown) so output matches `virsh dumpxml --inactive`.

import {dumpLibxml, formatAttrs, writeRawElement, XmlBuffer, type Attrs} from '../xml/writer.js';
import type {XmlElement} from '../xml/dom.js';
import type {
  AudioDef,
  AudioIoDef,
  ChrDef,
  ControllerDef,
  DeviceAddress,
  DeviceInfo,
  DiskDef,
  DomainDef,
  FilesystemDef,
  GraphicsDef,
  InputDef,
  NetDef,
  RngDef,
  SoundDef,
  VideoDef,
} from './model.js';
import {BHYVE_NAMESPACE_URI} from './model.js';

export interface DomainFormatOptions {
  /** Inactive config: drop live-only data (auto-generated tap names). Default true. */
  inactive?: boolean;
  /** Include secrets (VNC passwd). Default false. */
  secure?: boolean;
}

const hex = (n: number, w: number) => '0x' + n.toString(16).padStart(w, '0');

function writeAddress(buf: XmlBuffer, a: DeviceAddress | undefined): void {
  if (!a) return;
  if (a.type === 'pci') {
    const p = a as Extract<DeviceAddress, {type: 'pci'}>;
    buf.empty('address', [
      ['type', 'pci'],
      ['domain', hex(p.domain, 4)],
      ['bus', hex(p.bus, 2)],
      ['slot', hex(p.slot, 2)],
      ['function', hex(p.function, 1)],
      ['multifunction', p.multifunction],
    ]);
  } else if (a.type === 'drive') {
    const d = a as Extract<DeviceAddress, {type: 'drive'}>;
    buf.empty('address', [
      ['type', 'drive'],
      ['controller', d.controller],
      ['bus', d.bus],
      ['target', d.target],
      ['unit', d.unit],
    ]);
  } else {
    const o = a as Extract<DeviceAddress, {attrs: [string, string][]}>;
    buf.empty('address', [['type', o.type], ...o.attrs]);
  }
}

function writeInfo(buf: XmlBuffer, info: DeviceInfo, allowBoot = true): void {
  if (allowBoot && info.bootOrder) buf.empty('boot', [['order', info.bootOrder]]);
  if (info.alias) buf.empty('alias', [['name', info.alias]]);
  writeAddress(buf, info.address);
}

function writeDisk(buf: XmlBuffer, d: DiskDef): void {
  buf.element(
    'disk',
    [
      ['type', d.type],
      ['device', d.device],
    ],
    () => {
      if (d.driver?.length) buf.empty('driver', d.driver);
      let srcAttrs: [string, string | undefined][] = [];
      if (d.type === 'volume')
        srcAttrs = [
          ['pool', d.pool],
          ['volume', d.volume],
        ];
      else {
        const key = {file: 'file', block: 'dev', dir: 'dir', network: 'name', nvme: '', vhostuser: 'path', volume: ''}[d.type];
        if (key) srcAttrs = [[key, d.source]];
      }
      const all = [...srcAttrs, ...d.sourceAttrs].filter(([, v]) => v !== undefined);
      if (all.length) buf.empty('source', all);
      buf.empty('target', [['dev', d.target.dev], ['bus', d.target.bus], ...d.target.extra]);
      if (d.readonly) buf.empty('readonly');
      if (d.shareable) buf.empty('shareable');
      if (d.transient) buf.empty('transient');
      if (d.serial !== undefined) buf.text('serial', d.serial);
      writeInfo(buf, d.info);
    },
  );
}

function writeController(buf: XmlBuffer, c: ControllerDef): void {
  buf.element(
    'controller',
    [
      ['type', c.type],
      ['index', c.index],
      ['model', c.model],
    ],
    () => {
      if (c.driver?.length) buf.empty('driver', c.driver);
      if (c.targetAttrs?.length) buf.empty('target', c.targetAttrs);
      writeInfo(buf, c.info, false);
    },
  );
}

function writeFilesystem(buf: XmlBuffer, fs: FilesystemDef): void {
  buf.element(
    'filesystem',
    [
      ['type', fs.type],
      ['accessmode', fs.accessmode],
    ],
    () => {
      const drv: [string, string | undefined][] = [['type', fs.driverType], ...fs.driverAttrs];
      if (drv.some(([, v]) => v !== undefined)) buf.empty('driver', drv);
      if (fs.source !== undefined) buf.empty('source', [[fs.sourceAttr, fs.source]]);
      buf.empty('target', [['dir', fs.target]]);
      if (fs.readonly) buf.empty('readonly');
      writeInfo(buf, fs.info, false);
    },
  );
}

const GENERATED_IFNAME = /^(vnet|macvtap|macvlan)/;

function writeNet(buf: XmlBuffer, n: NetDef, o: Required<DomainFormatOptions>): void {
  buf.element('interface', [['type', n.type]], () => {
    if (n.mac) buf.empty('mac', [['address', n.mac]]);
    const key = n.type === 'bridge' ? 'bridge' : n.type === 'network' ? 'network' : n.type === 'direct' ? 'dev' : undefined;
    const src: [string, string | undefined][] = [...(key ? [[key, n.source] as [string, string | undefined]] : []), ...n.sourceAttrs];
    if (src.some(([, v]) => v !== undefined)) buf.empty('source', src);
    if (n.targetDev && !(o.inactive && GENERATED_IFNAME.test(n.targetDev))) buf.empty('target', [['dev', n.targetDev]]);
    if (n.model) buf.empty('model', [['type', n.model]]);
    if (n.driver?.length) buf.empty('driver', n.driver);
    if (n.linkState) buf.empty('link', [['state', n.linkState]]);
    if (n.mtu !== undefined) buf.empty('mtu', [['size', n.mtu]]);
    writeInfo(buf, n.info);
  });
}

function chrSourceAttrs(c: ChrDef, o: Required<DomainFormatOptions>): [string, string | undefined][] | undefined {
  switch (c.type) {
    case 'nmdm':
      return [['master', c.master], ['slave', c.slave], ...c.sourceAttrs];
    case 'pty':
      if (o.inactive) return c.sourceAttrs.length ? c.sourceAttrs : undefined;
      return [['path', c.path], ...c.sourceAttrs];
    case 'dev':
    case 'file':
    case 'pipe':
      return [['path', c.path], ...c.sourceAttrs];
    case 'unix': {
      const mode = c.sourceAttrs.find(([k]) => k === 'mode');
      return [...(mode ? [mode] : []), ['path', c.path], ...c.sourceAttrs.filter(([k]) => k !== 'mode')];
    }
    default:
      return c.sourceAttrs.length ? c.sourceAttrs : undefined;
  }
}

function writeChr(buf: XmlBuffer, name: string, c: ChrDef, o: Required<DomainFormatOptions>): void {
  buf.element(name, [['type', c.type]], () => {
    const src = chrSourceAttrs(c, o);
    if (src?.some(([, v]) => v !== undefined)) buf.empty('source', src);
    if (c.protocol) buf.empty('protocol', [['type', c.protocol]]);
    const t: [string, string | number | undefined][] = [['type', c.targetType]];
    if (name !== 'channel') t.push(['port', c.targetPort]);
    t.push(...c.targetAttrs);
    buf.empty('target', t);
    writeInfo(buf, c.info, false);
  });
}

function writeInput(buf: XmlBuffer, i: InputDef): void {
  buf.element(
    'input',
    [
      ['type', i.type],
      ['bus', i.bus],
      ['model', i.model],
    ],
    () => writeInfo(buf, i.info, false),
  );
}

function writeGraphics(buf: XmlBuffer, g: GraphicsDef, o: Required<DomainFormatOptions>): void {
  if (g.raw) {
    writeRawElement(buf, g.raw);
    return;
  }
  const attrs: [string, string | number | undefined][] = [['type', g.type]];
  const first = g.listens[0];
  if (first && (first.type === 'address' || first.type === 'network')) {
    if (g.port && (!g.autoport || !o.inactive)) attrs.push(['port', g.port]);
    else if (g.autoport) attrs.push(['port', -1]);
    attrs.push(['autoport', g.autoport ? 'yes' : 'no']);
    if (first.address !== undefined && !(first.type === 'network' && o.inactive)) attrs.push(['listen', first.address]);
  } else if (first && first.type === 'socket') {
    attrs.push(['socket', first.socket]);
  }
  attrs.push(['keymap', g.keymap]);
  if (g.passwd !== undefined && o.secure) attrs.push(['passwd', g.passwd]);
  buf.element('graphics', attrs, () => {
    for (const l of g.listens) {
      const la: [string, string | undefined][] = [['type', l.type]];
      if (l.address !== undefined && (l.type === 'address' || (l.type === 'network' && !o.inactive))) la.push(['address', l.address]);
      if (l.type === 'network') la.push(['network', l.network]);
      if (l.type === 'socket') la.push(['socket', l.socket]);
      buf.empty('listen', la);
    }
  });
}

function writeSound(buf: XmlBuffer, s: SoundDef): void {
  buf.element('sound', [['model', s.model]], () => {
    if (s.audioId !== undefined) buf.empty('audio', [['id', s.audioId]]);
    writeInfo(buf, s.info, false);
  });
}

function writeAudioIo(buf: XmlBuffer, name: string, io: AudioIoDef | undefined, raw: XmlElement | undefined): void {
  if (!io) return;
  const attrs: Attrs = [...io.common, ['dev', io.dev], ...io.other];
  const settings = raw ? raw.children.find((c): c is XmlElement => c.kind === 'element' && c.local === name) : undefined;
  const st = settings?.children.find((c): c is XmlElement => c.kind === 'element' && c.local === 'settings');
  if (!st && attrs.every(([, v]) => v === undefined)) return; // libvirt omits empty elements
  buf.element(name, attrs, () => {
    if (st) writeRawElement(buf, st);
  });
}

function writeAudio(buf: XmlBuffer, a: AudioDef): void {
  buf.element('audio', [['id', a.id], ['type', a.type], ...a.attrs], () => {
    writeAudioIo(buf, 'input', a.input, a.raw);
    writeAudioIo(buf, 'output', a.output, a.raw);
  });
}

function writeVideo(buf: XmlBuffer, v: VideoDef): void {
  buf.element('video', [], () => {
    if (v.hasDriver && v.vgaconf && v.vgaconf !== 'io') buf.empty('driver', [['vgaconf', v.vgaconf]]);
    const mattrs: Attrs = [
      ['type', v.type],
      ['vram', v.vram || undefined],
      ['heads', v.heads || undefined],
      ['primary', v.primary ? 'yes' : undefined],
    ];
    buf.element('model', mattrs, () => {
      if (v.resolution)
        buf.empty('resolution', [
          ['x', v.resolution.x],
          ['y', v.resolution.y],
        ]);
    });
    writeInfo(buf, v.info, false);
  });
}

function writeRng(buf: XmlBuffer, r: RngDef): void {
  buf.element('rng', [['model', r.model]], () => {
    if (r.rateAttrs?.length) buf.empty('rate', r.rateAttrs);
    if (r.backendModel === 'random') {
      if (r.file !== undefined) buf.text('backend', r.file, [['model', 'random']]);
      else buf.empty('backend', [['model', 'random']]);
    } else if (r.backendRaw) writeRawElement(buf, r.backendRaw);
    else buf.empty('backend', [['model', r.backendModel]]);
    writeInfo(buf, r.info, false);
  });
}

const FEATURE_ORDER = [
  'acpi',
  'apic',
  'pae',
  'hap',
  'viridian',
  'privnet',
  'hyperv',
  'kvm',
  'pvspinlock',
  'capabilities',
  'pmu',
  'vmport',
  'gic',
  'smm',
  'ioapic',
  'hpt',
  'vmcoreinfo',
  'htm',
  'nested-hv',
  'msrs',
  'ccf-assist',
  'xen',
  'cfpc',
  'sbbc',
  'ibs',
  'tcg',
  'async-teardown',
  'ras',
  'ps2',
  'aia',
];

function writeFeatures(buf: XmlBuffer, def: DomainDef): void {
  const entries: {name: string; write: () => void}[] = [];
  const f = def.features;
  const rawNames = new Set(f.other.map((e) => e.local));
  if (f.acpi) entries.push({name: 'acpi', write: () => buf.empty('acpi')});
  if (f.apic && !rawNames.has('apic')) entries.push({name: 'apic', write: () => buf.empty('apic')});
  if (f.pae) entries.push({name: 'pae', write: () => buf.empty('pae')});
  if (f.privnet) entries.push({name: 'privnet', write: () => buf.empty('privnet')});
  if (f.msrsUnknown) entries.push({name: 'msrs', write: () => buf.empty('msrs', [['unknown', f.msrsUnknown]])});
  for (const e of f.other) entries.push({name: e.local, write: () => writeRawElement(buf, e)});
  if (!entries.length) return;
  const rank = (n: string) => {
    const i = FEATURE_ORDER.indexOf(n);
    return i < 0 ? FEATURE_ORDER.length : i;
  };
  entries.sort((a, b) => rank(a.name) - rank(b.name));
  buf.element('features', [], () => {
    for (const e of entries) e.write();
  });
}

function writeCpu(buf: XmlBuffer, def: DomainDef): void {
  const cpu = def.cpu;
  if (!cpu) return;
  if (cpu.raw) {
    writeRawElement(buf, cpu.raw);
    return;
  }
  buf.element('cpu', [], () => {
    const t = cpu.topology;
    if (t) {
      buf.empty('topology', [
        ['sockets', t.sockets],
        ['dies', t.dies],
        ['clusters', t.clusters],
        ['cores', t.cores],
        ['threads', t.threads],
      ]);
    }
  });
}

function writeClock(buf: XmlBuffer, def: DomainDef): void {
  const c = def.clock;
  buf.element('clock', [['offset', c.offset], ...c.attrs], () => {
    if (c.raw) for (const k of c.raw.children) if (k.kind === 'element') writeRawElement(buf, k);
  });
}

function writeMetadata(buf: XmlBuffer, md: XmlElement): void {
  // libvirt keeps only namespaced children, the first one per namespace
  const seen = new Set<string>();
  const kept: XmlElement[] = [];
  for (const c of md.children) {
    if (c.kind !== 'element' || c.ns === undefined) continue;
    if (seen.has(c.ns)) continue;
    seen.add(c.ns);
    kept.push(c);
  }
  if (!kept.length) {
    buf.line('<metadata/>');
    return;
  }
  buf.line('<metadata>');
  for (const c of kept) {
    const extra = new Map<string, string>();
    const p = c.prefix ?? '';
    if (!c.nsDecls.has(p) && c.ns !== undefined) extra.set(p, c.ns);
    const level = buf.depth + 1;
    buf.raw('  '.repeat(level) + dumpLibxml(c, level, extra));
  }
  buf.line('</metadata>');
}

function writeOs(buf: XmlBuffer, def: DomainDef): void {
  buf.element('os', [['firmware', def.os.firmware]], () => {
    buf.text('type', def.os.type, [
      ['arch', def.os.arch],
      ['machine', def.os.machine],
    ]);
    const l = def.os.loader;
    if (l) {
      const la: Attrs = [
        ['readonly', l.readonly],
        ['secure', l.secure],
        ['type', l.type],
        ['stateless', l.stateless],
        ['format', l.format],
      ];
      if (l.path !== undefined) buf.text('loader', l.path, la);
      else buf.empty('loader', la);
    }
    const nv = def.os.nvram;
    if (nv) {
      if (nv.path !== undefined) buf.text('nvram', nv.path, [['template', nv.template]]);
      else buf.empty('nvram', [['template', nv.template]]);
    }
    for (const b of def.os.bootDevs) buf.empty('boot', [['dev', b]]);
    if (def.os.bootmenu) buf.empty('bootmenu', def.os.bootmenu);
  });
}

const OTHER_DEVICE_ORDER_BEFORE_FS = ['lease'];

/** Format a domain definition as libvirt does (default: inactive, not secure). */
export function formatDomainXml(def: DomainDef, opts: DomainFormatOptions = {}): string {
  const o: Required<DomainFormatOptions> = {inactive: opts.inactive ?? true, secure: opts.secure ?? false};
  const buf = new XmlBuffer();
  const top = (name: string) => {
    for (const e of def.otherTop) if (e.local === name) writeRawElement(buf, e);
  };
  const others = (name: string) => {
    for (const d of def.others) if (d.name === name) writeRawElement(buf, d.raw);
  };
  const rootAttrs: Attrs = [
    ['type', def.virtType],
    ['xmlns:bhyve', def.bhyveCommandline ? BHYVE_NAMESPACE_URI : undefined],
  ];
  buf.line(`<domain${formatAttrs(rootAttrs)}>`);
  buf.indent();
  buf.text('name', def.name);
  buf.text('uuid', def.uuid);
  top('genid');
  if (def.title !== undefined) buf.text('title', def.title);
  if (def.description !== undefined) buf.text('description', def.description);
  if (def.metadata) writeMetadata(buf, def.metadata);
  if (def.maxMemory)
    buf.text('maxMemory', String(def.maxMemory.kib), [
      ['slots', def.maxMemory.slots],
      ['unit', 'KiB'],
    ]);
  buf.text('memory', String(def.memoryKiB), [['unit', 'KiB']]);
  buf.text('currentMemory', String(def.currentMemoryKiB), [['unit', 'KiB']]);
  top('blkiotune');
  top('memtune');
  if (def.memoryBackingRaw) writeRawElement(buf, def.memoryBackingRaw);
  else if (def.memoryLocked) buf.element('memoryBacking', [], () => buf.empty('locked'));
  buf.text('vcpu', String(def.vcpus), [
    ['placement', 'static'],
    ['cpuset', def.cpuset],
    ['current', def.currentVcpus],
  ]);
  for (const n of ['vcpus', 'iothreads', 'iothreadids', 'cputune', 'numatune', 'resource', 'sysinfo']) top(n);
  if (def.bootloader !== undefined) {
    buf.text('bootloader', def.bootloader);
    if (def.bootloaderArgs !== undefined) buf.text('bootloader_args', def.bootloaderArgs);
  }
  writeOs(buf, def);
  top('idmap');
  writeFeatures(buf, def);
  writeCpu(buf, def);
  writeClock(buf, def);
  buf.text('on_poweroff', def.onPoweroff);
  buf.text('on_reboot', def.onReboot);
  buf.text('on_crash', def.onCrash);
  for (const n of ['on_lockfailure', 'pm', 'perf']) top(n);

  buf.line('<devices>');
  buf.indent();
  if (def.emulator !== undefined) buf.text('emulator', def.emulator);
  for (const d of def.disks) writeDisk(buf, d);
  for (const c of def.controllers) writeController(buf, c);
  for (const n of OTHER_DEVICE_ORDER_BEFORE_FS) others(n);
  for (const f of def.filesystems) writeFilesystem(buf, f);
  for (const n of def.nets) writeNet(buf, n, o);
  others('smartcard');
  for (const s of def.serials) writeChr(buf, 'serial', s, o);
  for (const p of def.parallels) writeChr(buf, 'parallel', p, o);
  def.consoles.forEach((c, i) => {
    // A serial-type console mirrors the serial port at the same index. libvirt mirrors a
    // console without a target type too, at any index; but only the first console may be
    // a serial one when read back, and a later console is not the serial port at its
    // index: such a console is written as it is.
    if (def.os.type === 'hvm' && (c.targetType === 'serial' || (c.targetType === undefined && i === 0)) && i < def.serials.length) {
      const s = def.serials[i]!;
      writeChr(buf, 'console', {...s, targetType: 'serial', targetAttrs: [], info: {...(s.info.alias ? {alias: s.info.alias} : {})}}, o);
    } else {
      writeChr(buf, 'console', c, o);
    }
  });
  for (const c of def.channels) writeChr(buf, 'channel', c, o);
  for (const i of def.inputs) writeInput(buf, i);
  others('tpm');
  for (const g of def.graphics) writeGraphics(buf, g, o);
  for (const s of def.sounds) writeSound(buf, s);
  for (const a of def.audios) writeAudio(buf, a);
  for (const v of def.videos) writeVideo(buf, v);
  for (const n of ['hostdev', 'redirdev', 'redirfilter', 'hub', 'watchdog', 'memballoon']) others(n);
  for (const r of def.rngs) writeRng(buf, r);
  for (const n of ['nvram', 'panic', 'shmem', 'memory', 'iommu', 'vsock', 'crypto', 'pstore']) others(n);
  buf.dedent();
  buf.line('</devices>');
  for (const n of ['seclabel', 'keywrap', 'launchSecurity']) top(n);
  if (def.bhyveCommandline) {
    buf.element('bhyve:commandline', [], () => {
      for (const a of def.bhyveCommandline!) buf.empty('bhyve:arg', [['value', a]]);
    });
  }
  buf.dedent();
  buf.line('</domain>');
  return buf.toString();
}
