// What package.json declares is what the project uses, and installing the package never
// compiles anything: a stock FreeBSD host (pkg install node22 npm-node22) has no C++
// compiler, gmake or python3 for node-gyp, and no prebuilt binaries are published for it.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import {repoRoot} from '../helpers/sim-dir.js';

type Manifest = {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  scripts?: Record<string, string>;
  ava?: {nodeArguments?: string[]};
  bin?: string | Record<string, string>;
};
type LockEntry = {dev?: boolean; hasInstallScript?: boolean};

const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as Manifest;
const lock = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package-lock.json'), 'utf8')) as {packages: Record<string, LockEntry>};

test('no package that npm installs with bhyve-tui has an install script', (t) => {
  // The lock marks packages whose preinstall/install/postinstall (or a binding.gyp) runs at
  // install time; dev entries are never installed from the packed tarball.
  const scripted = Object.entries(lock.packages)
    .filter(([where, entry]) => where !== '' && entry.hasInstallScript && !entry.dev)
    .map(([where]) => where.replace(/^.*node_modules\//, ''));
  t.deepEqual(scripted, [], `these run an install script (node-gyp needs a compiler on FreeBSD): ${scripted.join(', ')}`);
});

/** The package a module specifier names: '@scope/name/sub' → '@scope/name', 'name/sub' → 'name'. */
function packageOf(specifier: string): string | null {
  if (specifier.startsWith('.') || specifier.startsWith('/')) return null;
  if (specifier.startsWith('node:')) return 'node:';
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

function importedPackages(): Set<string> {
  const found = new Set<string>();
  const pattern = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, {withFileTypes: true})) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.(?:[cm]?[jt]s|tsx)$/.test(entry.name)) {
        for (const m of fs.readFileSync(full, 'utf8').matchAll(pattern)) {
          const pkg = packageOf(m[1]!);
          if (pkg) found.add(pkg);
        }
      }
    }
  };
  for (const dir of ['src', 'ui', 'driver', 'scripts', 'test']) walk(path.join(repoRoot, dir));
  return found;
}

/** Command names a package installs into node_modules/.bin. */
function binNames(pkg: string): string[] {
  let own: Manifest;
  try {
    own = JSON.parse(fs.readFileSync(path.join(repoRoot, 'node_modules', pkg, 'package.json'), 'utf8')) as Manifest;
  } catch {
    return []; // not installed: no command to run either
  }
  if (typeof own.bin === 'string') return [pkg.replace(/^@.*\//, '')];
  return Object.keys(own.bin ?? {});
}

test('every declared dependency is used', (t) => {
  const imported = importedPackages();
  // Besides imports: the scripts run a package's command (tsc) or load it as a hook (tsx).
  const commandLines = [...Object.values(manifest.scripts ?? {}), ...(manifest.ava?.nodeArguments ?? [])].join('\n');
  const named = (word: string) => new RegExp(`(?:^|[\\s=])${word.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}(?:$|\\s)`, 'm').test(commandLines);
  const used = (pkg: string): boolean => {
    const typed = /^@types\/(.+)$/.exec(pkg);
    // @types/node types the node: modules; @types/a__b types @a/b.
    if (typed) return typed[1] === 'node' ? imported.has('node:') : used(typed[1]!.includes('__') ? `@${typed[1]!.replace('__', '/')}` : typed[1]!);
    return imported.has(pkg) || named(pkg) || binNames(pkg).some(named);
  };
  const declared = [...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.devDependencies ?? {})];
  const unused = declared.filter((pkg) => !used(pkg));
  t.deepEqual(unused, [], `declared but never imported or run: ${unused.join(', ')}`);
});
