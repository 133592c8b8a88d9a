// bhyvectl(8), FreeBSD 14.x messages: long options only (getopt_long with ""), --vm
// required, `vm_open: NAME could not be opened: ...` exit 1, failing ioctls print
// `errno = N` and exit 255. Actions run in the real order: getters, --force-reset,
// --force-poweroff, --destroy.
import {ensureVmmUsable, checkVmName, destroyVmInstance, readVmInstance, runningBhyvePid, updateVmInstance, writeVmInstance} from '../vm-instance.js';
import {withHostLockSync} from '../host-state.js';
import {ERRNO, fail, simRootFromEnv, writeErr, writeOut} from '../tool-runtime.js';

/** name -> takes an argument */
const LONG_OPTS: Record<string, boolean> = {
  vm: true,
  cpu: true,
  create: false,
  destroy: false,
  'get-stats': false,
  'get-active-cpus': false,
  'get-suspended-cpus': false,
  'get-cpu-topology': false,
  'get-memmap': false,
  'get-all': false,
  'force-reset': false,
  'force-poweroff': false,
  'inject-nmi': false,
  checkpoint: true,
  suspend: true,
};

function usage(): never {
  const lines = ['Usage: bhyvectl --vm=<vmname>'];
  for (const [name, arg] of Object.entries(LONG_OPTS)) {
    if (name === 'vm') continue;
    lines.push(`       [--${name}${arg ? `=<${name === 'cpu' ? 'vcpu_number' : 'filename'}>` : ''}]`);
  }
  fail(1, ...lines);
}

function parse(argv: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    if (!a.startsWith('--')) {
      // getopt_long with an empty short option string
      if (a.startsWith('-') && a.length > 1) {
        writeErr(`bhyvectl: unknown option -- ${a[1]}\n`);
        usage();
      }
      continue; // operands are ignored
    }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    const names = Object.keys(LONG_OPTS);
    const matches = names.filter((n) => n.startsWith(name));
    const full = names.includes(name) ? name : matches.length === 1 ? matches[0]! : null;
    if (!full) {
      writeErr(matches.length > 1 ? `bhyvectl: ambiguous option -- ${name}\n` : `bhyvectl: unknown option -- ${name}\n`);
      usage();
    }
    if (LONG_OPTS[full]) {
      const v: string | undefined = eq < 0 ? argv[++i] : a.slice(eq + 1);
      if (v === undefined) {
        writeErr(`bhyvectl: option requires an argument -- ${full}\n`);
        usage();
      }
      out.set(full, v);
    } else {
      if (eq >= 0) {
        writeErr(`bhyvectl: option doesn't take an argument -- ${full}\n`);
        usage();
      }
      out.set(full, '');
    }
  }
  return out;
}

export function bhyvectlMain(argv: string[]): number {
  const root = simRootFromEnv();
  const o = parse(argv);
  const vmName = o.get('vm');
  if (vmName === undefined) usage();

  if (o.has('create')) {
    const clean = checkVmName(vmName);
    const why = clean ? ensureVmmUsable(root) : 'EINVAL';
    const created =
      !why &&
      withHostLockSync(root, () => {
        if (readVmInstance(root, clean!)) return false;
        writeVmInstance(root, {
          name: clean!,
          memoryBytes: 0,
          creatorPid: process.pid,
          createdBy: 'bhyvectl',
          createdAt: new Date().toISOString(),
          state: 'created',
          bhyvePid: null,
          activeCpus: [],
          suspendRequest: null,
        });
        return true;
      });
    if (!created) {
      writeOut(`errno = ${ERRNO[why ?? 'EEXIST']}\n`);
      return 255;
    }
  }

  const vm = readVmInstance(root, checkVmName(vmName) ?? vmName);
  if (!vm) fail(1, `vm_open: ${vmName} could not be opened: No such file or directory`);
  const running = runningBhyvePid(vm) !== null;

  if (o.has('get-stats') || o.has('get-all')) {
    const up = running && vm.startedAt ? Math.floor((Date.now() - Date.parse(vm.startedAt)) / 1000) : 0;
    const cpu = Number(o.get('cpu') ?? 0);
    const stats: [string, number][] = [
      ['number of times hlt was intercepted', up * 97],
      ['number of NMIs delivered to vcpu', 0],
      ['vcpu total runtime', up * 1_000_000],
      ['number of ticks vcpu was idle', up * 95],
      ['vm exits due to external interrupt', up * 211],
      ['number of times in/out was intercepted', up * 13],
      ['total number of vm exits', up * 1337],
    ];
    writeOut(`vcpu${cpu} stats:\n` + stats.map(([d, v]) => `${d.padEnd(40)}\t${v}\n`).join(''));
  }
  if (o.has('get-active-cpus') || o.has('get-all')) {
    const cpus = running ? (vm.activeCpus ?? []) : [];
    writeOut(`active cpus:\t ${cpus.length ? cpus.join(', ') : '(none)'}\n`);
  }
  if (o.has('get-suspended-cpus')) writeOut('suspended cpus:\t (none)\n');
  if (o.has('get-cpu-topology')) writeOut(`cpu_topology:\tsockets=1, cores=1, threads=1, maxcpus=16\n`);
  if (o.has('force-reset') || o.has('force-poweroff')) {
    // vm_suspend(): the running bhyve sees it and exits 0 (reset) or 1 (power-off).
    const how = o.has('force-reset') ? 'reset' : 'poweroff';
    updateVmInstance(root, vm.name, (v) => {
      if (runningBhyvePid(v) !== null) v.suspendRequest = how;
    });
  }
  if (o.has('destroy')) destroyVmInstance(root, vm.name);
  return 0;
}
