// Where bhyve-tui itself is installed: found from this module's own location, which works
// from the sources (tests run them through tsx), from the bundle in a checkout's dist/, and
// from an installed package (npm install -g: /usr/local/lib/node_modules/bhyve-tui/dist/).
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

let cached: string | undefined;

export function packageRoot(): string {
  if (cached) return cached;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg)) {
      try {
        if ((JSON.parse(fs.readFileSync(pkg, 'utf8')) as {name?: string}).name === 'bhyve-tui') return (cached = dir);
      } catch {
        // not ours; keep walking up
      }
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error('cannot find the bhyve-tui package root');
    dir = up;
  }
}

/** The bundled CLI, which also runs guest supervisors (`_run`). */
export function cliPath(): string {
  return path.join(packageRoot(), 'dist', 'bhyve-tui.js');
}
