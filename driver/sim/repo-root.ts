// The simulator's wrappers and relay live in the bhyve-tui checkout. This code runs from
// source (tsx), from dist/sim/*.js and bundled into dist/bhyve-tui.js, so the checkout is
// found by walking up to the package.json named bhyve-tui rather than by a fixed offset.
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

let cached: string | undefined;

export function repoRoot(): string {
  if (cached) return cached;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as {name?: string};
      if (pkg.name === 'bhyve-tui') return (cached = dir);
    } catch {
      /* no package.json here */
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error('bhyve-tui checkout not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}
