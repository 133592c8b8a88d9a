// grub-bhyve (sysutils/grub2-bhyve): argp options, device.map, VM setup like bhyveload,
// a GRUB menu on the console, then exit 0 as after a successful `boot`.
// Simplified: the guest's grub.cfg is not read (host.json `grubTimeout` stands in for its
// `timeout`); a root device missing from the device map prints GRUB's error and exits 1
// instead of dropping to an interactive grub> prompt.
// A VM destroyed while the menu waits goes unnoticed until the boot sets the registers,
// where an assert() fails (SIGABRT). SIGINT is ignored (main.c), SIGTERM ends it through
// ncurses' handler with exit 1, SIGHUP kills it (see driver/sim/README.md).
import fs from 'node:fs';
import {ConsolePort} from '../console.js';
import {faultsFor, readHostStateSync} from '../host-state.js';
import {printLines} from '../loader-common.js';
import {grubScreen} from '../guest/loader-text.js';
import {simLayout} from '../layout.js';
import {createOrReinitVm, updateOpenedVmInstance, type VmInstance} from '../vm-instance.js';
import {fail, hostPath, recordInvocation, simRootFromEnv, sleep, sleepSync, writeErr, writeOut} from '../tool-runtime.js';

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
    writeOut(
      opts.has('help') ? HELP : 'Usage: grub-bhyve [-envS?V] [-c cons-dev] [-d DIR] [-g CFG] [-H[SECS]] [-m FILE] [-M MBYTES] [-r DEVICE_NAME] vmname\n',
    );
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

  let opened: VmInstance;
  try {
    opened = createOrReinitVm(root, name, memMb * 1024 * 1024, 'grub-bhyve', 'created').vm;
  } catch {
    fail(1, `Could not create VM ${name}`, 'Error in initializing VM');
  }
  const st = readHostStateSync(root);
  const fault = faultsFor(st, opened.name).loaderExit;
  if (fault !== undefined) fail(fault, ...(fault === 1 ? ['Could not setup memory for VM', 'Error in initializing VM'] : []));

  // main() ignores SIGINT before the console starts; ncurses (newterm) then catches
  // SIGTERM only (it leaves an ignored signal alone): endwin() and _exit(EXIT_FAILURE).
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => process.exit(1));

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
  // Without grubTimeout the menu only shows briefly (the simulator's shortcut); a key
  // still stops it, as it stops GRUB's countdown.
  if (st.grubTimeout === undefined) await grubMenu(con, 1, pace * 4, false);
  else await grubMenu(con, st.grubTimeout, 1000, true);
  con.write("   Booting `Linux'\r\n\r\n");
  await sleep(pace);
  // The kernel goes into guest memory through grub-bhyve's mapping; the first call on
  // the VM is grub_emu_bhyve_boot32()'s register setup, each one inside assert().
  const loaded = updateOpenedVmInstance(root, opened, (vm) => {
    vm.state = 'loaded';
  });
  await con.drain();
  if (!loaded) {
    writeErr(
      'Assertion failed: (vm_set_register(bhyve_vcpu, VM_REG_GUEST_CR0, cr0) == 0), function grub_emu_bhyve_boot32, file kern/emu/bhyve_hostif.c, line 227.\n',
    );
    // abort(3); grub-bhyve runs as nobody by then (setuid), so FreeBSD writes no core.
    // Any core Linux writes lands in the sim tree.
    try {
      fs.mkdirSync(simLayout(root).crash, {recursive: true});
      process.chdir(simLayout(root).crash);
    } catch {
      /* keep cwd */
    }
    // SIGABRT with its default action, without node's own abort() report on stderr
    process.kill(process.pid, 'SIGABRT');
    sleepSync(5000);
  }
  con.close();
  return 0;
}

/**
 * GRUB's menu countdown (grub-core/normal/menu.c): `timeoutS` seconds, -1 waits; any key
 * stops the countdown, Enter boots the highlighted entry. Other menu keys (arrows, `e`,
 * `c`) are not simulated.
 */
async function grubMenu(con: ConsolePort, timeoutS: number, tickMs: number, show: boolean): Promise<void> {
  let left = timeoutS;
  let stopped = timeoutS < 0;
  for (;;) {
    if (!stopped && left <= 0) return;
    if (!stopped && show) con.write(`\r      The highlighted entry will be executed automatically in ${left}s. `);
    const c = await con.readKey(stopped ? null : tickMs);
    if (c === null) {
      left--;
      continue;
    }
    if (c === 0x0d || c === 0x0a) return;
    if (!stopped && show) con.write(`\r${' '.repeat(72)}\r`);
    stopped = true;
  }
}
