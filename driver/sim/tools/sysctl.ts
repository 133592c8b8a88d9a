// sysctl(8), FreeBSD 14 (sbin/sysctl/sysctl.c): getopt "AabB:def:hiJNnoqTtWxXl", OIDs
// from the simulated kernel (host.json). Only the OIDs a bhyve manager reads exist; an
// OID of an unloaded module is unknown, as on FreeBSD (vmm's hw.vmm.* appear with vmm,
// net.link.tap.* with if_tuntap). Unknown OID: "sysctl: unknown oid 'X'", exit 1
// (-i: ignored; -q: no message).
import {getopt} from '../getopt.js';
import {readHostStateSync, updateHostStateSync, type HostState} from '../host-state.js';
import {modulePath, registeredModules} from '../kld.js';
import {fail, simRootFromEnv, writeErr, writeOut} from '../tool-runtime.js';

const USAGE = 'usage: sysctl [-bdeiNnoqTtWx] [ -B <bufsize> ] [-f filename] name[=value] ...\n' + '       sysctl [-bdeNnoqTtWx] [ -B <bufsize> ] -a';

interface Oid {
  value(st: HostState): string;
  /** writable OIDs change host.json */
  set?(st: HostState, v: string): string | null;
  /** present only while this module is registered */
  module?: string;
}

/** __FreeBSD_version of a release, e.g. 14.2-RELEASE → 1402000. */
function osreldate(osrelease: string): number {
  const m = /^(\d+)\.(\d+)/.exec(osrelease);
  return m ? Number(m[1]) * 100000 + Number(m[2]) * 1000 : 0;
}

const bool01 = (v: string): boolean | null => (v === '0' ? false : v === '1' ? true : null);

const OIDS: Record<string, Oid> = {
  'kern.ostype': {value: () => 'FreeBSD'},
  'kern.osrelease': {value: (s) => s.osrelease},
  'kern.osreldate': {value: (s) => String(osreldate(s.osrelease))},
  'kern.hostname': {
    value: (s) => s.hostname,
    set: (s, v) => {
      s.hostname = v;
      return null;
    },
  },
  // Where kldload looks for module files (kld.ts); writable, as kldconfig(8) sets it.
  'kern.module_path': {
    value: (s) => modulePath(s),
    set: (s, v) => {
      s.modulePath = v;
      return null;
    },
  },
  'hw.machine': {value: () => 'amd64'},
  'hw.machine_arch': {value: () => 'amd64'},
  'hw.model': {value: () => 'Intel(R) Xeon(R) CPU E5-2640 v4 @ 2.40GHz'},
  'hw.ncpu': {value: (s) => String(s.ncpu)},
  'hw.physmem': {value: (s) => String(s.physmemBytes)},
  'hw.vmm.vmx.initialized': {value: () => '1', module: 'vmm'},
  'hw.vmm.vmx.cap.unrestricted_guest': {value: () => '1', module: 'vmm'},
  'hw.vmm.maxcpu': {value: (s) => String(Math.max(16, s.ncpu)), module: 'vmm'},
  'net.link.tap.up_on_open': {
    value: (s) => (s.tapUpOnOpen ? '1' : '0'),
    module: 'if_tuntap',
    set: (s, v) => {
      const b = bool01(v);
      if (b === null) return 'Invalid argument';
      s.tapUpOnOpen = b;
      return null;
    },
  },
  'net.link.tap.user_open': {value: () => '0', module: 'if_tuntap'},
  'net.link.tap.devfs_cloning': {value: () => '1', module: 'if_tuntap'},
};

function visible(st: HostState): string[] {
  const mods = new Set(registeredModules(st).map((m) => m.name));
  return Object.keys(OIDS)
    .filter((k) => !OIDS[k]!.module || mods.has(OIDS[k]!.module!))
    .sort();
}

export function sysctlMain(argv: string[]): number {
  const root = simRootFromEnv();
  const p = getopt('sysctl', argv, 'AabB:def:hiJNnoqTtWxXl');
  if (!p.ok) fail(1, p.message, USAGE);
  let nflag = false;
  let eflag = false;
  let iflag = false;
  let qflag = false;
  let Nflag = false;
  let aflag = false;
  for (const o of p.opts) {
    if (o.opt === 'n') nflag = true;
    else if (o.opt === 'e') eflag = true;
    else if (o.opt === 'i') iflag = true;
    else if (o.opt === 'q') qflag = true;
    else if (o.opt === 'N') Nflag = true;
    else if (o.opt === 'a' || o.opt === 'A' || o.opt === 'X') aflag = true;
    else if (o.opt === 'd' || o.opt === 'h' || o.opt === 'o' || o.opt === 'x' || o.opt === 'b') fail(70, `sysctl: -${o.opt} is not simulated`);
  }
  if (p.operands.length === 0 && !aflag) fail(1, USAGE);
  let st = readHostStateSync(root);
  const show = (name: string, value: string): string => (Nflag ? name : nflag ? value : eflag ? `${name}=${value}` : `${name}: ${value}`);
  let out = '';
  let status = 0;
  const names = aflag ? visible(st) : p.operands;
  for (const arg of names) {
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(0, eq) : arg;
    const known = visible(st);
    if (eq < 0) {
      const under = known.filter((k) => k === name || k.startsWith(`${name}.`));
      if (under.length === 0) {
        if (iflag) continue;
        if (!qflag) writeErr(`sysctl: unknown oid '${name}'\n`);
        status = 1;
        continue;
      }
      for (const k of under) out += `${show(k, OIDS[k]!.value(st))}\n`;
      continue;
    }
    if (!known.includes(name)) {
      if (iflag) continue;
      if (!qflag) writeErr(`sysctl: unknown oid '${name}'\n`);
      status = 1;
      continue;
    }
    const oid = OIDS[name]!;
    if (!oid.set) {
      writeErr(`sysctl: oid '${name}' is read only\n`);
      status = 1;
      continue;
    }
    const value = arg.slice(eq + 1);
    const old = oid.value(st);
    const err = updateHostStateSync(root, (s) => oid.set!(s, value));
    if (err) {
      writeErr(`sysctl: ${name}=${value}: ${err}\n`);
      status = 1;
      continue;
    }
    st = readHostStateSync(root);
    out += `${nflag ? '' : `${name}: `}${old} -> ${oid.value(st)}\n`;
  }
  writeOut(out);
  return status;
}
