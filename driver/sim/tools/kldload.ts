// kldload(8): getopt "nqv", one attempt per argument, exit 1 if any failed. -q only
// silences path_check()'s warnings, not the load errors (sbin/kldload/kldload.c).
// vmm.ko without VT-x/AMD-V: its MOD_LOAD fails (vmm_handler -> vmm_modinit, ENXIO),
// module_register_init() releases the module and linker_load_file() unloads the file
// whose modules all failed and returns ENOEXEC: nothing stays loaded (sys/kern/kern_module.c,
// sys/kern/kern_linker.c). The kernel prints the MOD_LOAD error to dmesg, not to kldload.
import {getopt} from '../getopt.js';
import {updateHostStateSync} from '../host-state.js';
import {findFile, loadedFiles, moduleFileOnPath, registeredModules, resolveLoadable} from '../kld.js';
import {fail, recordInvocation, simRootFromEnv, writeErr, writeOut} from '../tool-runtime.js';

const USAGE = 'usage: kldload [-nqv] file ...';

type Outcome = {kind: 'loaded'; id: number} | {kind: 'exists'} | {kind: 'missing'} | {kind: 'noexec'};

export function kldloadMain(argv: string[]): number {
  const root = simRootFromEnv();
  recordInvocation(root, 'kldload', argv);
  const p = getopt('kldload', argv, 'nqv');
  if (!p.ok) fail(1, p.message, USAGE);
  if (p.operands.length === 0) fail(1, USAGE);
  const has = (c: string): boolean => p.opts.some((o) => o.opt === c);
  const checkLoaded = has('n');
  // -q and -v cancel each other; the last one given wins
  const qv = p.opts.filter((o) => o.opt === 'q' || o.opt === 'v').pop()?.opt;
  const verbose = qv === 'v';
  let errors = 0;
  for (const arg of p.operands) {
    const outcome = updateHostStateSync(root, (st): Outcome => {
      const entry = resolveLoadable(arg);
      const bare = !arg.includes('/') && !arg.includes('.');
      // A bare name is a module name: EEXIST if any file registered it already.
      if (bare && registeredModules(st).some((m) => m.name === arg)) return {kind: 'exists'};
      if (!entry || entry.key === null) {
        return entry ? {kind: 'exists'} : {kind: 'missing'};
      }
      const state = st.modules[entry.key] ?? 'absent';
      if (state === 'builtin' || findFile(st, entry.file)) return {kind: 'exists'};
      // A name without a slash is looked for in kern.module_path's directories only.
      if (state === 'absent' || (!arg.includes('/') && !moduleFileOnPath(st))) return {kind: 'missing'};
      if (entry.key === 'vmm' && !st.vmmHardware) return {kind: 'noexec'};
      st.modules[entry.key] = 'loaded';
      const id = loadedFiles(st).find((f) => f.entry.file === entry.file)?.id ?? 0;
      return {kind: 'loaded', id};
    });
    if (outcome.kind === 'loaded') {
      if (verbose) writeOut(`Loaded ${arg}, id=${outcome.id}\n`);
    } else if (outcome.kind === 'exists') {
      if (checkLoaded) {
        if (verbose) writeOut(`${arg} is already loaded\n`);
      } else {
        writeErr(`kldload: can't load ${arg}: module already loaded or in kernel\n`);
        errors++;
      }
    } else if (outcome.kind === 'noexec') {
      writeErr(`kldload: an error occurred while loading module ${arg}. Please check dmesg(8) for more details.\n`);
      errors++;
    } else {
      writeErr(`kldload: can't load ${arg}: No such file or directory\n`);
      errors++;
    }
  }
  return errors > 0 ? 1 : 0;
}
