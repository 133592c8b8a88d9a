// Bundles the CLI and the simulated host's tools with esbuild.
// A bundle starts in about half the time of unbundled ink + react (see stack notes),
// and every simulated tool is a process of its own, so its start-up time matters too.
import {build} from 'esbuild';
import {readdirSync, chmodSync, mkdirSync, rmSync} from 'node:fs';
import path from 'node:path';
import {bundleOptions, root} from './bundle-options.mjs';

const dist = path.join(root, 'dist');
mkdirSync(path.join(dist, 'sim'), {recursive: true});

const simBin = path.join(root, 'driver', 'sim', 'bin');
const simEntries = readdirSync(simBin).filter((f) => f.endsWith('.ts')).map((f) => path.join(simBin, f));

// The entry is a small launcher that paints the TUI's first frame; the rest of the program
// (Ink and React included) is a chunk it imports afterwards.
rmSync(path.join(dist, 'lib'), {recursive: true, force: true});
await Promise.all([
  // The daemon's definition worker (driver/daemon/definition-jobs.ts) is an entry of its own that
  // shares the parser's chunk with the CLI.
  build({
    ...bundleOptions({fastInkOutput: true}),
    entryPoints: {'bhyve-tui': path.join(root, 'src', 'launch.ts'), 'lib/definition-worker': path.join(root, 'driver', 'daemon', 'definition-worker.ts')},
    outdir: dist,
    splitting: true,
    chunkNames: 'lib/[name]-[hash]',
  }),
  simEntries.length > 0 &&
    build({...bundleOptions(), entryPoints: simEntries, outdir: path.join(dist, 'sim'), sourcemap: false}),
]);
chmodSync(path.join(dist, 'bhyve-tui.js'), 0o755);
