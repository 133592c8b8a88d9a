// Native bhyve command line(s) -> DomainDef (libvirt's bhyve_parse_command.c,
// `virsh domxml-from-native bhyve-argv`). The result is a bare definition:
// no post-parse defaults, no implicit devices, no address assignment.

import {NativeArgvError, VirError, type VirErrorCode} from '../domain/errors.js';
import type {BhyveCaps} from './capabilities.js';
import {emptyDomainDef, type DiskDef, type DomainDef, type GraphicsDef, type NetDef, type VideoDef} from '../domain/model.js';
import {formatMac, generateMac, generateUuid, parseMacPartial, parseUuid} from '../domain/identifiers.js';
import {parseBhyveMemArg} from '../domain/memsize.js';
import {insertDisk} from '../domain/device-order.js';
import {parseSigned} from '../xml/number.js';

const BHYVE_ARGV0 = '/usr/sbin/bhyve';
const BHYVELOAD_ARGV0 = '/usr/sbin/bhyveload';

export interface NativeParseOptions {
  caps: BhyveCaps;
  generateMac?: () => string;
  generateUuid?: () => string;
  /** Receives every error/warning libvirt would log, including ones it then ignores. */
  log?: (message: string) => void;
}

/**
 * Split native config text into argument lists (bhyveCommandLineToArgv):
 * backslash-newlines are removed, each non-empty line is one command, words
 * are separated by spaces, a word starting with ' or " runs to the next
 * matching quote.
 */
export function splitNativeCommands(text: string): string[][] {
  const unescaped = text.replace(/\\\r\n|\\\n|\\\r/g, '');
  const lines = unescaped.split(/[\r\n]+/).filter((l) => l !== '');
  const out: string[][] = [];
  for (const line of lines) {
    const args: string[] = [];
    let i = 0;
    while (i < line.length) {
      let start = i;
      let end: number;
      const q = line[start];
      if (q === "'" || q === '"') {
        start++;
        end = line.indexOf(q, start);
      } else {
        end = line.indexOf(' ', start);
      }
      if (end < 0) end = line.length;
      args.push(line.slice(start, end));
      let next = end;
      if (next < line.length && (line[next] === "'" || line[next] === '"')) next++;
      while (next < line.length && /[ \t\n\v\f\r]/.test(line[next]!)) next++;
      i = next;
      if (end === line.length) break;
    }
    if (args.length) out.push(args);
  }
  return out;
}

interface Opt {
  opt: string;
  arg?: string;
}

/**
 * getopt-style scan: flags may be combined (-AI), values attached (-c2) or
 * separate. Options end at the first word not starting with '-' (or '--').
 */
function getopt(argv: string[], withValue: string, log: (m: string) => void): {opts: Opt[]; optind: number} {
  const opts: Opt[] = [];
  let i = 1;
  while (i < argv.length) {
    const a = argv[i]!;
    if (a === '--') {
      i++;
      break;
    }
    if (!a.startsWith('-') || a === '-') break;
    let j = 1;
    while (j < a.length) {
      const c = a[j]!;
      if (withValue.includes(c)) {
        let val: string | undefined;
        if (j + 1 < a.length) val = a.slice(j + 1);
        else if (i + 1 < argv.length) val = argv[++i]!;
        if (val === undefined) {
          const m = `Missing argument for '-${c}'`;
          log(`invalid argument: ${m}`);
          throw new NativeArgvError('invalid-arg', m);
        }
        opts.push({opt: c, arg: val});
        break;
      }
      opts.push({opt: c});
      j++;
    }
    i++;
  }
  return {opts, optind: i};
}

function emptyDef(): DomainDef {
  return emptyDomainDef({
    virtType: 'bhyve',
    name: '',
    uuid: '',
    vcpus: 0,
    os: {type: 'hvm', bootDevs: []},
    clock: {offset: 'localtime', attrs: []},
    onReboot: 'destroy',
  });
}

class Ctx {
  nahci = 0;
  nvirtio = 0;
  nameSet = false;
  constructor(
    readonly def: DomainDef,
    readonly opts: NativeParseOptions,
  ) {}
  log(code: VirErrorCode, detail: string): void {
    this.opts.log?.(new VirError(code, detail).message);
  }
  fail(code: VirErrorCode, detail: string): never {
    this.log(code, detail);
    throw new NativeArgvError(code, detail);
  }
}

function setMemory(ctx: Ctx, arg: string): void {
  const kib = parseBhyveMemArg(arg);
  if (kib === undefined) ctx.fail('operation-failed', 'Failed to parse memory');
  if (ctx.def.currentMemoryKiB !== 0 && ctx.def.currentMemoryKiB !== kib) {
    ctx.fail('operation-failed', 'Failed to parse memory: size mismatch');
  }
  ctx.def.currentMemoryKiB = kib!;
  ctx.def.memoryKiB = kib!;
}

function checkName(ctx: Ctx, name: string): void {
  if (!ctx.nameSet) {
    ctx.def.name = name;
    ctx.nameSet = true;
  } else if (ctx.def.name !== name) {
    ctx.fail('operation-failed', 'Failed to parse arguments: VM name mismatch');
  }
}

function parseLpc(ctx: Ctx, arg: string): void {
  const comma = arg.indexOf(',');
  if (comma < 0) ctx.fail('operation-failed', `Failed to parse LPC device '${arg}'`);
  const type = arg.slice(0, comma);
  const param = arg.slice(comma + 1);
  if (!(type.startsWith('com') && type.length === 4)) return; // other -l forms (bootrom, ...) are ignored
  if (!param.startsWith('/dev/nmdm')) {
    ctx.fail('operation-failed', `Failed to set com port ${type}: does not start with '/dev/nmdm'.`);
  }
  const last = param[param.length - 1];
  let slave: string;
  if (last === 'A') slave = param.slice(0, -1) + 'B';
  else if (last === 'B') slave = param.slice(0, -1) + 'A';
  else return ctx.fail('operation-failed', `Failed to set slave for ${param}: last letter not 'A' or 'B'`);
  const n = type.charCodeAt(3) - 48;
  if (n !== 1 && n !== 2) ctx.fail('operation-failed', `Failed to parse ${type}: only com1 and com2 supported.`);
  ctx.def.serials.push({type: 'nmdm', master: param, slave, sourceAttrs: [], targetPort: n - 1, targetAttrs: [], info: {}});
}

function parsePciSlot(slotdef: string): {bus: number; slot: number; fn: number} | undefined {
  const parts = slotdef.split(':');
  const vals: number[] = [];
  for (let i = 0; i < Math.min(parts.length, 3); i++) {
    const v = parseSigned(parts[i]!);
    if (v === undefined) return undefined;
    vals.push(v);
  }
  if (parts.length === 1) return {bus: 0, slot: vals[0]!, fn: 0};
  if (parts.length === 2) return {bus: 0, slot: vals[0]!, fn: vals[1]!};
  if (parts.length === 3) return {bus: vals[0]!, slot: vals[1]!, fn: vals[2]!};
  return {bus: 0, slot: 0, fn: 0};
}

function parseDisk(ctx: Ctx, addr: {bus: number; slot: number; fn: number}, bus: 'sata' | 'virtio', device: 'disk' | 'cdrom', conf: string | undefined): void {
  if (conf === undefined) return;
  const comma = conf.indexOf(',');
  const path = comma < 0 ? conf : conf.slice(0, comma);
  let idx: number;
  let dst: string;
  if (bus === 'virtio') {
    idx = ctx.nvirtio++;
    dst = 'vd';
  } else {
    idx = ctx.nahci++;
    dst = 'sd';
  }
  if (idx > 25) {
    ctx.log('config-unsupported', 'too many disks');
    return;
  }
  const disk: DiskDef = {
    type: conf.startsWith('/dev/') ? 'block' : 'file',
    device,
    source: path,
    sourceAttrs: [],
    target: {dev: dst + String.fromCharCode(97 + idx), bus, extra: []},
    readonly: false,
    shareable: false,
    transient: false,
    info: {address: {type: 'pci', domain: 0, bus: addr.bus, slot: addr.slot, function: addr.fn}},
  };
  insertDisk(ctx.def.disks, disk);
}

function parseNet(ctx: Ctx, addr: {bus: number; slot: number; fn: number}, model: string, conf: string | undefined): void {
  const net: NetDef = {
    type: 'bridge',
    source: 'virbr0',
    sourceAttrs: [],
    model,
    info: {address: {type: 'pci', domain: 0, bus: addr.bus, slot: addr.slot, function: addr.fn}},
  };
  if (conf === undefined) return;
  if (!conf.startsWith('tap')) {
    ctx.log('config-unsupported', 'Only tap devices supported');
    return;
  }
  const comma = conf.indexOf(',');
  net.targetDev = comma < 0 ? conf : conf.slice(0, comma);
  if (comma >= 0) {
    const opt = conf.slice(comma + 1);
    if (!opt.startsWith('mac=')) {
      ctx.log('config-unsupported', 'Only mac option can be specified for virt-net');
      return;
    }
    const mac = opt.slice(4);
    const r = parseMacPartial(mac);
    net.mac = formatMac(r.bytes);
    if (!r.ok) ctx.log('internal', `unable to parse mac address '${mac}'`);
  } else {
    net.mac = (ctx.opts.generateMac ?? generateMac)();
  }
  ctx.def.nets.push(net);
}

function parseFbuf(ctx: Ctx, addr: {bus: number; slot: number; fn: number}, conf: string | undefined): void {
  const video: VideoDef = {type: 'gop', heads: 1, primary: false, hasDriver: false, info: {}};
  const g: GraphicsDef = {type: 'vnc', port: 0, autoport: false, listens: []};
  void addr; // libvirt records the slot but leaves the address type unset, so it is never shown
  if (conf === undefined) return;
  for (const param of conf.split(',')) {
    if (param.startsWith('vga=')) {
      const v = param.slice(4);
      if (v !== 'io' && v !== 'on' && v !== 'off') return;
      video.vgaconf = v;
      video.hasDriver = true;
    } else if (param.startsWith('tcp=') || param.startsWith('rfb=')) {
      const p = param.slice(4);
      const colon = p.lastIndexOf(':');
      if (colon < 0) return;
      let host = p.slice(0, colon);
      if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
      g.listens.push({type: 'address', address: host === '' ? '127.0.0.1' : host});
      const port = parseSigned(p.slice(colon + 1));
      if (port === undefined) return;
      g.port = port;
    } else if (param.startsWith('w=') || param.startsWith('h=')) {
      const n = parseSigned(param.slice(2));
      if (n === undefined || n < 0) return;
      video.resolution ??= {x: 0, y: 0};
      if (param[0] === 'w') video.resolution.x = n;
      else video.resolution.y = n;
    } else if (param.startsWith('password=')) {
      g.passwd = param.slice(9);
    }
  }
  ctx.def.videos.push(video);
  ctx.def.graphics.push(g);
}

function parsePciArg(ctx: Ctx, arg: string): void {
  const comma = arg.indexOf(',');
  if (comma < 0) ctx.fail('operation-failed', `Failed to parse PCI device '${arg}'`);
  const slotdef = arg.slice(0, comma);
  const rest = arg.slice(comma + 1);
  const c2 = rest.indexOf(',', 1);
  const emulation = c2 < 0 ? rest : rest.slice(0, c2);
  const conf = c2 < 0 ? undefined : rest.slice(c2 + 1);
  const addr = parsePciSlot(slotdef);
  if (!addr) ctx.fail('operation-failed', `Failed to parse PCI slot '${slotdef}'`);
  switch (emulation) {
    case 'ahci-cd':
      parseDisk(ctx, addr!, 'sata', 'cdrom', conf);
      break;
    case 'ahci-hd':
      parseDisk(ctx, addr!, 'sata', 'disk', conf);
      break;
    case 'virtio-blk':
      parseDisk(ctx, addr!, 'virtio', 'disk', conf);
      break;
    case 'virtio-net':
      parseNet(ctx, addr!, 'virtio', conf);
      break;
    case 'e1000':
      parseNet(ctx, addr!, 'e1000', conf);
      break;
    case 'fbuf':
      parseFbuf(ctx, addr!, conf);
      break;
    case 'virtio-rnd':
      ctx.def.rngs.push({
        model: 'virtio',
        backendModel: 'random',
        file: '/dev/random',
        info: {address: {type: 'pci', domain: 0, bus: addr!.bus, slot: addr!.slot, function: addr!.fn}},
      });
      break;
    default:
      // hostbridge, lpc, ahci lists, xhci, hda, virtio-9p, passthru, ...: not converted
      break;
  }
}

function parseBhyveArgv(ctx: Ctx, argv: string[]): void {
  const {opts, optind} = getopt(argv, 'pgcsmlU', (m) => ctx.opts.log?.(m));
  for (const {opt, arg} of opts) {
    switch (opt) {
      case 'A':
        ctx.def.features.acpi = true;
        break;
      case 'I':
        ctx.def.features.apic = true;
        break;
      case 'c': {
        const n = parseSigned(arg);
        if (n === undefined) ctx.fail('operation-failed', 'Failed to parse number of vCPUs');
        if (n! < 1) ctx.fail('invalid-arg', 'Invalid number of vCPUs');
        ctx.def.vcpus = n!;
        break;
      }
      case 'l':
        parseLpc(ctx, arg!);
        break;
      case 's':
        parsePciArg(ctx, arg!);
        break;
      case 'm':
        setMemory(ctx, arg!);
        break;
      case 'u':
        if (!ctx.opts.caps.has('RTC_UTC')) ctx.fail('operation-failed', 'Installed bhyve binary does not support UTC clock');
        ctx.def.clock.offset = 'utc';
        break;
      case 'U': {
        const u = parseUuid(arg!);
        if (!u) ctx.fail('internal', `Cannot parse UUID '${arg}'`);
        ctx.def.uuid = u!;
        break;
      }
      case 'S':
        ctx.def.memoryLocked = true;
        break;
      default:
        break; // -H, -P, -w, -p X, -g X, ...: nothing to record
    }
  }
  if (optind !== argv.length - 1) ctx.fail('operation-failed', 'Failed to parse arguments for bhyve command');
  checkName(ctx, argv[argv.length - 1]!);
}

function parseBhyveloadArgv(ctx: Ctx, argv: string[]): void {
  const {opts, optind} = getopt(argv, 'cdehlm', (m) => ctx.opts.log?.(m));
  let seen = 0;
  for (const {opt, arg} of opts) {
    if (opt === 'd') {
      seen |= 1;
      const i = ctx.def.disks.findIndex((d) => d.source === arg);
      if (i >= 0) {
        if (i === 0) delete ctx.def.disks[i]!.info.bootOrder;
        else ctx.def.disks[i]!.info.bootOrder = i;
      }
    } else if (opt === 'm') {
      seen |= 2;
      setMemory(ctx, arg!);
    } else {
      seen |= 4;
    }
  }
  if (seen !== 3) {
    ctx.def.bootloader = argv[0]!;
    ctx.def.bootloaderArgs = argv.slice(1).join(' ');
  }
  if (optind !== argv.length - 1) ctx.fail('operation-failed', 'Failed to parse arguments for bhyve command');
  checkName(ctx, argv[argv.length - 1]!);
}

/**
 * Convert native bhyve (and optionally loader) command lines into a domain
 * definition. The first line whose program is exactly /usr/sbin/bhyve is
 * the bhyve command; the first other line is the loader. Throws NativeArgvError.
 */
export function parseNativeArgv(text: string, opts: NativeParseOptions): DomainDef {
  const cmds = splitNativeCommands(text);
  let bhyve: string[] | undefined;
  let loader: string[] | undefined;
  for (const c of cmds) {
    if (c[0] === BHYVE_ARGV0 && !bhyve) bhyve = c;
    else if (!loader) loader = c;
  }
  const def = emptyDef();
  const ctx = new Ctx(def, opts);
  if (!bhyve) ctx.fail('internal', 'Failed to convert the command string to argv-lists');
  def.uuid = (opts.generateUuid ?? generateUuid)();
  parseBhyveArgv(ctx, bhyve!);
  if (loader) {
    if (loader[0] === BHYVELOAD_ARGV0) parseBhyveloadArgv(ctx, loader);
    else {
      def.bootloader = loader[0]!;
      def.bootloaderArgs = loader.slice(1).join(' ');
    }
  }
  return def;
}
