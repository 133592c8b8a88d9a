// kldload(8): getopt "nqv", one attempt per argument, exit 1 if any failed.
// Loading vmm.ko without hardware support succeeds as a file but registers no module
// (the kernel prints the MOD_LOAD failure to the console, not to kldload).
import {getopt} from '../getopt.js';
import {updateHostStateSync} from '../host-state.js';
import {findFile, loadedFiles, registeredModules, resolveLoadable} from '../kld.js';
import {fail, simRootFromEnv, writeErr, writeOut} from '../tool-runtime.js';

const USAGE = 'usage: kldload [-nqv] file ...';

type Outcome = {kind: 'loaded'; id: number} | {kind: 'exists'} | {kind: 'missing'};

export function kldloadMain(argv: string[]): number {
  const root = simRootFromEnv();
  const p = getopt('kldload', argv, 'nqv');
  if (!p.ok) fail(1, p.message, USAGE);
  if (p.operands.length === 0) fail(1, USAGE);
  const has = (c: string): boolean => p.opts.some((o) => o.opt === c);
  const checkLoaded = has('n');
  const quiet = has('q');
  const verbose = has('v');
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
      if (state === 'absent') return {kind: 'missing'};
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
        if (!quiet) writeErr(`kldload: can't load ${arg}: module already loaded or in kernel\n`);
        errors++;
      }
    } else {
      if (!quiet) writeErr(`kldload: can't load ${arg}: No such file or directory\n`);
      errors++;
    }
  }
  return errors > 0 ? 1 : 0;
}
