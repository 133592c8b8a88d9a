// Where libvirt inserts disks and controllers in a definition's device lists.

import { diskNameToIndex } from './domain-identifiers.js';
import type { ControllerDef, DiskDef } from './domain-model.js';

/** virDomainDiskInsert: after the last disk on the same bus, before any with a higher target index. */
export function insertDisk(list: DiskDef[], disk: DiskDef): void {
  let insertAt = -1;
  const newIdx = diskNameToIndex(disk.target.dev);
  for (let i = list.length - 1; i >= 0; i--) {
    const cur = list[i]!;
    if (cur.target.bus !== disk.target.bus) continue;
    if (diskNameToIndex(cur.target.dev) > newIdx) insertAt = i;
    else if (insertAt === -1) insertAt = i + 1;
  }
  if (insertAt === -1) list.push(disk);
  else list.splice(insertAt, 0, disk);
}

/** virDomainControllerInsertPreAlloced: controllers of one type stay sorted by index. */
export function insertController(list: ControllerDef[], c: ControllerDef): void {
  let insertAt = -1;
  for (let i = list.length - 1; i >= 0; i--) {
    const cur = list[i]!;
    if (cur.type !== c.type) continue;
    if (c.index === -1) {
      insertAt = i + 1;
      break;
    }
    if (cur.index > c.index) insertAt = i;
    else if (insertAt === -1) insertAt = i + 1;
  }
  if (insertAt === -1) list.push(c);
  else list.splice(insertAt, 0, c);
}
