// Network interfaces of the simulated host (taps, bridges, a NIC and loopback): lookups,
// cloning and the ifconfig(8) display format of FreeBSD 14.
import crypto from 'node:crypto';
import type {HostState, InterfaceDriver, SimInterface} from './host-state.js';
import {pidAlive} from './tool-runtime.js';

/** IFNAMSIZ is 16 including the NUL. */
export const IFNAMSIZ = 16;

export const CLONERS: Record<string, {driver: InterfaceDriver; module: string}> = {
  tap: {driver: 'tap', module: 'if_tuntap'},
  vmnet: {driver: 'vmnet', module: 'if_tuntap'},
  bridge: {driver: 'bridge', module: 'if_bridge'},
};

export function findIf(st: HostState, name: string): SimInterface | undefined {
  return st.interfaces.find((i) => i.name === name);
}

/** Split "tap12" into cloner and unit; unit null for a bare "tap". */
export function parseCloneName(name: string): {cloner: string; unit: number | null} | null {
  const m = /^([a-z]+)(\d*)$/.exec(name);
  if (!m || !(m[1]! in CLONERS)) return null;
  return {cloner: m[1]!, unit: m[2] === '' ? null : Number(m[2])};
}

function randomMac(prefix = '58:9c:fc'): string {
  const b = crypto.randomBytes(3);
  return `${prefix}:${[...b].map((x) => x.toString(16).padStart(2, '0')).join(':')}`;
}

export function unitInUse(st: HostState, driver: InterfaceDriver, unit: number): boolean {
  return st.interfaces.some((i) => i.driver === driver && i.unit === unit);
}

export function nextFreeUnit(st: HostState, driver: InterfaceDriver): number {
  let u = 0;
  while (unitInUse(st, driver, u)) u++;
  return u;
}

/** Add a cloned interface (caller checked the name/unit are free). */
export function addClone(st: HostState, driver: InterfaceDriver, unit: number): SimInterface {
  const iface: SimInterface = {
    name: `${driver}${unit}`,
    driver,
    unit,
    up: false,
    mtu: 1500,
    mac: randomMac(),
    groups: [],
    ...(driver === 'bridge' ? {members: []} : {openedBy: null}),
  };
  st.interfaces.push(iface);
  return iface;
}

/** The pid holding /dev/tapN open, if it is still alive. */
export function liveOpener(iface: SimInterface): number | null {
  return iface.openedBy && pidAlive(iface.openedBy) ? iface.openedBy : null;
}

export function bridgeOf(st: HostState, member: string): SimInterface | undefined {
  return st.interfaces.find((i) => i.driver === 'bridge' && i.members?.includes(member));
}

/** Remove an interface; members leave their bridge, a bridge releases its members. */
export function removeIf(st: HostState, name: string): void {
  st.interfaces = st.interfaces.filter((i) => i.name !== name);
  for (const b of st.interfaces) if (b.members) b.members = b.members.filter((m) => m !== name);
}

export function isEthernet(i: SimInterface): boolean {
  return i.driver === 'tap' || i.driver === 'vmnet' || i.driver === 'em';
}

/** Interface groups in display order: the driver's own group first. */
export function groupsOf(i: SimInterface): string[] {
  const own: string[] = i.driver === 'em' ? [] : [i.driver];
  return [...own, ...i.groups.filter((g) => !own.includes(g))];
}

const FLAG_BITS: [number, string][] = [
  [0x1, 'UP'],
  [0x2, 'BROADCAST'],
  [0x8, 'LOOPBACK'],
  [0x40, 'RUNNING'],
  [0x100, 'PROMISC'],
  [0x800, 'SIMPLEX'],
  [0x8000, 'MULTICAST'],
];

function flagsOf(st: HostState, i: SimInterface): number {
  let f = i.driver === 'lo' ? 0x8008 : 0x8802;
  if (i.up) f |= 0x1;
  const running = i.driver === 'tap' || i.driver === 'vmnet' ? liveOpener(i) !== null : i.up;
  if (running) f |= 0x40;
  if (bridgeOf(st, i.name)) f |= 0x100;
  return f;
}

function flagText(v: number): string {
  const names = FLAG_BITS.filter(([b]) => (v & b) !== 0).map(([, n]) => n);
  return `flags=${v.toString(16)}<${names.join(',')}>`;
}

/** `ifconfig IF` output. */
export function formatIf(st: HostState, i: SimInterface): string {
  const lines = [`${i.name}: ${flagText(flagsOf(st, i))} metric 0 mtu ${i.mtu}`];
  if (i.descr !== undefined) lines.push(`\tdescription: ${i.descr}`);
  const groups = groupsOf(i);
  switch (i.driver) {
    case 'lo':
      lines.push('\toptions=680003<RXCSUM,TXCSUM,LINKSTATE,RXCSUM_IPV6,TXCSUM_IPV6>', '\tinet 127.0.0.1 netmask 0xff000000');
      lines.push(`\tgroups: ${groups.join(' ')}`, '\tnd6 options=21<PERFORMNUD,AUTO_LINKLOCAL>');
      break;
    case 'em':
      lines.push('\toptions=4810099<RXCSUM,VLAN_MTU,VLAN_HWTAGGING,VLAN_HWFILTER,NOMAP>', `\tether ${i.mac}`);
      lines.push('\tinet 192.168.1.10 netmask 0xffffff00 broadcast 192.168.1.255');
      if (groups.length) lines.push(`\tgroups: ${groups.join(' ')}`);
      lines.push('\tmedia: Ethernet autoselect (1000baseT <full-duplex>)', '\tstatus: active');
      lines.push('\tnd6 options=29<PERFORMNUD,IFDISABLED,AUTO_LINKLOCAL>');
      break;
    case 'bridge':
      lines.push(`\tether ${i.mac}`);
      lines.push('\tid 00:00:00:00:00:00 priority 32768 hellotime 2 fwddelay 15');
      lines.push('\tmaxage 20 holdcnt 6 proto rstp maxaddr 2000 timeout 1200');
      lines.push('\troot id 00:00:00:00:00:00 priority 32768 ifcost 0 port 0');
      (i.members ?? []).forEach((m, n) => {
        lines.push(`\tmember: ${m} flags=143<LEARNING,DISCOVER,AUTOEDGE,AUTOPTP>`);
        lines.push(`\t        ifmaxaddr 0 port ${n + 5} priority 128 path cost 2000000`);
      });
      lines.push(`\tgroups: ${groups.join(' ')}`, '\tnd6 options=9<PERFORMNUD,IFDISABLED>');
      break;
    case 'tap':
    case 'vmnet': {
      const opener = liveOpener(i);
      lines.push('\toptions=80000<LINKSTATE>', `\tether ${i.mac}`, `\tgroups: ${groups.join(' ')}`);
      lines.push('\tmedia: Ethernet autoselect', `\tstatus: ${opener ? 'active' : 'no carrier'}`);
      lines.push('\tnd6 options=29<PERFORMNUD,IFDISABLED,AUTO_LINKLOCAL>');
      if (opener) lines.push(`\tOpened by PID ${opener}`);
      break;
    }
  }
  return lines.join('\n') + '\n';
}
