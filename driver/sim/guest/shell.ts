// The guest's root shell: a handful of FreeBSD commands with their usual output. Output
// uses '\n'; the caller turns it into '\r\n' for the raw console.
import {GUEST_BUILD, GUEST_RELEASE, formatDate, type GuestConfig, type PowerAction} from './boot-text.js';

export interface ShellContext {
  cfg: GuestConfig;
  bootedAt: number;
}

/** A program that works on the terminal itself; the guest runs it (programs.ts). */
interface Program {
  name: 'stty' | 'cat' | 'yes' | 'dd';
  args: string[];
}

export type ShellResult = {output: string; action?: 'logout' | PowerAction; program?: Program};

const SYSCTL_NAMES = ['hw.ncpu', 'hw.physmem', 'hw.machine', 'hw.model', 'kern.hostname', 'kern.ostype', 'kern.osrelease'];

function sysctlValue(ctx: ShellContext, name: string): string | null {
  switch (name) {
    case 'hw.ncpu':
      return String(ctx.cfg.cpus);
    case 'hw.physmem':
      return String(ctx.cfg.memoryBytes - 16 * 1024 * 1024);
    case 'hw.machine':
      return 'amd64';
    case 'hw.model':
      return 'Intel(R) Xeon(R) CPU E5-2650 v4 @ 2.20GHz';
    case 'kern.hostname':
      return ctx.cfg.vmName;
    case 'kern.ostype':
      return 'FreeBSD';
    case 'kern.osrelease':
      return GUEST_RELEASE;
    default:
      return null;
  }
}

function uptime(ctx: ShellContext): string {
  const now = new Date();
  const mins = Math.floor((Date.now() - ctx.bootedAt) / 60000);
  const h = now.getUTCHours();
  const clock = `${h % 12 === 0 ? 12 : h % 12}:${String(now.getUTCMinutes()).padStart(2, '0')}${h < 12 ? 'AM' : 'PM'}`;
  const up = mins < 1 ? `${Math.floor((Date.now() - ctx.bootedAt) / 1000)} secs` : `${mins} min${mins === 1 ? '' : 's'}`;
  return `${clock.padStart(7)}  up ${up}, 1 user, load averages: 0.08, 0.03, 0.01\n`;
}

function uname(args: string[]): string | null {
  const fields: Record<string, string> = {
    s: 'FreeBSD',
    r: GUEST_RELEASE,
    v: `FreeBSD ${GUEST_RELEASE} ${GUEST_BUILD} GENERIC`,
    m: 'amd64',
    p: 'amd64',
    i: 'GENERIC',
  };
  let want = '';
  for (const a of args) {
    if (!/^-[asnrvmpi]+$/.test(a)) return null;
    want += a.slice(1);
  }
  if (want.includes('a')) want = 'snrvm';
  if (want === '') want = 's';
  return (
    'snrvmpi'
      .split('')
      .filter((c) => want.includes(c))
      .map((c) => (c === 'n' ? '\0' : fields[c]))
      .join(' ') + '\n'
  );
}

function ifconfigText(ctx: ShellContext): string {
  let out = '';
  for (const d of ctx.cfg.devices.filter((x) => x.mac)) {
    out +=
      `${d.dev}: flags=1008843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST,LOWER_UP> metric 0 mtu 1500\n` +
      `\toptions=4c079b<RXCSUM,TXCSUM,VLAN_MTU,VLAN_HWTAGGING,VLAN_HWCSUM,TSO4,TSO6,LRO,VLAN_HWTSO,LINKSTATE,TXCSUM_IPV6>\n` +
      `\tether ${d.mac}\n\tmedia: Ethernet autoselect (10Gbase-T <full-duplex>)\n\tstatus: active\n` +
      `\tnd6 options=29<PERFORMNUD,IFDISABLED,AUTO_LINKLOCAL>\n`;
  }
  out +=
    'lo0: flags=1008049<UP,LOOPBACK,RUNNING,MULTICAST,LOWER_UP> metric 0 mtu 16384\n' +
    '\toptions=680003<RXCSUM,TXCSUM,LINKSTATE,RXCSUM_IPV6,TXCSUM_IPV6>\n' +
    '\tinet 127.0.0.1 netmask 0xff000000\n\tgroups: lo\n\tnd6 options=21<PERFORMNUD,AUTO_LINKLOCAL>\n';
  return out;
}

const HELP = `Commands of this simulated FreeBSD guest:
  uname [-asnrvm]  hostname  whoami  id  date  uptime  echo  ls  pwd
  freebsd-version  sysctl [-n] NAME...  ifconfig  clear  help
  stty [raw | -raw | sane | echo | -echo]   cat   yes [STRING]
  dd if=/dev/zero|/dev/random [of=/dev/null] [bs=N[kmg]] [count=N]
  CMD; CMD ...     (a list runs in order)
  exit | logout    reboot | shutdown -r now
  poweroff | shutdown -p now    halt | shutdown -h now
`;

/** Split a command line into words, honouring simple single and double quotes. */
function splitWords(line: string): string[] {
  const words: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line))) words.push(m[1] ?? m[2] ?? m[3]!);
  return words;
}

/** Splits a line at ';' outside quotes into its simple commands (empty ones dropped). */
export function splitCommandList(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote = '';
  for (const ch of line) {
    if (quote) {
      if (ch === quote) quote = '';
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    } else if (ch === ';') {
      out.push(cur);
      cur = '';
      continue;
    }
    cur += ch;
  }
  out.push(cur);
  return out.filter((c) => c.trim() !== '');
}

export function runShellCommand(ctx: ShellContext, line: string): ShellResult {
  const words = splitWords(line);
  const [cmd, ...args] = words;
  if (cmd === undefined) return {output: ''};
  switch (cmd) {
    case 'uname': {
      const out = uname(args);
      if (out === null) return {output: 'usage: uname [-abiKmnoprsUv]\n'};
      return {output: out.replace('\0', ctx.cfg.vmName)};
    }
    case 'hostname':
      return {output: `${ctx.cfg.vmName}\n`};
    case 'whoami':
      return {output: 'root\n'};
    case 'id':
      return {output: 'uid=0(root) gid=0(wheel) groups=0(wheel),5(operator)\n'};
    case 'date':
      return {output: formatDate(new Date()) + '\n'};
    case 'uptime':
      return {output: uptime(ctx)};
    case 'echo':
      return {output: args.join(' ') + '\n'};
    case 'pwd':
      return {output: '/root\n'};
    case 'ls':
      if (args.includes('/'))
        return {
          output: 'COPYRIGHT\tboot\t\tetc\t\tlib\t\tmedia\t\tproc\t\tsbin\t\ttmp\t\tvar\nbin\t\tdev\t\thome\t\tlibexec\t\tmnt\t\trescue\t\troot\t\tusr\n',
        };
      return {output: ''};
    case 'freebsd-version':
      return {output: `${GUEST_RELEASE}\n`};
    case 'sysctl': {
      const valuesOnly = args[0] === '-n';
      const names = valuesOnly ? args.slice(1) : args;
      if (names.length === 0) return {output: SYSCTL_NAMES.map((n) => `${n}: ${sysctlValue(ctx, n)}`).join('\n') + '\n'};
      let out = '';
      for (const n of names) {
        const v = sysctlValue(ctx, n);
        out += v === null ? `sysctl: unknown oid '${n}'\n` : valuesOnly ? `${v}\n` : `${n}: ${v}\n`;
      }
      return {output: out};
    }
    case 'ifconfig':
      return {output: ifconfigText(ctx)};
    case 'help':
      return {output: HELP};
    case 'stty':
    case 'yes':
    case 'dd':
      return {output: '', program: {name: cmd, args}};
    case 'cat': {
      // Files are not simulated; with no operand (or '-') cat copies its standard input.
      const files = args.filter((a) => a !== '-');
      if (files.length) return {output: files.map((f) => `cat: ${f}: No such file or directory\n`).join('')};
      return {output: '', program: {name: 'cat', args: []}};
    }
    case 'clear':
      return {output: '\x1b[H\x1b[J'};
    case 'exit':
    case 'logout':
      return {output: '', action: 'logout'};
    case 'reboot':
      return {output: '', action: 'reboot'};
    case 'poweroff':
      return {output: '', action: 'poweroff'};
    case 'halt':
      return {output: '', action: 'halt'};
    case 'shutdown': {
      const flag = args.find((a) => /^-[rph]$/.test(a));
      if (!flag || !args.includes('now')) {
        return {output: 'usage: shutdown [-] [-c | -f | -h | -p | -r | -k] [-o [-n]] [-q] time [warning-message ...]\n       poweroff\n'};
      }
      return {output: '', action: flag === '-r' ? 'reboot' : flag === '-p' ? 'poweroff' : 'halt'};
    }
    default:
      return {output: `sh: ${cmd}: not found\n`};
  }
}
