// Where libvirt inserts disks and controllers in a definition's device lists.

import {diskNameToIndex} from './identifiers.js';
import type {ControllerDef, DiskDef} from './model.js';

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

/**
 * Where a sequence of insertions puts things, computed at once: `list` in the order it was
 * read, ordered as if each item had been inserted with `insert` into an empty list.
 *
 * Both insertions keep the items of one group (bus, controller type) together: an item goes
 * next to one of its group, or to the end when it is the first of its group. So the groups
 * stay in the order their first items came, and within a group the insertion keeps the items
 * sorted by their key, in reading order for equal keys (it goes before the first item with a
 * greater key, else after the last of the group). A controller without an index (-1) goes
 * after the last of its group, so it stays behind every item read before it and ahead of
 * every later one whose index is at least the greatest index read before it: its key is that
 * greatest index. Sorting by (key, reading order) gives the same list in O(n log n) instead
 * of a pass over the list for each item.
 */
function orderByGroups<T>(list: readonly T[], group: (item: T) => string, key: (item: T, greatestBefore: number) => number): T[] {
  const groups = new Map<string, {items: {item: T; key: number; at: number}[]; greatest: number}>();
  list.forEach((item, at) => {
    const name = group(item);
    let g = groups.get(name);
    if (!g) groups.set(name, (g = {items: [], greatest: -Infinity}));
    const k = key(item, g.greatest);
    g.items.push({item, key: k, at});
    g.greatest = Math.max(g.greatest, k);
  });
  const out: T[] = [];
  for (const g of groups.values()) {
    g.items.sort((a, b) => a.key - b.key || a.at - b.at);
    for (const x of g.items) out.push(x.item);
  }
  return out;
}

/** The disks as insertDisk would have put them, one after the other, into an empty list. */
export function orderDisks(disks: readonly DiskDef[]): DiskDef[] {
  return orderByGroups(
    disks,
    (d) => d.target.bus,
    (d) => diskNameToIndex(d.target.dev),
  );
}

/** The controllers as insertController would have put them, one after the other, into an empty list. */
export function orderControllers(controllers: readonly ControllerDef[]): ControllerDef[] {
  return orderByGroups(
    controllers,
    (c) => c.type,
    (c, greatestBefore) => (c.index === -1 ? greatestBefore : c.index),
  );
}
