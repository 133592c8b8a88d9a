// bhyve's option parsing (FreeBSD 14.x, and what differs in the other simulated releases,
// driver/sim/bhyve-releases.ts): every option lands in a flat config tree of
// dotted keys, as in bhyve_config(5), so -o/-k can set anything -s/-l/-c/-m set.
// -s and -l are parsed here with their parse-time errors; device init happens later.
import fs from 'node:fs';
import {getopt} from './getopt.js';
import {bhyveRelease, type BhyveRelease} from './bhyve-releases.js';
import {fail, hostPath, writeErr, writeOut} from './tool-runtime.js';

export type Config = Map<string, string>;

function usage(rel: BhyveRelease, code: number): never {
  writeErr(rel.usage('bhyve'));
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

/**
 * pci_parse_slot(): a bad slot, a duplicate or an unknown device ends bhyve (exit 4; ≤12:
 * exit 1). The config-tree parser of 13+ names the bus and looks the device up first; the
 * older one checks for a duplicate first and prints slot:function only.
 */
function parseSlot(rel: BhyveRelease, cfg: Config, opt: string): void {
  const errExit = rel.configTree ? 4 : 1;
  const comma = opt.indexOf(',');
  if (comma < 0) fail(errExit, `Invalid PCI slot info field "${opt}"`);
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
  if (bus < 0 || bus > 255 || slot < 0 || slot > 31 || func < 0 || func > 7) fail(errExit, `Invalid PCI slot info field "${opt}"`);
  const key = `pci.${bus}.${slot}.${func}`;
  const where = rel.configTree ? `${bus}:${slot}:${func}` : `${slot}:${func}`;
  const known = rel.emulations.includes(emul);
  if (rel.configTree && !known) fail(errExit, `pci slot ${where}: unknown device "${emul}"`);
  if (cfg.has(`${key}.device`)) fail(errExit, `pci slot ${where} already occupied!`);
  if (!known) fail(errExit, `pci slot ${where}: unknown device "${emul}"`);
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

/**
 * lpc_device_parse(); errors exit 64. 13+ refuses a bootrom without a ROM file (errx 4,
 * quoting the whole option); ≤12 accepts it and only fails at device init.
 */
function parseLpc(rel: BhyveRelease, cfg: Config, opt: string): void {
  const [dev = '', ...rest] = opt.split(',');
  const lname = dev.toLowerCase();
  if (lname === 'bootrom') {
    if (rest.length === 0) {
      if (rel.configTree) fail(4, `bhyve: invalid bootrom option "${opt}"`);
      return;
    }
    cfg.set('lpc.bootrom', rest[0]!);
    if (rest[1] !== undefined) cfg.set('lpc.bootvars', rest[1]);
    return;
  }
  const com = /^com([1-4])$/.exec(lname);
  if (com && Number(com[1]) <= rel.comPorts) {
    if (rest.length > 0) cfg.set(`lpc.${lname}.path`, rest.join(','));
    return;
  }
  if (rel.lpcHelp !== null && (lname === 'tpm' ? rel.lpcHelp.includes('tpm') : lname === 'pc-testdev' || lname === 'fwcfg')) {
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

/** -c of 10.x: guest_ncpus = atoi(optarg); a bad count is caught after do_open(). */
function atoi(s: string): number {
  const m = /^\s*([+-]?\d+)/.exec(s);
  return m ? Number(m[1]) : 0;
}

export function parseBhyveArgs(root: string, argv: string[], rel: BhyveRelease = bhyveRelease('14.2')): Config {
  const cfg: Config = new Map([
    ['acpi_tables', 'false'],
    ['memory.size', '256M'],
    ['x86.strictmsr', 'true'],
    ['lpc.fwcfg', 'bhyve'],
  ]);
  const p = getopt('bhyve', argv, rel.optstring);
  if (!p.ok) {
    writeErr(p.message + '\n');
    usage(rel, 1);
  }
  for (const {opt, arg = ''} of p.opts) {
    switch (opt) {
      // biome-ignore lint/suspicious/noFallthroughSwitchClause: usage() exits
      case 'h':
        usage(rel, 0);
      case 'c':
        if (!rel.topology) cfg.set('cpus', String(atoi(arg)));
        else if (!parseTopology(cfg, arg)) fail(64, `bhyve: invalid cpu topology '${arg}'`);
        break;
      case 'm':
        cfg.set('memory.size', arg);
        break;
      case 's':
        // strncmp(optarg, "help", strlen(optarg)): any prefix of "help", even "" (13+)
        if (rel.lpcHelp !== null && 'help'.startsWith(arg)) {
          writeOut(rel.emulations.join('\n') + '\n');
          fail(0);
        }
        parseSlot(rel, cfg, arg);
        break;
      case 'l':
        if (rel.lpcHelp !== null && 'help'.startsWith(arg)) {
          writeOut(rel.lpcHelp.join('\n') + '\n');
          fail(0);
        }
        parseLpc(rel, cfg, arg);
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
  if (p.operands.length > 1) usage(rel, 1);
  if (p.operands.length === 1) cfg.set('name', p.operands[0]!);
  if (!cfg.has('name')) usage(rel, 1);
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
