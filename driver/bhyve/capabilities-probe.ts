// The host's bhyve capabilities, probed as libvirt's bhyve driver does at driver start
// (src/bhyve/bhyve_capabilities.c: `bhyve -h`, `bhyve -s 0,EMUL` for each device,
// `bhyve -l bootrom`, `grub-bhyve --help`), once per daemon start. The answer is kept in
// the run directory keyed by the binaries' identity (resolved path, dev, inode, size,
// mtime): a daemon restart with the same bhyve does not run the probes again, an upgraded
// bhyve (freebsd-update replaces the file) is probed again.
import fs from 'node:fs';
import path from 'node:path';
import {DriverError} from '../client/connection.js';
import type {HostLayout} from '../host/layout.js';
import {runTool, type ToolResult} from '../host/tools.js';
import {writeFileAtomic} from '../io/atomic-file.js';
import {bhyveCapsFrom, capNames, capsFromProbeOutputs, grubCapsFrom, GRUB_CAP_NAMES, type BhyveProbeOutputs, type HostCaps} from './capabilities.js';

/** What identifies one installed binary: a replaced or rewritten file differs in one of these. */
interface BinaryIdentity {
  /** resolved path (symlinks followed), as this process sees it */
  path: string;
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
}

export interface ProbedHostCaps extends HostCaps {
  /** null: there is no bhyve (then there are no caps, as in libvirt) */
  bhyve: BinaryIdentity | null;
  grub: BinaryIdentity | null;
  /** the host's release (uname -r; host.json's osrelease on a simulated host) */
  release: string | null;
  probedAt: string;
  fromCache: boolean;
  /** why the caps are empty or could not be trusted, one line */
  problem?: string;
}

/** Bump when the interpretation of the probe outputs changes: old cache files are then ignored. */
const CACHE_FORMAT = 1;

/** libvirt's probe commands, in its order (virBhyveProbeCaps). */
const PROBES: readonly (readonly [keyof BhyveProbeOutputs, string[]])[] = [
  ['help', ['-h']],
  ['ahci', ['-s', '0,ahci']],
  ['e1000', ['-s', '0,e1000']],
  ['bootrom', ['-l', 'bootrom']],
  ['fbuf', ['-s', '0,fbuf']],
  ['xhci', ['-s', '0,xhci']],
  ['hda', ['-s', '0,hda']],
  ['fbufPassword', ['-s', '0,fbuf,password=']],
  ['virtio9p', ['-s', '0,virtio-9p']],
  ['virtioRnd', ['-s', '0,virtio-rnd']],
];

function capsCachePath(layout: HostLayout): string {
  return path.join(layout.runDir, 'bhyve-caps.json');
}

function binaryIdentity(file: string): BinaryIdentity | null {
  try {
    const real = fs.realpathSync(file);
    const st = fs.statSync(real);
    if (!st.isFile()) return null;
    return {path: real, dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs};
  } catch {
    return null;
  }
}

function sameIdentity(a: BinaryIdentity | null, b: BinaryIdentity | null): boolean {
  if (a === null || b === null) return a === b;
  return a.path === b.path && a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

/** uname -r of the host; on a simulated host the release its host.json says it runs. */
function hostRelease(layout: HostLayout): string | null {
  return layout.backend.hostFacts().osrelease;
}

const firstLine = (r: ToolResult) => (r.stderr.trim() || r.stdout.trim()).split('\n')[0] ?? '';

/** Runs at most `limit` of the jobs at a time (the probes are short processes; a 2-core host should stay responsive). */
async function pool<T>(jobs: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({length: Math.min(limit, jobs.length)}, worker));
  return out;
}

/** Runs the probes now (no cache). */
async function probeHostCaps(layout: HostLayout): Promise<ProbedHostCaps> {
  const bhyve = binaryIdentity(layout.tool('bhyve'));
  const grub = binaryIdentity(layout.tool('grub-bhyve'));
  const base = {bhyve, grub, release: hostRelease(layout), probedAt: new Date().toISOString(), fromCache: false};
  const none = (problem: string): ProbedHostCaps => ({...base, caps: new Set(), grubCaps: new Set(), problem});
  if (!bhyve) return none(`bhyve not found (${layout.tool('bhyve')})`);
  const outputs: BhyveProbeOutputs = {};
  let results: ToolResult[];
  try {
    results = await pool(
      PROBES.map(
        ([, args]) =>
          () =>
            runTool(layout, 'bhyve', args, 10_000),
      ),
      3,
    );
  } catch (e) {
    return none(`bhyve could not be probed: ${(e as Error).message}`);
  }
  // bhyve writes its usage and its complaints to stderr; that is what libvirt reads
  PROBES.forEach(([key], i) => {
    outputs[key] = results[i]!.stderr;
  });
  const help = results[0]!;
  if (!/^Usage: /m.test(help.stderr)) {
    // Not a bhyve we can read (or one that refuses to run): no caps rather than made-up ones.
    return none(`\`bhyve -h\` printed no usage text (exit status ${help.exitCode}${firstLine(help) ? `: ${firstLine(help)}` : ''})`);
  }
  if (grub) {
    try {
      outputs.grubHelp = (await runTool(layout, 'grub-bhyve', ['--help'], 10_000)).stdout;
    } catch {
      // libvirt: grub-bhyve that cannot run gives no grub caps
    }
  }
  return {...base, ...capsFromProbeOutputs(outputs)};
}

interface CacheFile {
  format: number;
  bhyve: BinaryIdentity;
  grub: BinaryIdentity | null;
  release: string | null;
  probedAt: string;
  caps: string[];
  grubCaps: string[];
}

function readCache(layout: HostLayout, bhyve: BinaryIdentity | null, grub: BinaryIdentity | null): ProbedHostCaps | undefined {
  if (!bhyve) return undefined;
  try {
    const c = JSON.parse(fs.readFileSync(capsCachePath(layout), 'utf8')) as CacheFile;
    if (c.format !== CACHE_FORMAT || !sameIdentity(c.bhyve, bhyve) || !sameIdentity(c.grub ?? null, grub)) return undefined;
    return {
      bhyve,
      grub,
      release: hostRelease(layout) ?? c.release,
      probedAt: c.probedAt,
      fromCache: true,
      caps: bhyveCapsFrom(c.caps),
      grubCaps: grubCapsFrom(c.grubCaps.filter((n) => (GRUB_CAP_NAMES as readonly string[]).includes(n))),
    };
  } catch {
    return undefined; // missing, unreadable or from another version: probe again
  }
}

function writeCache(layout: HostLayout, r: ProbedHostCaps): void {
  if (!r.bhyve || r.problem) return;
  // The run directory holds the daemon's socket: owner only, whoever makes it first.
  fs.mkdirSync(layout.runDir, {recursive: true, mode: 0o700});
  const c: CacheFile = {
    format: CACHE_FORMAT,
    bhyve: r.bhyve,
    grub: r.grub,
    release: r.release,
    probedAt: r.probedAt,
    caps: capNames(r.caps),
    grubCaps: [...r.grubCaps],
  };
  writeFileAtomic(capsCachePath(layout), `${JSON.stringify(c, null, 2)}\n`, 0o600);
}

/** The last answer per host (by root), for code that builds command lines synchronously. */
const known = new Map<string, ProbedHostCaps>();

/**
 * The caps a command line is built with right now: the daemon's answer, else the cache
 * file if it matches the installed binaries. Throws when neither exists (no daemon probed).
 */
export function currentHostCaps(layout: HostLayout): ProbedHostCaps {
  const mine = known.get(layout.key);
  if (mine) return mine;
  const cached = readCache(layout, binaryIdentity(layout.tool('bhyve')), binaryIdentity(layout.tool('grub-bhyve')));
  if (cached) return cached;
  throw new DriverError("bhyve's capabilities have not been probed yet; try again in a moment");
}

/** One host's caps: probed once, reused while the binaries stay the same. */
export class HostCapsProbe {
  private last: ProbedHostCaps | undefined;
  private pending: Promise<ProbedHostCaps> | undefined;
  /** daemon log; set by the daemon */
  log: (line: string) => void = () => {};

  constructor(private readonly layout: HostLayout) {}

  /** The last answer, without waiting. */
  current(): ProbedHostCaps | undefined {
    return this.last;
  }

  /** The caps of the binaries as installed now: the last answer, the cache file, or a probe (one at a time). */
  get(): Promise<ProbedHostCaps> {
    const bhyve = binaryIdentity(this.layout.tool('bhyve'));
    const grub = binaryIdentity(this.layout.tool('grub-bhyve'));
    if (this.last && sameIdentity(this.last.bhyve, bhyve) && sameIdentity(this.last.grub, grub)) return Promise.resolve(this.last);
    if (this.pending) return this.pending;
    const cached = readCache(this.layout, bhyve, grub);
    if (cached) {
      this.settle(cached);
      return Promise.resolve(cached);
    }
    const pending = probeHostCaps(this.layout).then((r) => {
      try {
        writeCache(this.layout, r);
      } catch (e) {
        this.log(`cannot save bhyve capabilities in ${capsCachePath(this.layout)}: ${(e as Error).message}`);
      }
      this.settle(r);
      return r;
    });
    this.pending = pending;
    void pending.finally(() => {
      if (this.pending === pending) this.pending = undefined;
    });
    return pending;
  }

  private settle(r: ProbedHostCaps): void {
    this.last = r;
    known.set(this.layout.key, r);
    const what = r.problem ? `none: ${r.problem}` : `${capNames(r.caps).join(' ') || 'none'}; grub-bhyve: ${[...r.grubCaps].join(' ') || 'none'}`;
    this.log(`bhyve capabilities ${r.fromCache ? 'from cache' : 'probed'} (${r.release ?? 'release unknown'}, ${r.bhyve?.path ?? 'no bhyve'}): ${what}`);
  }

  /** Forgets this host's answer (daemon shutdown). */
  close(): void {
    if (known.get(this.layout.key) === this.last) known.delete(this.layout.key);
  }
}
