// What is wrong with a domain, for the errors view and the list's problem count: its
// definition's first error, what the host lacks for a start (preflight, a console or disk
// another running domain holds), an orphan's leftovers, and how its last start or run
// ended. The clash checks serve the start too, which refuses on the same grounds.
import type {DomainProblem} from '../client/connection.js';
import {domainFacts} from '../domain/facts.js';
import {canStart} from '../domain/state.js';
import {placeOf, type DefinitionSubject} from '../domain/definition-scan.js';
import {conflictingUse, fileUse, preflight, type PreflightFacts} from '../supervise/start-preflight.js';
import {readStopRecord} from '../supervise/run-state.js';
import {domainLogPath} from '../supervise/domain-log.js';
import type {DefinitionJobs} from './definition-jobs.js';
import type {Definitions} from './definitions.js';
import type {HostInfo} from './host-status.js';
import {observe, type StateSources} from './domain-status.js';

export function diskClash(d: {path: string; as: string; other: string}): string {
  return `its disk image ${d.path} is in use by running domain '${d.other}'${d.as === d.path ? '' : ` (as ${d.as})`}`;
}

/**
 * A console device of `consoles` that a running domain other than `name` holds (two guests
 * on one nmdm pair would read each other's keystrokes), compared as the devices the paths
 * name: /dev/nmdm0B, /dev//nmdm0B and a symlink to it are one device.
 */
export function consoleInUse(d: StateSources, name: string, consoles: readonly {master: string; slave: string}[]): {path: string; other: string} | undefined {
  const mine = consoles.flatMap((c) => [c.master, c.slave]).map((p) => ({path: p, exclusive: true}));
  for (const [other, run] of d.runs) {
    if (other === name) continue;
    const theirs = domainFacts(run.definition)
      .consoles.flatMap((c) => [c.master, c.slave])
      .map((p) => ({path: p, exclusive: true}));
    const clash = conflictingUse(d.layout, mine, theirs);
    if (clash) return {path: clash.mine, other};
  }
  return undefined;
}

/** A disk image of `files` that a running domain other than `name` uses, where one of the two would write it (compared as files). */
export function diskInUse(d: StateSources, name: string, files: PreflightFacts['files']): {path: string; as: string; other: string} | undefined {
  const mine = files.map(fileUse);
  for (const [other, run] of d.runs) {
    if (other === name) continue;
    const clash = conflictingUse(d.layout, mine, domainFacts(run.definition).files.map(fileUse));
    if (clash) return {path: clash.mine, as: clash.theirs, other};
  }
  return undefined;
}

export async function domainProblems(
  d: StateSources & {definitions: Definitions; jobs: DefinitionJobs; host: Pick<HostInfo, 'hostCpus'>},
  name: string,
): Promise<DomainProblem[]> {
  const def = d.definitions.find(name);
  const problems: DomainProblem[] = [];
  const scan = await d.jobs.scan(def.file);
  let facts: PreflightFacts;
  if (def.ok) {
    facts = domainFacts(def.def);
  } else {
    const p: DomainProblem = {
      severity: 'error',
      source: def.problem.kind === 'syntax' ? 'xml-syntax' : 'xml-semantic',
      message: def.problem.message,
      file: def.file,
      hint: def.problem.kind === 'syntax' ? 'fix the XML at that place (E edits the file)' : 'correct the definition (E edits the file)',
    };
    if (def.problem.line !== undefined) p.line = def.problem.line;
    if (def.problem.column !== undefined) p.column = def.problem.column;
    problems.push(p);
    // The rest of a broken file is still checked against the host, as far as it can be read.
    facts = {vcpus: scan.vcpus?.value ?? 0, files: scan.files, bridges: scan.bridges.map((b) => b.name), consoles: scan.consoles};
  }
  const state = observe(d, name);
  // Where in the file a host problem's element is.
  const at = (subject: DefinitionSubject | undefined): Pick<DomainProblem, 'file' | 'line' | 'column'> => {
    const place = subject && placeOf(scan, subject);
    return place ? {file: def.file, line: place.line, column: place.column} : {};
  };
  // What a start would meet: only for a domain that could be started.
  if (canStart(state.state)) {
    for (const p of await preflight(d.layout, facts, {ncpu: d.host.hostCpus()})) {
      problems.push({severity: 'error', source: 'host', message: p.message, ...at(p.subject), ...(p.hint ? {hint: p.hint} : {})});
    }
    const clash = consoleInUse(d, name, facts.consoles);
    if (clash) {
      problems.push({
        severity: 'error',
        source: 'host',
        message: `its console ${clash.path} is in use by running domain '${clash.other}'`,
        ...at({kind: 'console', value: clash.path}),
        hint: 'give it its own nmdm pair',
      });
    }
    const disk = diskInUse(d, name, facts.files);
    if (disk) {
      problems.push({
        severity: 'error',
        source: 'host',
        message: diskClash(disk),
        ...at({kind: 'file', value: disk.path}),
        hint: 'give it its own image, or mark the disk <readonly/> or <shareable/> in both',
      });
    }
  }
  if (state.state === 'orphaned') {
    problems.push({
      severity: 'warning',
      source: 'host',
      message: `leftovers of an earlier run: ${state.reason}`,
      hint: `clean up with: bhyve-tui destroy ${name} (D in the list)`,
    });
  }
  const stop = readStopRecord(d.layout, name);
  if (stop?.error || (stop && stop.state === 'crashed')) {
    const p: DomainProblem = {
      severity: 'error',
      source: 'last-start',
      message: stop.error ?? `the guest stopped: ${stop.reason}`,
      file: domainLogPath(d.layout, name),
    };
    if (stop.detail) p.detail = stop.detail;
    if (stop.exitCode !== undefined) {
      p.exitCode = stop.exitCode;
      p.exitMeaning = stop.exitMeaning ?? '';
    }
    p.hint = 'see the log (l) for the full output';
    problems.push(p);
  }
  return problems;
}
