// Bundles the CLI and the simulated host's tools with esbuild.
// A bundle starts in about half the time of unbundled ink + react (see stack notes),
// and every simulated tool is a process of its own, so its start-up time matters too.
import {build} from 'esbuild';
import {createHash} from 'node:crypto';
import {readdirSync, readFileSync, chmodSync, mkdirSync, rmSync} from 'node:fs';
import path from 'node:path';
import {bundleOptions, root} from './bundle-options.mjs';

/**
 * The build's identity, which a daemon and its clients exchange in their hello
 * (driver/protocol/methods.ts): the version and a hash of every source file that goes into
 * the bundle, so two builds of one version are told apart in messages.
 */
function buildId() {
  const hash = createHash('sha256');
  const walk = (dir) => {
    for (const entry of readdirSync(dir, {withFileTypes: true}).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== '__pycache__') walk(file);
      } else if (/\.(ts|tsx|py)$/.test(entry.name)) {
        hash
          .update(`${path.relative(root, file)}\0`)
          .update(readFileSync(file))
          .update('\0');
      }
    }
  };
  for (const dir of ['src', 'driver', 'ui']) walk(path.join(root, dir));
  for (const file of ['package.json', 'package-lock.json']) hash.update(readFileSync(path.join(root, file)));
  const {version} = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  return `${version}+${hash.digest('hex').slice(0, 12)}`;
}

const dist = path.join(root, 'dist');
mkdirSync(path.join(dist, 'sim'), {recursive: true});

const simBin = path.join(root, 'driver', 'sim', 'bin');
const simEntries = readdirSync(simBin)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => path.join(simBin, f));

// The entry is a small launcher that paints the TUI's first frame; the rest of the program
// (Ink and React included) is a chunk it imports afterwards.
rmSync(path.join(dist, 'lib'), {recursive: true, force: true});
await Promise.all([
  // The daemon's definition worker (driver/daemon/definition-jobs.ts) is an entry of its own that
  // shares the parser's chunk with the CLI.
  build({
    ...bundleOptions({fastInkOutput: true}),
    define: {...bundleOptions().define, __BHYVE_TUI_BUILD__: JSON.stringify(buildId())},
    entryPoints: {'bhyve-tui': path.join(root, 'src', 'launch.ts'), 'lib/definition-worker': path.join(root, 'driver', 'daemon', 'definition-worker.ts')},
    outdir: dist,
    splitting: true,
    chunkNames: 'lib/[name]-[hash]',
  }),
  simEntries.length > 0 && build({...bundleOptions(), entryPoints: simEntries, outdir: path.join(dist, 'sim'), sourcemap: false}),
]);
chmodSync(path.join(dist, 'bhyve-tui.js'), 0o755);
