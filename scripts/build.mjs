// Bundles the CLI and the simulated host's tools with esbuild.
// A bundle starts in about half the time of unbundled ink + react (see stack notes),
// and every simulated tool is a process of its own, so its start-up time matters too.
import {build} from 'esbuild';
import {readdirSync, chmodSync, mkdirSync, rmSync, writeFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const dist = path.join(root, 'dist');
mkdirSync(path.join(dist, 'sim'), {recursive: true});
// ink imports react-devtools-core only when DEV is set; it is not a dependency.
const stub = path.join(dist, 'devtools-stub.js');
writeFileSync(stub, 'export default {connectToDevTools() {}};\n');

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  alias: {'react-devtools-core': stub},
  // serialport has a native binding; it is loaded from node_modules at run time.
  external: ['serialport', '@serialport/*'],
  define: {'process.env.NODE_ENV': '"production"'},
  banner: {
    js: "#!/usr/bin/env node\nimport {createRequire as __bt_cr} from 'node:module'; const require = __bt_cr(import.meta.url);",
  },
};

const simBin = path.join(root, 'driver', 'sim', 'bin');
const simEntries = readdirSync(simBin).filter((f) => f.endsWith('.ts')).map((f) => path.join(simBin, f));

// The entry is a small launcher that paints the TUI's first frame; the rest of the program
// (Ink and React included) is a chunk it imports afterwards.
rmSync(path.join(dist, 'lib'), {recursive: true, force: true});
await Promise.all([
  build({...common, entryPoints: {'bhyve-tui': path.join(root, 'src', 'launch.ts')}, outdir: dist, splitting: true, chunkNames: 'lib/[name]-[hash]'}),
  simEntries.length > 0 &&
    build({...common, entryPoints: simEntries, outdir: path.join(dist, 'sim'), sourcemap: false}),
]);
chmodSync(path.join(dist, 'bhyve-tui.js'), 0o755);
