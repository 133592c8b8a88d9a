// ifconfig(8) for the interfaces bhyve managers touch: tap/vmnet/bridge cloning, rename,
// description, groups, up/down, mtu, bridge members, listing. Commands after the interface
// name apply in order and earlier ones stick when a later one fails, as in FreeBSD.
import {readHostStateSync, updateHostStateSync, faultsFor, type HostState, type SimInterface} from '../host-state.js';
import {
  IFNAMSIZ,
  CLONERS,
  addClone,
  bridgeOf,
  findIf,
  formatIf,
  groupsOf,
  isEthernet,
  liveOpener,
  nextFreeUnit,
  parseCloneName,
  removeIf,
  unitInUse,
} from '../interfaces.js';
import {fail, simRootFromEnv, sleepSync, writeOut} from '../tool-runtime.js';

class IfError extends Error {}
const die = (msg: string): never => {
  throw new IfError(msg);
};

/** ifmaybeload(): cloning auto-loads the driver module if its file exists. */
function ensureClonerModule(st: HostState, module: string): boolean {
  const s = st.modules[module] ?? 'absent';
  if (s === 'unloaded') st.modules[module] = 'loaded';
  return s !== 'absent';
}

function cloneCreate(st: HostState, requested: string): SimInterface {
  const parsed = parseCloneName(requested);
  if (!parsed) return die('SIOCIFCREATE2: Invalid argument');
  const cl = CLONERS[parsed.cloner]!;
  if (!ensureClonerModule(st, cl.module)) die('SIOCIFCREATE2: Invalid argument');
  if (cl.driver !== 'bridge' && faultsFor(st, null).tapCreateFails) die('SIOCIFCREATE2: Device not configured');
  if (parsed.unit !== null && unitInUse(st, cl.driver, parsed.unit)) die('SIOCIFCREATE2: File exists');
  return addClone(st, cl.driver, parsed.unit ?? nextFreeUnit(st, cl.driver));
}

const NEEDS_ARG = new Set(['name', 'descr', 'description', 'group', '-group', 'addm', 'deletem', 'mtu']);

/** Apply one command to `cur`; returns the interface's (possibly new) name. */
function applyCommand(st: HostState, cur: SimInterface, cmd: string, arg: string | undefined): void {
  switch (cmd) {
    case 'up':
      cur.up = true;
      return;
    case 'down':
      cur.up = false;
      return;
    case 'name': {
      if (findIf(st, arg!)) die('ioctl SIOCSIFNAME (set name): File exists');
      if (arg!.length === 0 || arg!.length >= IFNAMSIZ) die('ioctl SIOCSIFNAME (set name): Invalid argument');
      const old = cur.name;
      cur.name = arg!;
      for (const b of st.interfaces) if (b.members) b.members = b.members.map((m) => (m === old ? arg! : m));
      return;
    }
    case 'descr':
    case 'description':
      if (arg === '') delete cur.descr;
      else cur.descr = arg!;
      return;
    case '-descr':
    case '-description':
      delete cur.descr;
      return;
    case 'group':
      if (/\d$/.test(arg!)) die('setifgroup: Group name can not end in a digit');
      if (groupsOf(cur).includes(arg!)) die('SIOCAIFGROUP: File exists');
      cur.groups.push(arg!);
      return;
    case '-group':
      cur.groups = cur.groups.filter((g) => g !== arg);
      return;
    case 'mtu': {
      const n = Number(arg);
      if (!/^\d+$/.test(arg!) || n < 72 || n > 65535) die('ioctl SIOCSIFMTU (set mtu): Invalid argument');
      cur.mtu = n;
      return;
    }
    case 'addm':
    case 'deletem': {
      const op = cmd === 'addm' ? 'BRDGADD' : 'BRDGDEL';
      if (cur.driver !== 'bridge') die(`${op} ${arg}: Invalid argument`);
      const m = findIf(st, arg!);
      if (!m) die(`${op} ${arg}: No such file or directory`);
      const members = cur.members ?? (cur.members = []);
      if (cmd === 'deletem') {
        if (!members.includes(arg!)) die(`${op} ${arg}: Invalid argument`);
        cur.members = members.filter((x) => x !== arg);
        return;
      }
      if (members.includes(arg!)) die(`${op} ${arg}: File exists`);
      if (bridgeOf(st, arg!)) die(`${op} ${arg}: Device busy`);
      if (!isEthernet(m!) || m!.mtu !== cur.mtu) die(`${op} ${arg}: Invalid argument`);
      members.push(arg!);
      return;
    }
    default:
      // Anything else would be parsed as an address.
      die(`${cmd}: bad value`);
  }
}

function listNames(st: HostState, args: string[]): number {
  const etherOnly = args[0] === 'ether';
  const names = st.interfaces.filter((i) => !etherOnly || isEthernet(i)).map((i) => i.name);
  writeOut(names.join(' ') + '\n');
  return 0;
}

/** ifconfig IF destroy: blocks while a process holds /dev/tapN open (tun_destroy). */
function destroy(root: string, name: string): number {
  for (;;) {
    const r = updateHostStateSync(root, (st) => {
      const i = findIf(st, name);
      if (!i) return 'missing' as const;
      if (i.driver === 'em' || i.driver === 'lo') return 'invalid' as const;
      if (liveOpener(i)) return 'busy' as const;
      removeIf(st, name);
      return 'done' as const;
    });
    if (r === 'done') return 0;
    if (r === 'missing') fail(1, `ifconfig: interface ${name} does not exist`);
    if (r === 'invalid') fail(1, 'ifconfig: SIOCIFDESTROY: Invalid argument');
    sleepSync(100);
  }
}

export function ifconfigMain(argv: string[]): number {
  const root = simRootFromEnv();
  if (argv.length === 0 || (argv.length === 1 && argv[0] === '-a')) {
    const st = readHostStateSync(root);
    writeOut(st.interfaces.map((i) => formatIf(st, i)).join(''));
    return 0;
  }
  if (argv[0] === '-l') return listNames(readHostStateSync(root), argv.slice(1));
  if (argv[0] === '-g') {
    if (argv.length < 2) fail(1, 'usage: ifconfig -g groupname');
    const st = readHostStateSync(root);
    const names = st.interfaces.filter((i) => groupsOf(i).includes(argv[1]!)).map((i) => i.name);
    if (names.length) writeOut(names.join('\n') + '\n');
    return 0;
  }
  if (argv[0]!.startsWith('-')) fail(1, `ifconfig: illegal option -- ${argv[0]!.slice(1, 2)}`);
  const ifname = argv[0]!;
  const cmds = argv.slice(1);
  if (cmds[0] === 'destroy' || cmds[0] === 'unplumb') return destroy(root, ifname);
  if (cmds.length === 0) {
    const st = readHostStateSync(root);
    const i = findIf(st, ifname);
    if (!i) fail(1, `ifconfig: interface ${ifname} does not exist`);
    writeOut(formatIf(st, i));
    return 0;
  }

  let printName: string | null = null;
  let error: string | null = null;
  updateHostStateSync(root, (st) => {
    try {
      let cur: SimInterface;
      let k = 0;
      if (cmds[0] === 'create' || cmds[0] === 'plumb') {
        if (findIf(st, ifname)) die(`interface ${ifname} already exists`);
        cur = cloneCreate(st, ifname);
        if (cur.name !== ifname) printName = cur.name;
        k = 1;
      } else {
        const found = findIf(st, ifname);
        if (!found) return die(`interface ${ifname} does not exist`);
        cur = found;
      }
      while (k < cmds.length) {
        const cmd = cmds[k++]!;
        if (cmd === 'destroy') {
          if (liveOpener(cur)) die('SIOCIFDESTROY: Device busy');
          removeIf(st, cur.name);
          return;
        }
        let arg: string | undefined;
        if (NEEDS_ARG.has(cmd)) {
          if (k >= cmds.length) die(`'${cmd}' requires argument`);
          arg = cmds[k++]!;
        }
        applyCommand(st, cur, cmd, arg);
        if (cmd === 'name') printName = cur.name;
      }
    } catch (e) {
      if (!(e instanceof IfError)) throw e;
      error = e.message;
    }
  });
  if (error !== null) fail(1, `ifconfig: ${error}`);
  if (printName !== null) writeOut(`${printName}\n`);
  return 0;
}
