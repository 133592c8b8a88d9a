// What each domain is doing, as the daemon tells its clients: a supervised run's phase,
// else what the run directory and /dev/vmm say (an orphan, a preserved crash, how it last
// stopped); the list of every domain with its state, and one domain's details.
import fs from 'node:fs';
import type {DomainDetails, DomainState, DomainSummary} from '../client/connection.js';
import type {HostLayout} from '../host/layout.js';
import type {HostCapsProbe} from '../bhyve/capabilities-probe.js';
import type {ProcessSample} from '../host/process-table.js';
import type {GuestRun} from '../supervise/guest-run.js';
import {readRunRecord, readStopRecord, runRecordName, stopRecordName, type RunRecord} from '../supervise/run-state.js';
import {vmInstanceExists} from '../supervise/domain-monitor.js';
import {domainPreview} from '../domain/preview.js';
import {needsCleanup} from '../domain/state.js';
import {autostartDir, readAutostart} from './autostart.js';
import type {Definitions} from './definitions.js';
import type {GuestSampler} from './process-sampling.js';

/** What tells a domain's state: the runs the daemon supervises, and the host's files. */
export interface StateSources {
  readonly layout: HostLayout;
  readonly runs: ReadonlyMap<string, GuestRun>;
}

export interface Observed {
  state: DomainState;
  reason?: string;
  pid?: number;
  record?: RunRecord;
}

export function observe(d: StateSources, name: string): Observed {
  const run = d.runs.get(name);
  if (run) {
    const out: Observed = {state: run.state, record: run.record};
    if (run.record.pid) out.pid = run.record.pid;
    if (run.state === 'running') out.reason = run.record.exitHandled?.action === 'restart' ? 'rebooted' : 'booted';
    if (run.state === 'in shutdown') out.reason = 'ACPI power button';
    return out;
  }
  const record = readRunRecord(d.layout, name);
  if (record || vmInstanceExists(d.layout, name)) {
    const stop = readStopRecord(d.layout, name);
    if (!record && stop?.state === 'crashed') return {state: 'crashed', reason: stop.reason};
    return {state: 'orphaned', reason: record ? 'run record without a process' : `/dev/vmm/${name} without a process`};
  }
  const stop = readStopRecord(d.layout, name);
  if (stop) return {state: stop.state, reason: stop.reason};
  return {state: 'shut off'};
}

function dirSet(dir: string): Set<string> {
  try {
    return new Set(fs.readdirSync(dir));
  } catch {
    return new Set();
  }
}

export async function listDomains(d: StateSources & {definitions: Definitions; sampler: GuestSampler}): Promise<DomainSummary[]> {
  const samples = d.runs.size > 0 ? await d.sampler.sample(d.runs) : new Map<number, ProcessSample>();
  // One read of each directory instead of several failing opens per domain.
  const runDir = dirSet(d.layout.runDir);
  const autostart = dirSet(autostartDir(d.layout));
  const vmm = dirSet(d.layout.vmmDir);
  return d.definitions.listed().map((def) => {
    const auto = autostart.has(`${def.name}.json`);
    if (!def.ok)
      return {
        name: def.name,
        state: 'invalid',
        vcpus: null,
        memoryKiB: null,
        file: def.file,
        autostart: auto,
        error: def.error ?? 'invalid definition',
        problemCount: 1,
      };
    const s: DomainSummary = {name: def.name, state: 'shut off', vcpus: def.vcpus, memoryKiB: def.memoryKiB, file: def.file, autostart: auto, problemCount: 0};
    const quiet = !d.runs.has(def.name) && !runDir.has(runRecordName(def.name)) && !runDir.has(stopRecordName(def.name)) && !vmm.has(def.name);
    if (quiet) return s;
    const seen = observe(d, def.name);
    s.state = seen.state;
    if (seen.reason) s.reason = seen.reason;
    if (seen.pid) {
      s.pid = seen.pid;
      const sample = samples.get(seen.pid);
      if (sample) {
        s.cpuPercent = sample.cpuPercent;
        s.rssKiB = sample.rssKiB;
      }
    }
    if (seen.record?.shutdown) s.shutdownDeadline = seen.record.shutdown.deadline;
    const stop = runDir.has(stopRecordName(def.name)) ? readStopRecord(d.layout, def.name) : null;
    if (stop?.error && seen.state === 'shut off') {
      s.lastError = stop.error;
      s.problemCount++;
    }
    if (needsCleanup(seen.state)) s.problemCount++;
    return s;
  });
}

export async function domainDetails(d: StateSources & {definitions: Definitions; hostCaps: HostCapsProbe}, name: string): Promise<DomainDetails> {
  d.definitions.findValid(name);
  const caps = await d.hostCaps.get();
  const def = d.definitions.findValid(name);
  const seen = observe(d, name);
  const details = domainPreview(
    d.layout,
    await d.definitions.forHost(def, caps),
    def.file,
    {
      state: seen.state,
      ...(seen.reason ? {reason: seen.reason} : {}),
      autostart: readAutostart(d.layout, name) !== null,
      taps: seen.record?.taps ?? [],
    },
    caps,
  );
  if (caps.problem) {
    // Built with no caps, the lines would fail on the first cap; say why instead.
    delete details.commands;
    details.commandsError = caps.problem;
  }
  return details;
}
