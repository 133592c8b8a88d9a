// The daemon's definitions: the domain XML files of the config directory, each parsed at
// most once per version of the file (mtime and size), in the worker before a request needs
// it, and listed from a summary kept across daemon restarts. Nothing here knows whether a
// guest runs; the domain manager decides what may happen to a defined domain.
import fs from 'node:fs';
import path from 'node:path';
import {DriverError} from '../client/connection.js';
import type {HostLayout} from '../host/layout.js';
import {listDomainFiles, loadDomainFile, type StoredDomain} from './domain-store.js';
import {domainNameProblem} from '../domain/name.js';
import type {DomainDef} from '../domain/model.js';
import type {ProbedHostCaps} from '../bhyve/capabilities-probe.js';
import type {DefinitionJobs} from './definition-jobs.js';
import {writeFileAtomic} from '../io/atomic-file.js';
import pkg from '../../package.json' with {type: 'json'};

interface Cached {
  mtimeMs: number;
  size: number;
  stored: StoredDomain;
}

/** A definition as the list shows it. */
export interface Listed {
  ok: boolean;
  name: string;
  file: string;
  vcpus: number | null;
  memoryKiB: number | null;
  error?: string;
}

interface CachedListing {
  mtimeMs: number;
  size: number;
  listed: Listed;
}

function listedOf(d: StoredDomain): Listed {
  return d.ok
    ? {ok: true, name: d.name, file: d.file, vcpus: d.def.vcpus, memoryKiB: d.def.memoryKiB}
    : {ok: false, name: d.name, file: d.file, vcpus: null, memoryKiB: null, error: d.error};
}

export type ValidDomain = Extract<StoredDomain, {ok: true}>;

export class Definitions {
  private cache = new Map<string, Cached>();
  private listCache: Record<string, CachedListing> | undefined;
  /** Files being parsed in the worker, so that two requests share one parse. */
  private loading = new Map<string, Promise<void>>();
  private watcher: fs.FSWatcher | undefined;

  constructor(
    private readonly layout: HostLayout,
    /** parsing and scanning of definitions, off the event loop */
    private readonly jobs: DefinitionJobs,
  ) {}

  /** Watches the config directory so edits made outside bhyve-tui reach the clients. */
  watch(changed: () => void): void {
    try {
      fs.mkdirSync(this.layout.domainsDir, {recursive: true});
      let pending: NodeJS.Timeout | undefined;
      this.watcher = fs.watch(this.layout.domainsDir, () => {
        if (pending) return;
        pending = setTimeout(() => {
          pending = undefined;
          changed();
        }, 100);
      });
      this.watcher.on('error', () => {}); // clients still see changes on their next list
    } catch {
      // no file watching: clients still see changes on their next list
    }
  }

  close(): void {
    this.watcher?.close();
  }

  /** One definition file, parsed at most once per version of the file. */
  private loadCached(file: string, st: fs.Stats): StoredDomain {
    const hit = this.cache.get(file);
    if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.stored;
    const stored = loadDomainFile(file);
    this.cache.set(file, {mtimeMs: st.mtimeMs, size: st.size, stored});
    return stored;
  }

  /** Parses `file` in the worker unless the cache has this version of it. */
  private async refresh(file: string, listedToo = false): Promise<void> {
    let st: fs.Stats;
    try {
      st = fs.statSync(file);
    } catch {
      return;
    }
    const same = (x: {mtimeMs: number; size: number} | undefined) => x !== undefined && x.mtimeMs === st.mtimeMs && x.size === st.size;
    if (same(this.cache.get(file)) || (listedToo && same(this.readListCache()[file]))) return;
    let loading = this.loading.get(file);
    if (!loading) {
      loading = this.jobs.load(file).then(
        (r) => {
          if (r.stat) this.cache.set(file, {mtimeMs: r.stat.mtimeMs, size: r.stat.size, stored: r.stored});
        },
        () => {
          // the listing parses it in place, as it always could
        },
      );
      this.loading.set(file, loading);
      void loading.finally(() => this.loading.delete(file));
    }
    await loading;
  }

  /**
   * Brings the definitions a request needs up to date, parsing changed files in the worker:
   * `name`'s file, or every file (also when `name`'s is not NAME.xml); with `forList`, only
   * what the list cannot take from its summary. The synchronous lookups that follow then
   * find every file parsed, and the event loop never parses a large definition itself
   * (unless a file changes between the two, which costs one parse).
   */
  async prepare(name?: string, forList = false): Promise<void> {
    if (name !== undefined) {
      if (domainNameProblem(name)) return;
      const direct = path.join(this.layout.domainsDir, `${name}.xml`);
      await this.refresh(direct);
      if (this.cache.get(direct)?.stored.name === name) return;
    }
    for (const file of listDomainFiles(this.layout)) await this.refresh(file, forList);
  }

  /** Every definition, parsed (from the cache where the file has not changed). */
  all(): StoredDomain[] {
    const out: StoredDomain[] = [];
    const seen = new Set<string>();
    for (const file of listDomainFiles(this.layout)) {
      seen.add(file);
      try {
        out.push(this.loadCached(file, fs.statSync(file)));
      } catch {
        // removed meanwhile
      }
    }
    for (const file of this.cache.keys()) if (!seen.has(file)) this.cache.delete(file);
    return out;
  }

  /**
   * What the list needs of every definition (name, vCPUs, memory, first error), without
   * parsing files that have not changed since a previous daemon listed them: a fresh daemon
   * on a host with a thousand domains answers its first list from this summary.
   */
  listed(): Listed[] {
    const disk = this.readListCache();
    const fresh: Record<string, CachedListing> = {};
    let parsed = false;
    const out: Listed[] = [];
    for (const file of listDomainFiles(this.layout)) {
      let st: fs.Stats;
      try {
        st = fs.statSync(file);
      } catch {
        continue;
      }
      const mem = this.cache.get(file);
      const old = disk[file];
      let entry: Listed;
      if (mem && mem.mtimeMs === st.mtimeMs && mem.size === st.size) entry = listedOf(mem.stored);
      else if (old && old.mtimeMs === st.mtimeMs && old.size === st.size) entry = old.listed;
      else {
        entry = listedOf(this.loadCached(file, st));
        parsed = true;
      }
      fresh[file] = {mtimeMs: st.mtimeMs, size: st.size, listed: entry};
      out.push(entry);
    }
    if (parsed || Object.keys(disk).length !== out.length) this.writeListCache(fresh);
    return out;
  }

  private listCachePath(): string {
    return path.join(this.layout.runDir, '.definitions-cache.json');
  }

  private readListCache(): Record<string, CachedListing> {
    if (this.listCache) return this.listCache;
    try {
      const saved = JSON.parse(fs.readFileSync(this.listCachePath(), 'utf8')) as {version?: string; entries?: Record<string, CachedListing>};
      // Another version of bhyve-tui may judge definitions differently: start over.
      this.listCache = saved.version === pkg.version && saved.entries ? saved.entries : {};
    } catch {
      this.listCache = {};
    }
    return this.listCache;
  }

  private writeListCache(entries: Record<string, CachedListing>): void {
    this.listCache = entries;
    try {
      writeFileAtomic(this.listCachePath(), JSON.stringify({version: pkg.version, entries}), 0o600);
    } catch {
      // only a speed-up
    }
  }

  find(name: string): StoredDomain {
    const problem = domainNameProblem(name);
    if (problem) throw new DriverError(problem);
    // NAME.xml first: starting one domain should not parse every other one.
    const direct = path.join(this.layout.domainsDir, `${name}.xml`);
    try {
      const d = this.loadCached(direct, fs.statSync(direct));
      if (d.name === name) return d;
    } catch {
      // not there: look at every file
    }
    const d = this.all().find((x) => x.name === name);
    if (!d) throw new DriverError(`failed to get domain '${name}': no domain with that name is defined`);
    return d;
  }

  findValid(name: string): ValidDomain {
    const d = this.find(name);
    if (!d.ok) throw new DriverError(`domain '${name}' is invalid: ${d.error}`, `file: ${d.file}`);
    return d;
  }

  /**
   * The definition as libvirt would have parsed it with these caps. Only AHCI32SLOT matters
   * at parse time (SATA drive addresses: 32 per controller, or one controller per disk);
   * stored definitions are parsed with a current host's caps, so reparse only without it.
   */
  async forHost(d: ValidDomain, caps: ProbedHostCaps): Promise<DomainDef> {
    if (caps.caps.has('AHCI32SLOT')) return d.def;
    try {
      const r = await this.jobs.load(d.file, caps.caps);
      return r.stored.ok ? r.stored.def : d.def; // changed meanwhile: the next listing reports it
    } catch {
      return d.def;
    }
  }

  /** Checks `xml` in the worker and writes it as its domain's definition; the name it defines. */
  async define(xml: string): Promise<{name: string}> {
    if (Buffer.byteLength(xml) > 1024 * 1024) throw new DriverError('domain XML over 1 MiB is refused');
    const parsed = await this.jobs.parse(xml);
    if ('error' in parsed) {
      const loc = parsed.error;
      throw new DriverError(`${loc.line ? `line ${loc.line}${loc.column ? `, column ${loc.column}` : ''}: ` : ''}${loc.message}`);
    }
    const {name} = parsed;
    const bad = domainNameProblem(name);
    if (bad) throw new DriverError(bad);
    await this.prepare();
    // The existing file for this name, wherever it is, else NAME.xml.
    const existing = this.all().find((d) => d.name === name);
    const file = existing?.file ?? path.join(this.layout.domainsDir, `${name}.xml`);
    // Temp file and rename: a full disk fails the define with one line naming the file and
    // leaves the definition that was there untouched.
    writeFileAtomic(file, xml, 0o644);
    return {name};
  }
}
