// bhyveload(8), FreeBSD 14.x. Option errors exit 64 in option order (console and disks
// are opened while parsing), then vm_create/vm_reinit of /dev/vmm/NAME, then a short
// userboot session on the console: banner, menu, autoboot countdown, kernel load, exit 0.
// While it waits at its menu nothing touches the VM, so destroying the VM does not stop
// it; only the kernel load then fails (see driver/sim/README.md, "bhyveload and
// grub-bhyve when their VM is destroyed"). No signal handlers, as in bhyveload.c:
// SIGTERM, SIGINT and SIGHUP kill it with the console left raw.
import fs from 'node:fs';
import {ConsolePort} from '../console.js';
import {getopt} from '../getopt.js';
import {faultsFor, readHostStateSync} from '../host-state.js';
import {printLines} from '../loader-common.js';
import {parseMemsize} from '../memsize.js';
import {CRLF, userbootBanner, userbootKernelLoad, userbootMenu} from '../guest/loader-text.js';
import {createOrReinitVm, updateOpenedVmInstance, type VmInstance} from '../vm-instance.js';
import {errnoCode, fail, hostPath, simRootFromEnv, strerror, writeErr} from '../tool-runtime.js';

const USAGE =
  'usage: bhyveload [-S][-c <console-device>] [-d <disk-path>] [-e <name=value>]\n' +
  '                 [-h <host-path>] [-m memsize[K|k|M|m|G|g|T|t]] <vmname>';

/** Messages for the loaderExit fault, by status. */
function loaderFault(code: number): string[] {
  if (code === 1) return ['vm_setup_memory: Cannot allocate memory'];
  if (code === 64) return ["bhyveload: Could not open '/boot/userboot.so'"];
  return [];
}

export async function bhyveloadMain(argv: string[]): Promise<number> {
  const root = simRootFromEnv();
  const p = getopt('bhyveload', argv, 'CSc:d:e:h:l:m:');
  if (!p.ok) fail(1, p.message, USAGE);
  let con: ConsolePort | null = null;
  let consSpec = 'stdio';
  let memBytes = 256 * 1024 * 1024;
  let loaderSeen = false;
  let disks = 0;
  let hostDir: string | undefined;
  const env = new Map<string, string>();
  for (const o of p.opts) {
    switch (o.opt) {
      case 'c':
        try {
          con = ConsolePort.open(root, o.arg!);
          consSpec = o.arg!;
        } catch {
          fail(64, `bhyveload: Could not open '${o.arg}'`);
        }
        break;
      case 'd':
        try {
          fs.closeSync(fs.openSync(hostPath(root, o.arg!), 'r+'));
        } catch {
          fail(64, `bhyveload: Could not open '${o.arg}'`);
        }
        disks++;
        break;
      case 'h':
        hostDir = o.arg;
        break;
      case 'e': {
        const eq = o.arg!.indexOf('=');
        if (eq > 0) env.set(o.arg!.slice(0, eq), o.arg!.slice(eq + 1));
        break;
      }
      case 'l':
        if (loaderSeen) fail(64, 'bhyveload: -l can only be given once');
        loaderSeen = true;
        break;
      case 'm': {
        const m = parseMemsize(o.arg!);
        if (m === null) fail(64, `bhyveload: Invalid memsize '${o.arg}'`);
        memBytes = m;
        break;
      }
    }
  }
  if (p.operands.length !== 1) fail(1, USAGE);
  const name = p.operands[0]!;
  con ??= ConsolePort.open(root, consSpec);

  let opened: VmInstance;
  try {
    opened = createOrReinitVm(root, name, memBytes, 'bhyveload', 'created').vm;
  } catch (e) {
    fail(1, `vm_create: ${strerror(errnoCode(e))}`);
  }
  const vmName = opened.name;
  const st = readHostStateSync(root);
  const fault = faultsFor(st, vmName).loaderExit;
  if (fault !== undefined) fail(fault, ...loaderFault(fault));

  const pace = Math.max(0, Math.round(st.bootDelayMs / 40));
  await printLines(con, userbootBanner(), pace);
  await printLines(con, userbootMenu(), 0);
  const delayText = env.get('autoboot_delay') ?? String(st.autobootDelay);
  const outcome = await countdown(con, delayText);
  if (outcome !== 'boot') {
    con.write(outcome === 'reboot' ? `Rebooting...${CRLF}` : CRLF);
    await con.drain();
    con.close();
    // userboot exit codes: 1 = quit, 2 = reboot
    return outcome === 'reboot' ? 2 : 1;
  }
  // The kernel and modules go into guest memory through bhyveload's own mapping, which
  // outlives a destroy; the first call on the VM itself is the register setup of
  // userboot's elf64_exec (setreg of RSP -> cb_setreg -> vm_set_register).
  await printLines(con, userbootKernelLoad(), pace);
  const loaded = updateOpenedVmInstance(root, opened, (vm) => {
    vm.state = 'loaded';
    vm.memoryBytes = memBytes;
    // userboot's default currdev is host: when no disk was given (stand/userboot main.c
    // extract_currdev), so -h DIR alone boots the kernel of DIR: the host's own with -h /.
    vm.loadedFrom = disks === 0 && hostDir !== undefined ? 'host' : 'disk';
  });
  await con.drain();
  con.close();
  if (!loaded) {
    // perror("vm_set_register") then cb_exit(USERBOOT_EXIT_QUIT): termios restored, exit 1
    writeErr(`vm_set_register: ${strerror('ENXIO')}\n`);
    return 1;
  }
  return 0;
}

/**
 * The lua loader's autoboot: "NO" waits for a key, -1 boots at once, N counts down.
 * Enter or 1 boots now, 4 reboots, any other key stops the countdown (then Enter boots).
 */
async function countdown(con: ConsolePort, delayText: string): Promise<'boot' | 'reboot' | 'quit'> {
  let seconds = /^-?\d+$/.test(delayText) ? Number(delayText) : delayText.toUpperCase() === 'NO' ? Infinity : 10;
  if (seconds < 0) seconds = 0;
  let paused = !Number.isFinite(seconds);
  while (seconds > 0 || paused) {
    if (!paused) con.write(`\rAutoboot in ${seconds} second${seconds === 1 ? '' : 's'}. [Space] to pause `);
    const c = await con.readKey(paused ? null : 1000);
    if (c === null) {
      seconds--;
      continue;
    }
    if (c === 0x0d || c === 0x0a || c === 0x31) break;
    if (c === 0x34) return 'reboot';
    if (!paused) con.write(`\r${' '.repeat(48)}\r`);
    paused = true;
  }
  con.write(CRLF);
  return 'boot';
}
