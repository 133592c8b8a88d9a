// The simulator is one host backend among two, not something production code reaches into:
// outside driver/sim/ only the module that picks the backend for a URI may import from it,
// and only the simulator knows its state file. A regression here is a sim:// special case
// creeping back into the driver, which FreeBSD would then run too.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** What ships: the launcher and its verbs, the driver, the TUI. (test/ and scripts/ drive the simulator on purpose.) */
const productDirs = ['src', 'driver', 'ui'];
const simDir = 'driver/sim/';
/** The one place that turns a URI into a backend, and so the one place that names the simulator's. */
const backendChoice = 'driver/host/backend-for-uri.ts';

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(repoRoot, dir), {withFileTypes: true})) {
    const rel = path.posix.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules') out.push(...sourceFiles(rel));
    } else if (/\.(ts|tsx|mts|cts|js|mjs|cjs)$/.test(e.name) && !e.name.endsWith('.d.ts')) {
      out.push(rel);
    }
  }
  return out;
}

/** Every module a file names: static imports and re-exports (also multi-line), side-effect imports, import() and require(). */
function importedSpecifiers(text: string): string[] {
  const patterns = [
    /\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  return patterns.flatMap((re) => [...text.matchAll(re)].map((m) => m[1]!));
}

/** `file`'s imports that land in driver/sim/, as "file -> target". */
function simImports(file: string): string[] {
  const text = fs.readFileSync(path.join(repoRoot, file), 'utf8');
  const found: string[] = [];
  for (const spec of importedSpecifiers(text)) {
    if (!spec.startsWith('.')) continue; // packages; the repository has no self-reference
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
    if (target.startsWith(simDir)) found.push(`${file} -> ${target}`);
  }
  return found;
}

const outsideSim = productDirs.flatMap(sourceFiles).filter((f) => !f.startsWith(simDir));

test('nothing outside driver/sim/ imports the simulator except the backend choice', (t) => {
  const offenders = outsideSim.filter((f) => f !== backendChoice).flatMap(simImports);
  t.deepEqual(offenders, [], `these import driver/sim/ directly; ask the host backend (driver/host/backend.ts) instead:\n${offenders.join('\n')}`);
});

test('the backend choice exists and is where the simulator is named (the scan sees its import)', (t) => {
  t.true(outsideSim.includes(backendChoice), `${backendChoice} is missing`);
  t.true(simImports(backendChoice).length > 0, `${backendChoice} imports nothing from ${simDir}: the scan is broken or the allowance is stale`);
});

test('only the simulator reads its host.json: no code outside driver/sim/ names the file', (t) => {
  const naming = outsideSim.filter((f) => /['"`/]host\.json['"`]/.test(fs.readFileSync(path.join(repoRoot, f), 'utf8')));
  t.deepEqual(naming, [], "these name the simulator's host.json; its facts come from the backend (hostFacts())");
});
