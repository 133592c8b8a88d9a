// bhyve's option parsing (FreeBSD 14.x): every option lands in a flat config tree of
// dotted keys, as in bhyve_config(5), so -o/-k can set anything -s/-l/-c/-m set.
// -s and -l are parsed here with their parse-time errors; device init happens later.
import fs from 'node:fs';
import {getopt} from './getopt.js';
import {fail, hostPath, writeErr, writeOut} from './tool-runtime.js';

export type Config = Map<string, string>;

/** getopt string of 14.x without BHYVE_SNAPSHOT */
export const BHYVE_OPTSTRING = 'aehuwxACDHIPSWYk:f:o:p:G:c:s:m:l:K:U:';

/** Emulations of bhyve.8 (Oct 2023), in the order `-s help` prints them. */
export const PCI_EMULATIONS = [
  'hostbridge',
  'amd_hostbridge',
  'passthru',
  'virtio-net',
  'virtio-blk',
  'virtio-scsi',
  'virtio-9p',
  'virtio-rnd',
  'virtio-console',
  'virtio-input',
  'ahci',
  'ahci-cd',
  'ahci-hd',
  'e1000',
  'uart',
  'lpc',
  'fbuf',
  'xhci',
  'nvme',
  'hda',
];
const LPC_DEVICES = ['bootrom', 'com1', 'com2', 'com3', 'com4', 'tpm', 'pc-testdev'];

export function usageText(prog: string): string {
  const pad = ' '.repeat(prog.length);
  return (
    `Usage: ${prog} [-AaCDeHhPSuWwxY]\n` +
    `       ${pad} [-c [[cpus=]numcpus][,sockets=n][,cores=n][,threads=n]]\n` +
    `       ${pad} [-G port] [-k config_file] [-l lpc] [-m mem] [-o var=value]\n` +
    `       ${pad} [-p vcpu:hostcpu] [-r file] [-s pci] [-U uuid] vmname\n` +
    '       -A: create ACPI tables\n' +
    '       -a: local apic is in xAPIC mode (deprecated)\n' +
    '       -C: include guest memory in core file\n' +
    '       -c: number of CPUs and/or topology specification\n' +
    '       -D: destroy on power-off\n' +
    '       -e: exit on unhandled I/O access\n' +
    '       -G: start a debug server\n' +
    '       -H: vmexit from the guest on HLT\n' +
    '       -h: help\n' +
    '       -k: key=value flat config file\n' +
    '       -K: PS2 keyboard layout\n' +
    '       -l: LPC device configuration\n' +
    '       -m: memory size\n' +
    "       -o: set config 'var' to 'value'\n" +
    '       -P: vmexit from the guest on pause\n' +
    "       -p: pin 'vcpu' to 'hostcpu'\n" +
    '       -S: guest memory cannot be swapped\n' +
    '       -s: <slot,driver,configinfo> PCI slot config\n' +
    '       -U: UUID\n' +
    '       -u: RTC keeps UTC time\n' +
    '       -W: force virtio to use single-vector MSI\n' +
    '       -w: ignore unimplemented MSRs\n' +
    '       -x: local APIC is in x2APIC mode\n' +
    '       -Y: disable MPtable generation\n'
  );
}

function usage(code: number): never {
  writeErr(usageText('bhyve'));
  fail(code);
}

/** "a=b,c,d=e" legacy device options: bare names become "true". */
function setLegacyOptions(cfg: Config, prefix: string, list: string[]): void {
  for (const item of list) {
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq < 0) cfg.set(`${prefix}.${item}`, 'true');
    else cfg.set(`${prefix}.${item.slice(0, eq)}`, item.slice(eq + 1));
  }
}

/** pci_parse_slot(): exits 4 on a bad slot, a duplicate or an unknown device. */
function parseSlot(cfg: Config, opt: string): void {
  const comma = opt.indexOf(',');
  if (comma < 0) fail(4, `Invalid PCI slot info field "${opt}"`);
  const slotText = opt.slice(0, comma);
  const rest = opt.slice(comma + 1);
  const c2 = rest.indexOf(',');
  const emul = c2 < 0 ? rest : rest.slice(0, c2);
  const conf = c2 < 0 ? null : rest.slice(c2 + 1);
  // sscanf "%d:%d:%d", then "%d:%d", then "%d": leading numbers, trailing junk ignored
  const nums = /^\s*([+-]?\d+)(?::([+-]?\d+))?(?::([+-]?\d+))?/.exec(slotText);
  let bus = 0;
  let slot = -1;
  let func = 0;
  if (nums) {
    if (nums[3] !== undefined) [bus, slot, func] = [Number(nums[1]), Number(nums[2]), Number(nums[3])];
    else if (nums[2] !== undefined) [slot, func] = [Number(nums[1]), Number(nums[2])];
    else slot = Number(nums[1]);
  }
  if (bus < 0 || bus > 255 || slot < 0 || slot > 31 || func < 0 || func > 7) fail(4, `Invalid PCI slot info field "${opt}"`);
  const key = `pci.${bus}.${slot}.${func}`;
  if (cfg.has(`${key}.device`)) fail(4, `pci slot ${bus}:${slot}:${func} already occupied!`);
  if (!PCI_EMULATIONS.includes(emul)) fail(4, `pci slot ${bus}:${slot}:${func}: unknown device "${emul}"`);
  const opts = conf === null ? [] : conf.split(',');
  switch (emul) {
    case 'ahci-hd':
    case 'ahci-cd':
      // aliases: an ahci controller with one port of that type
      cfg.set(`${key}.device`, 'ahci');
      cfg.set(`${key}.port.0.type`, emul === 'ahci-hd' ? 'hd' : 'cd');
      if (opts[0] !== undefined) cfg.set(`${key}.port.0.path`, opts[0]);
      setLegacyOptions(cfg, `${key}.port.0`, opts.slice(1));
      return;
    case 'ahci': {
      cfg.set(`${key}.device`, 'ahci');
      let port = -1;
      for (const o of opts) {
        const m = /^(hd|cd):(.*)$/.exec(o);
        if (m) {
          port++;
          cfg.set(`${key}.port.${port}.type`, m[1]!);
          cfg.set(`${key}.port.${port}.path`, m[2]!);
        } else if (port >= 0) setLegacyOptions(cfg, `${key}.port.${port}`, [o]);
      }
      return;
    }
    case 'virtio-net':
    case 'e1000':
      cfg.set(`${key}.device`, emul);
      if (opts[0] !== undefined && opts[0] !== '' && !opts[0].includes('=')) {
        cfg.set(`${key}.backend`, opts[0]);
        setLegacyOptions(cfg, key, opts.slice(1));
      } else setLegacyOptions(cfg, key, opts);
      return;
    case 'virtio-blk':
    case 'nvme':
      cfg.set(`${key}.device`, emul);
      if (opts[0] !== undefined && !opts[0].includes('=')) {
        cfg.set(`${key}.path`, opts[0]);
        setLegacyOptions(cfg, key, opts.slice(1));
      } else setLegacyOptions(cfg, key, opts);
      return;
    default:
      cfg.set(`${key}.device`, emul);
      setLegacyOptions(cfg, key, opts);
  }
}

/** lpc_device_parse(); errors exit 64 (or 4 for a bootrom without a file). */
function parseLpc(cfg: Config, opt: string): void {
  const [dev = '', ...rest] = opt.split(',');
  const lname = dev.toLowerCase();
  if (lname === 'bootrom') {
    if (rest.length === 0 || rest[0] === '') fail(4, `bhyve: invalid bootrom option "${rest.join(',')}"`);
    cfg.set('lpc.bootrom', rest[0]!);
    if (rest[1] !== undefined) cfg.set('lpc.bootvars', rest[1]);
    return;
  }
  if (/^com[1-4]$/.test(lname)) {
    if (rest.length > 0) cfg.set(`lpc.${lname}.path`, rest.join(','));
    return;
  }
  if (lname === 'tpm' || lname === 'pc-testdev' || lname === 'fwcfg') {
    cfg.set(`lpc.${lname}`, rest.join(',') || 'true');
    return;
  }
  fail(64, `bhyve: invalid lpc device configuration '${opt}'`);
}

function parseConfigOption(cfg: Config, opt: string): boolean {
  const eq = opt.indexOf('=');
  if (eq < 0 || eq === opt.length - 1) return false;
  cfg.set(opt.slice(0, eq), opt.slice(eq + 1));
  return true;
}

function parseTopology(cfg: Config, opt: string): boolean {
  if (opt === '') {
    for (const k of ['sockets', 'cores', 'threads', 'cpus']) cfg.set(k, '1');
    return true;
  }
  for (const part of opt.split(',')) {
    const m = /^(cpus|sockets|cores|threads)=(.*)$/.exec(part);
    if (m) cfg.set(m[1]!, m[2]!);
    else if (part.includes('=')) return false;
    else cfg.set('cpus', part);
  }
  return true;
}

export function parseBhyveArgs(root: string, argv: string[]): Config {
  const cfg: Config = new Map([
    ['acpi_tables', 'false'],
    ['memory.size', '256M'],
    ['x86.strictmsr', 'true'],
    ['lpc.fwcfg', 'bhyve'],
  ]);
  const p = getopt('bhyve', argv, BHYVE_OPTSTRING);
  if (!p.ok) {
    writeErr(p.message + '\n');
    usage(1);
  }
  for (const {opt, arg = ''} of p.opts) {
    switch (opt) {
      case 'h':
        usage(0);
      // eslint-disable-next-line no-fallthrough
      case 'c':
        if (!parseTopology(cfg, arg)) fail(64, `bhyve: invalid cpu topology '${arg}'`);
        break;
      case 'm':
        cfg.set('memory.size', arg);
        break;
      case 's':
        if ('help'.startsWith(arg)) {
          writeOut(PCI_EMULATIONS.join('\n') + '\n');
          fail(0);
        }
        parseSlot(cfg, arg);
        break;
      case 'l':
        if ('help'.startsWith(arg)) {
          writeOut(LPC_DEVICES.join('\n') + '\n');
          fail(0);
        }
        parseLpc(cfg, arg);
        break;
      case 'o':
        if (!parseConfigOption(cfg, arg)) fail(64, `bhyve: invalid configuration option '${arg}'`);
        break;
      case 'k': {
        let text: string;
        try {
          text = fs.readFileSync(hostPath(root, arg), 'utf8');
        } catch {
          fail(4, `bhyve: Failed to open configuration file ${arg}: No such file or directory`);
        }
        text.split('\n').forEach((line, i) => {
          if (line === '' || line.startsWith('#')) return;
          if (!parseConfigOption(cfg, line)) fail(4, `bhyve: ${arg} line ${i + 1}: invalid config option '${line}'`);
        });
        break;
      }
      case 'p':
        if (!/^\d+:\d+$/.test(arg)) {
          writeErr(`invalid format: ${arg}\n`);
          fail(64, `bhyve: invalid vcpu pinning configuration '${arg}'`);
        }
        break;
      case 'U':
        cfg.set('uuid', arg);
        break;
      case 'D':
        cfg.set('destroy_on_poweroff', 'true');
        break;
      case 'A':
        cfg.set('acpi_tables', 'true');
        break;
      case 'S':
        cfg.set('memory.wired', 'true');
        break;
      case 'u':
        cfg.set('rtc.use_localtime', 'false');
        break;
      default:
        // remaining flags only change emulation details the simulator does not model
        break;
    }
  }
  if (p.operands.length > 1) usage(1);
  if (p.operands.length === 1) cfg.set('name', p.operands[0]!);
  if (!cfg.has('name')) usage(1);
  return cfg;
}

export function configBool(cfg: Config, key: string, dflt = false): boolean {
  const v = cfg.get(key);
  if (v === undefined) return dflt;
  return /^(true|on|yes|1)$/i.test(v);
}

/** PCI functions present in the config, sorted by bus/slot/function (init order). */
export function pciFunctions(cfg: Config): {bus: number; slot: number; func: number; key: string; device: string}[] {
  const out: {bus: number; slot: number; func: number; key: string; device: string}[] = [];
  for (const [k, v] of cfg) {
    const m = /^pci\.(\d+)\.(\d+)\.(\d+)\.device$/.exec(k);
    if (m) out.push({bus: +m[1]!, slot: +m[2]!, func: +m[3]!, key: `pci.${m[1]}.${m[2]}.${m[3]}`, device: v});
  }
  return out.sort((a, b) => a.bus - b.bus || a.slot - b.slot || a.func - b.func);
}
