// bhyve(8) as of FreeBSD 14.x (option parsing as of host.json's osrelease, see
// bhyve-releases.ts): option parsing, do_open() (vm_create; without a boot ROM
// an existing VM prepared by a loader is adopted, a new one "cannot be booted"), vCPU and
// memory checks, device init in slot order, setproctitle, then the guest on com1.
//
// Choices where versions differ (see driver/sim/README.md):
// - VM destroyed under a running bhyve (bhyvectl --destroy): 15's behaviour, a
//   `vm_run error -1, errno 6` line on stderr and exit 4 (14 exits 1 there).
// - Device init failures print "Device emulation initialization error: <strerror>"
//   (capitalised EPRINTLN form of 14.1+/15; 14.0 used perror with a lower-case text).
// - The process title is "bhyve: NAME" (setproctitle); the sim's ps shows it as FreeBSD's
//   does, "bhyve: NAME (bhyve)" (it appends the command name in parentheses).
import fs from 'node:fs';
import path from 'node:path';
import {configBool, parseBhyveArgs, type Config} from '../bhyve-config.js';
import {initDevices} from '../bhyve-devices.js';
import type {ConsolePort} from '../console.js';
import {faultsFor, readHostStateSync, simRelease, SimReleaseError} from '../host-state.js';
import {bhyveRelease, type BhyveRelease} from '../bhyve-releases.js';
import {simLayout} from '../layout.js';
import {parseMemsize} from '../memsize.js';
import {Guest, EXIT_STATUS} from '../guest/guest.js';
import {closeTaps} from '../taps.js';
import {checkVmName, destroyVmInstance, ensureVmmUsable, readVmInstance, updateVmInstance, vmInstancePath, withVmCreate} from '../vm-instance.js';
import {fail, hostPath, recordInvocation, strerror, writeErr, writeOut} from '../tool-runtime.js';

interface Topology {
  cpus: number;
  sockets: number;
  cores: number;
  threads: number;
}

/** calc_topology(): errors exit 4. */
function calcTopology(cfg: Config): Topology {
  const int = (key: string): number | undefined => {
    const v = cfg.get(key);
    if (v === undefined) return undefined;
    const n = /^(0x[0-9a-f]+|\d+)$/i.test(v) ? Number(v) : NaN;
    if (!Number.isInteger(n) || n < 1 || n > 65535) fail(4, `bhyve: Invalid value for ${key}: '${v}'`);
    return n;
  };
  const explicit = int('cpus');
  const cores = int('cores') ?? 1;
  const threads = int('threads') ?? 1;
  const sockets = int('sockets') ?? explicit ?? 1;
  const product = sockets * cores * threads;
  if (product > 65535) fail(4, `bhyve: Computed number of vCPUs too high: ${product}`);
  if (explicit !== undefined && explicit !== product) {
    fail(4, `bhyve: Topology (${sockets} sockets, ${cores} cores, ${threads} threads) does not match ${explicit} vCPUs`);
  }
  return {cpus: explicit ?? product, sockets, cores, threads};
}

/** Messages for the bhyveExit fault, by status. */
function startFaultMessage(code: number): string[] {
  switch (code) {
    case 4:
      return ['Unable to setup memory (12)'];
    case 64:
      return ["bhyve: invalid configuration option 'fault'"];
    case 71:
      return ['bhyve: could not activate CPU 0: Device busy'];
    case 100:
      return ['vmexit_suspend: invalid reason 5'];
    default:
      return [];
  }
}

/** A VMX exit dump like vmexit_vmx() prints before VMEXIT_ABORT, then abort(3). */
function crash(root: string): never {
  writeErr(
    'vm exit[0]\n\treason\t\tVMX\n\trip\t\t0xffffffff80f3c2a5\n\tinst_length\t3\n\tstatus\t\t0\n' +
      '\texit_reason\t48 (EPT violation)\n\tqualification\t0x0000000000000181\n\tinst_type\t\t0\n\tinst_error\t\t0\n',
  );
  // any core file lands inside the sim tree, like bhyve.core in its cwd on FreeBSD
  try {
    fs.mkdirSync(simLayout(root).crash, {recursive: true});
    process.chdir(simLayout(root).crash);
  } catch {
    /* keep cwd */
  }
  process.abort();
}

/** The release bhyve answers as (host.json osrelease); an unknown one is a clear error. */
function releaseOf(root: string): BhyveRelease {
  try {
    return bhyveRelease(simRelease(readHostStateSync(root)));
  } catch (e) {
    if (e instanceof SimReleaseError) fail(78, `bhyve (simulated): ${e.message}`);
    throw e;
  }
}

export async function bhyveMain(root: string, argv: string[]): Promise<number> {
  recordInvocation(root, 'bhyve', argv);
  const rel = releaseOf(root);
  const cfg = parseBhyveArgs(root, argv, rel);
  const name = cfg.get('name')!;
  if (configBool(cfg, 'config.dump')) {
    writeOut([...cfg].map(([k, v]) => `${k}=${v}\n`).join(''));
    return 1;
  }
  // 10.x: a plain count (atoi), checked only after do_open()
  const topo = rel.topology ? calcTopology(cfg) : {cpus: Number(cfg.get('cpus') ?? 1), sockets: 1, cores: 1, threads: 1};
  const memText = cfg.get('memory.size')!;
  const memBytes = parseMemsize(memText);
  if (memBytes === null) fail(64, `bhyve: invalid memsize '${memText}'`);

  // do_open()
  const romboot = cfg.has('lpc.bootrom');
  const vmName = checkVmName(name);
  if (!vmName) fail(4, 'vm_create: Invalid argument');
  const vmmErr = ensureVmmUsable(root);
  if (vmmErr) fail(4, `vm_create: ${strerror(vmmErr)}`);
  const created = withVmCreate(root, vmName, memBytes, 'bhyve');
  if (created && !romboot) fail(4, 'virtual machine cannot be booted');
  const loaded = romboot || readVmInstance(root, vmName)?.state === 'loaded' || readVmInstance(root, vmName)?.state === 'stopped';

  const st = readHostStateSync(root);
  if (topo.cpus < 1) fail(1, `Invalid guest vCPUs (${topo.cpus})`);
  if (!rel.topology) topo.sockets = topo.cpus;
  if (topo.cpus > st.ncpu) fail(4, `${topo.cpus} vCPUs requested but only ${st.ncpu} available`);
  if (memBytes > st.physmemBytes) fail(4, 'Unable to setup memory (12)');
  if (romboot) {
    const rom = cfg.get('lpc.bootrom')!;
    if (!fs.existsSync(hostPath(root, rom))) fail(4, `Error opening bootrom "${rom}": No such file or directory`);
  }
  const faults = faultsFor(st, vmName);
  if (faults.bhyveExit !== undefined) {
    if (faults.bhyveExit === 134) crash(root);
    fail(faults.bhyveExit, ...startFaultMessage(faults.bhyveExit));
  }

  // From here on, leave taps and the VM instance tidy on every exit path.
  process.on('exit', () => {
    closeTaps(root);
    updateVmInstance(root, vmName, (vm) => {
      if (vm.bhyvePid === process.pid) {
        vm.bhyvePid = null;
        vm.activeCpus = [];
        vm.state = 'stopped';
        vm.guestStage = null;
      }
    });
  });
  const dev = initDevices(root, cfg, vmName, () => undefined);

  // setproctitle("%s", name): FreeBSD's ps shows it as 'bhyve: NAME (bhyve)' (proc-info.ts)
  process.title = `bhyve: ${vmName}`;
  updateVmInstance(root, vmName, (vm) => {
    vm.state = 'running';
    vm.bhyvePid = process.pid;
    vm.activeCpus = Array.from({length: topo.cpus}, (_, i) => i);
    vm.startedAt = new Date().toISOString();
    vm.suspendRequest = null;
    vm.memoryBytes = memBytes;
    vm.guestStage = 'booting';
  });

  const con: ConsolePort | null = dev.consoles.get('com1') ?? null;
  let exiting = false;
  const finish = async (code: number): Promise<void> => {
    if (exiting) return;
    exiting = true;
    guest.stop();
    for (const c of dev.consoles.values()) {
      await c.drain(500);
      c.close();
    }
    process.exit(code);
  };

  const guest = new Guest(
    {vmName, ...topo, memoryBytes: memBytes, devices: dev.devices, uefi: romboot, hostKernel: !romboot && readVmInstance(root, vmName)?.loadedFrom === 'host'},
    con,
    {
      bootDelayMs: st.bootDelayMs,
      onStage: (stage) => {
        updateVmInstance(root, vmName, (vm) => {
          vm.guestStage = stage === 'password' ? 'login' : stage;
        });
      },
      onPowerOff: (action) => {
        if (action === 'poweroff' && configBool(cfg, 'destroy_on_poweroff')) destroyVmInstance(root, vmName);
        void finish(EXIT_STATUS[action]);
      },
    },
  );

  // SIGTERM = ACPI power button; the guest decides.
  process.on('SIGTERM', () => {
    if (!faultsFor(readHostStateSync(root), vmName).ignoreAcpi) guest.powerButton();
  });

  // bhyvectl acts on the VM instance: removal = destroyed, suspendRequest = forced stop.
  const instanceFile = vmInstancePath(root, vmName);
  const check = (): void => {
    if (exiting) return;
    const vm = readVmInstance(root, vmName);
    if (!vm) {
      if (fs.existsSync(instanceFile)) return; // mid-rewrite
      writeErr('vm_run error -1, errno 6\n');
      void finish(4);
      return;
    }
    if (vm.suspendRequest) {
      const how = vm.suspendRequest;
      updateVmInstance(root, vmName, (v) => {
        v.suspendRequest = null;
      });
      if (how === 'poweroff' && configBool(cfg, 'destroy_on_poweroff')) destroyVmInstance(root, vmName);
      void finish(how === 'reset' ? 0 : 1);
    }
  };
  try {
    fs.watch(path.dirname(instanceFile), {persistent: true}, check);
  } catch {
    /* fall back to polling only */
  }
  setInterval(check, 500);

  if (faults.crashAfterMs !== undefined) setTimeout(() => crash(root), faults.crashAfterMs);

  // A VM nobody loaded a kernel into (created by an earlier failed bhyve or bhyvectl
  // --create) executes nothing useful: it stays silent until stopped.
  if (loaded) guest.start();
  return new Promise<number>(() => undefined);
}
