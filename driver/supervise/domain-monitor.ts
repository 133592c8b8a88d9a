// The kernel's view of a guest: its VM instance in /dev/vmm, which outlives bhyve until
// `bhyvectl --destroy` (or, on a host without vmm loaded, does not exist at all).
import fs from 'node:fs';
import path from 'node:path';
import type {HostLayout} from '../host/layout.js';

export function vmInstanceExists(layout: HostLayout, name: string): boolean {
  return fs.existsSync(path.join(layout.vmmDir, name));
}
