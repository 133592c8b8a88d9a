// grub-bhyve (sysutils/grub2-bhyve): argp options, device.map, VM setup like bhyveload,
// a GRUB menu on the console, then exit 0 as after a successful `boot`.
// Simplified: the guest's grub.cfg is not read; a root device missing from the device
// map prints GRUB's error and exits 1 instead of dropping to an interactive grub> prompt.
import fs from 'node:fs';
import {ConsolePort} from '../console.js';
import {faultsFor, readHostStateSync} from '../host-state.js';
import {printLines} from '../loader-common.js';
import {grubScreen} from '../guest/loader-text.js';
import {createOrReinitVm, updateVmInstance} from '../vm-instance.js';
import {fail, hostPath, recordInvocation, simRootFromEnv, sleep, writeOut} from '../tool-runtime.js';

const TRY = "Try `grub-bhyve --help' or `grub-bhyve --usage' for more information.";

/**
 * --help as GNU argp formats grub2-bhyve's options (grub-core/kern/emu/main.c: `options`,
 * help_filter defaults, the `-S` child option, argp's own -?, --usage, -V). All options
 * share one group (the first, --root, is group 2 and the rest inherit it), sorted by
 * letter, lower case first; the -S child is its own cluster.
 */
const HELP = `Usage: grub-bhyve [OPTION...] vmname
grub-bhyve boot loader.

  -c, --cons-dev=cons-dev    a tty(4) device to use for terminal I/O
  -d, --directory=DIR        use GRUB files in the directory DIR
                             [default=/boot/grub]
  -e, --evga                 exclude VGA rows/cols from bootinfo
  -g, --grub-cfg=CFG         alternative name of grub.cfg [default=grub.cfg]
  -H, --hold[=SECS]          wait until a debugger will attach
  -m, --device-map=FILE      use FILE as the device map
                             [default=/boot/grub/device.map]
  -M, --memory=MBYTES        guest RAM in MB [default=256]
  -n, --ncons                disable insertion of console=ttys0
  -r, --root=DEVICE_NAME     Set root device.
  -v, --verbose              print verbose messages.

  -S                         Force wiring of guest memory.

  -?, --help                 give this help list
      --usage                give a short usage message
  -V, --version              print program version

Mandatory or optional arguments to long options are also mandatory or optional
for any corresponding short options.
`;

const SHORT_WITH_ARG: Record<string, string> = {r: 'root', m: 'device-map', d: 'directory', g: 'grub-cfg', c: 'cons-dev', M: 'memory'};
const SHORT_FLAG: Record<string, string> = {e: 'evga', n: 'ncons', v: 'verbose', S: 'wire-memory', H: 'hold', '?': 'help', V: 'version'};
const LONG_WITH_ARG = new Set(Object.values(SHORT_WITH_ARG));
const LONG_FLAG = new Set([...Object.values(SHORT_FLAG), 'help', 'usage', 'version']);

interface GrubArgs {
  opts: Map<string, string>;
  operands: string[];
}

/** GNU argp: options and operands may be mixed; long options take =VALUE or the next word. */
function parseArgs(argv: string[]): GrubArgs {
  const opts = new Map<string, string>();
  const operands: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      operands.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const [name, value] = a.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
      const matches = [...LONG_WITH_ARG, ...LONG_FLAG].filter((n) => n.startsWith(name));
      const full = matches.includes(name) ? name : matches.length === 1 ? matches[0]! : null;
      if (!full) fail(64, `grub-bhyve: unrecognized option '--${name}'`, TRY);
      if (LONG_WITH_ARG.has(full)) {
        const v = value ?? argv[++i];
        if (v === undefined) fail(64, `grub-bhyve: option '--${full}' requires an argument`, TRY);
        opts.set(full, v);
      } else opts.set(full, value ?? '');
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const c = a[j]!;
        if (SHORT_WITH_ARG[c]) {
          const v = a.slice(j + 1) || argv[++i];
          if (v === undefined) fail(64, `grub-bhyve: option requires an argument -- '${c}'`, TRY);
          opts.set(SHORT_WITH_ARG[c]!, v);
          break;
        }
        if (!SHORT_FLAG[c]) fail(64, `grub-bhyve: invalid option -- '${c}'`, TRY);
        opts.set(SHORT_FLAG[c]!, '');
      }
      continue;
    }
    operands.push(a);
  }
  return {opts, operands};
}

/** device.map: "(hd0) /path/disk.img" per line; '#' comments. */
function readDeviceMap(root: string, file: string): Map<string, string> {
  let text: string;
  try {
    text = fs.readFileSync(hostPath(root, file), 'utf8');
  } catch {
    fail(1, `grub-bhyve: error: cannot open \`${file}': No such file or directory.`);
  }
  const map = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\s*\(([^)]+)\)\s+(\S+)/.exec(line);
    if (m && !line.trim().startsWith('#')) map.set(m[1]!, m[2]!);
  }
  return map;
}

export async function grubBhyveMain(argv: string[]): Promise<number> {
  const root = simRootFromEnv();
  recordInvocation(root, 'grub-bhyve', argv);
  const {opts, operands} = parseArgs(argv);
  if (opts.has('help') || opts.has('usage')) {
    writeOut(opts.has('help') ? HELP : 'Usage: grub-bhyve [-envS?V] [-c cons-dev] [-d DIR] [-g CFG] [-H[SECS]] [-m FILE] [-M MBYTES] [-r DEVICE_NAME] vmname\n');
    return 0;
  }
  if (opts.has('version')) {
    writeOut('grub-bhyve (GRUB) 2.00\n');
    return 0;
  }
  let memMb = 256;
  if (opts.has('memory')) {
    const m = /^(\d+)([MmGg]?)$/.exec(opts.get('memory')!);
    if (!m || Number(m[1]) === 0) fail(1, `Invalid guest memory size \`${opts.get('memory')}'.`, 'Error in parsing command line arguments');
    memMb = Number(m[1]) * (m[2]!.toLowerCase() === 'g' ? 1024 : 1);
  }
  if (operands.length < 1) fail(1, 'Required VM name parameter not supplied');
  const name = operands[0]!;
  const deviceMap = opts.has('device-map') ? readDeviceMap(root, opts.get('device-map')!) : new Map<string, string>();

  let vmName: string;
  try {
    vmName = createOrReinitVm(root, name, memMb * 1024 * 1024, 'grub-bhyve', 'created').vm.name;
  } catch {
    fail(1, `Could not create VM ${name}`, 'Error in initializing VM');
  }
  const st = readHostStateSync(root);
  const fault = faultsFor(st, vmName).loaderExit;
  if (fault !== undefined) fail(fault, ...(fault === 1 ? ['Could not setup memory for VM', 'Error in initializing VM'] : []));

  let con: ConsolePort;
  try {
    con = ConsolePort.open(root, opts.get('cons-dev') ?? 'stdio');
  } catch {
    fail(1, `grub-bhyve: error: cannot open \`${opts.get('cons-dev')}'.`);
  }
  const rootDev = opts.get('root') ?? 'hd0,msdos1';
  const disk = rootDev.split(',')[0]!;
  if (disk !== 'host' && !deviceMap.has(disk)) {
    con.write(`error: disk \`${rootDev}' not found.\r\n`);
    await con.drain();
    con.close();
    return 1;
  }
  const pace = Math.max(0, Math.round(st.bootDelayMs / 40));
  await printLines(con, grubScreen(rootDev), 0);
  await sleep(pace * 4);
  con.write('   Booting `Linux\'\r\n\r\n');
  await sleep(pace);
  updateVmInstance(root, vmName, (vm) => {
    vm.state = 'loaded';
  });
  await con.drain();
  con.close();
  return 0;
}
