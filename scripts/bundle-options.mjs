// esbuild settings shared by the product's build (scripts/build.mjs) and the benchmarks that
// bundle the UI the same way: production React, Ink's Output replaced (ink-output-plugin.mjs).
import {mkdirSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {inkOutputPlugin} from './ink-output-plugin.mjs';

export const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

/** Options for bundles that run on Node 20+; `fastInkOutput` swaps in our Output for Ink's. */
export function bundleOptions({fastInkOutput = false} = {}) {
  // ink imports react-devtools-core only when DEV is set; it is not a dependency.
  const stub = path.join(root, 'dist', 'devtools-stub.js');
  mkdirSync(path.dirname(stub), {recursive: true});
  writeFileSync(stub, 'export default {connectToDevTools() {}};\n');
  return {
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    logLevel: 'warning',
    alias: {'react-devtools-core': stub},
    define: {'process.env.NODE_ENV': '"production"'},
    banner: {
      js: "#!/usr/bin/env node\nimport {createRequire as __bt_cr} from 'node:module'; const require = __bt_cr(import.meta.url);",
    },
    plugins: fastInkOutput ? [inkOutputPlugin] : [],
  };
}
