// Which domains start with the host, in what order and after what delay: one small JSON
// file per domain in the config directory's autostart/, read by the daemon at host boot.
import path from 'node:path';
import type {HostLayout} from '../host/layout.js';
import type {StoredDomain} from './domain-store.js';
import {readBoundedText} from '../io/bounded-read.js';
import {writeFileAtomic} from '../io/atomic-file.js';
import {removeFile} from '../io/fs-errors.js';
import {LIMITS, wholeNumberProblem, type WholeNumberLimit} from '../protocol/request-limits.js';

export interface AutostartEntry {
  order: number;
  delayS: number;
}

export function autostartDir(layout: HostLayout): string {
  return path.join(layout.configDir, 'autostart');
}

function autostartPath(layout: HostLayout, name: string): string {
  return path.join(autostartDir(layout), `${name}.json`);
}

export function readAutostart(layout: HostLayout, name: string): AutostartEntry | null {
  try {
    const saved = JSON.parse(readBoundedText(autostartPath(layout, name), {maxBytes: 4096})) as Partial<AutostartEntry> | null;
    // A hand-edited entry with a value a timer or the sort cannot hold starts with the defaults.
    const ok = (v: unknown, limit: WholeNumberLimit) => (wholeNumberProblem(v, limit) === null ? (v as number) : 0);
    return {order: ok(saved?.order, LIMITS.autostartOrder), delayS: ok(saved?.delayS, LIMITS.autostartDelayS)};
  } catch {
    return null;
  }
}

/** What is wrong with an entry a client asked for, or null. */
export function autostartProblem(entry: Partial<AutostartEntry>): string | null {
  return (
    (entry.order !== undefined ? wholeNumberProblem(entry.order, LIMITS.autostartOrder) : null) ??
    (entry.delayS !== undefined ? wholeNumberProblem(entry.delayS, LIMITS.autostartDelayS) : null)
  );
}

/** Marks `name` as autostarted with `entry` (defaults 0), or unmarks it (null). */
export function saveAutostart(layout: HostLayout, name: string, entry: Partial<AutostartEntry> | null): void {
  if (!entry) removeFile(autostartPath(layout, name));
  else writeFileAtomic(autostartPath(layout, name), JSON.stringify({order: entry.order ?? 0, delayS: entry.delayS ?? 0}), 0o644);
}

/** Domains marked autostart, in start order (then by name). */
export function autostartList(layout: HostLayout, definitions: StoredDomain[]): {name: string; entry: AutostartEntry}[] {
  return definitions
    .filter((d) => d.ok)
    .map((d) => ({name: d.name, entry: readAutostart(layout, d.name)}))
    .filter((x): x is {name: string; entry: AutostartEntry} => x.entry !== null)
    .sort((a, b) => a.entry.order - b.entry.order || a.name.localeCompare(b.name));
}
