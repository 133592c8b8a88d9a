// kldstat(8), FreeBSD 14.x: getopt "dhi:m:n:qv", 13/14 column layout, no "Dependencies".
import {getopt} from '../getopt.js';
import {readHostStateSync} from '../host-state.js';
import {findFile, kldstatHeader, kldstatRow, loadedFiles, registeredModules} from '../kld.js';
import {fail, simRootFromEnv, writeErr, writeOut} from '../tool-runtime.js';

const USAGE = 'usage: kldstat [-d] [-h] [-q] [-v] [-i id] [-n filename]\n       kldstat [-d] [-q] [-m modname]';

export function kldstatMain(argv: string[]): number {
  const root = simRootFromEnv();
  const p = getopt('kldstat', argv, 'dhi:m:n:qv');
  if (!p.ok) fail(1, p.message, USAGE);
  if (p.operands.length !== 0) fail(1, USAGE);
  let showdata = false;
  let humanized = false;
  let verbose = false;
  let quiet = false;
  let fileid = 0;
  let modname: string | undefined;
  let filename: string | undefined;
  for (const o of p.opts) {
    if (o.opt === 'd') showdata = true;
    else if (o.opt === 'h') humanized = true;
    else if (o.opt === 'v') verbose = true;
    else if (o.opt === 'q') quiet = true;
    else if (o.opt === 'm') modname = o.arg;
    else if (o.opt === 'n') filename = o.arg;
    else if (o.opt === 'i') {
      if (!/^\d+$/.test(o.arg!)) fail(1, USAGE);
      fileid = Number(o.arg);
    }
  }
  const st = readHostStateSync(root);

  if (modname !== undefined) {
    const mod = registeredModules(st).find((m) => m.name === modname);
    if (!mod) {
      if (!quiet) writeErr(`kldstat: can't find module ${modname}: No such file or directory\n`);
      return 1;
    }
    if (quiet) return 0;
    writeOut(
      showdata
        ? `Id  Refs Name data..(int, uint, ulong)\n${String(mod.id).padStart(3)} ${'1'.padStart(4)} ${mod.name} (0, 0, 0x0)\n`
        : `Id  Refs Name\n${String(mod.id).padStart(3)} ${'1'.padStart(4)} ${mod.name}\n`,
    );
    return 0;
  }

  const files = loadedFiles(st);
  if (filename !== undefined) {
    const f = findFile(st, filename);
    if (!f) {
      if (!quiet) writeErr(`kldstat: can't find file ${filename}: No such file or directory\n`);
      return 1;
    }
    if (quiet) return 0;
    fileid = f.id;
  }
  let out = kldstatHeader(humanized);
  if (fileid !== 0) {
    const f = files.find((x) => x.id === fileid);
    if (!f) {
      writeOut(out);
      fail(1, `kldstat: can't stat file id ${fileid}: No such file or directory`);
    }
    out += kldstatRow(f, humanized, verbose, st);
  } else {
    for (const f of files) out += kldstatRow(f, humanized, verbose, st);
  }
  writeOut(out);
  return 0;
}
