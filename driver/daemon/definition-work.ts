// The daemon's work on definition text that takes time in proportion to the text: parsing a
// definition file, parsing the XML of a define, scanning a file for the errors view,
// formatting a definition for dumpxml. It runs
// in a worker thread (definition-worker.ts, driven by definition-jobs.ts), so that a
// megabyte of XML never keeps the daemon from answering its other clients; these functions
// are what the worker runs, and what runs in place when no worker can be started.
import fs from 'node:fs';
import {bhyveCapsFrom, type BhyveCapName} from '../bhyve/capabilities.js';
import {loadDomainFile, readDomainFile, type StoredDomain} from './domain-store.js';
import {parseDomainXml} from '../domain/xml-parse.js';
import {scanDefinition, type DefinitionScan} from '../domain/definition-scan.js';
import type {DomainDef} from '../domain/model.js';
import {formatDomainXml} from '../domain/xml-format.js';

export type DefinitionJob =
  | {op: 'load'; file: string; caps?: BhyveCapName[]}
  | {op: 'parse'; xml: string}
  | {op: 'scan'; file: string}
  | {op: 'format'; file: string; secure: boolean};

export interface LoadResult {
  /** the file's identity when it was read; null: it could not be read */
  stat: {mtimeMs: number; size: number} | null;
  stored: StoredDomain;
}

export type ParseResult = {name: string} | {error: {message: string; line?: number; column?: number}};

/** dumpxml's text, or why the file (changed since it was checked) is not a valid definition. */
export type FormatResult = {xml: string} | {error: string; detail?: string};

export type JobResult = LoadResult | ParseResult | DefinitionScan | FormatResult;

/**
 * The definition without the XML it keeps for writing it back (<metadata>, elements libvirt
 * keeps as written, each device's own element): the daemon never writes a definition back
 * (dumpxml formats in the worker, from the file), and that XML is most of what a large
 * definition costs to hand from the worker to the daemon.
 */
function withoutXml(def: DomainDef): DomainDef {
  const isXml = (v: unknown) => typeof v === 'object' && v !== null && (v as {kind?: unknown}).kind === 'element' && 'nsDecls' in v;
  const copy = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.filter((x) => !isXml(x)).map(copy);
    if (v instanceof Set || v instanceof Map) return v;
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (!isXml(x)) o[k] = copy(x);
    return o;
  };
  return copy(def) as DomainDef;
}

function load(file: string, caps: BhyveCapName[] | undefined): LoadResult {
  let stat: LoadResult['stat'] = null;
  try {
    // before the read: a change made while it is read makes the next look read it again
    const st = fs.statSync(file);
    stat = {mtimeMs: st.mtimeMs, size: st.size};
  } catch {
    // loadDomainFile says what is wrong
  }
  const stored = loadDomainFile(file, caps ? bhyveCapsFrom(caps) : undefined);
  return {stat, stored: stored.ok ? {...stored, def: withoutXml(stored.def)} : stored};
}

function parse(xml: string): ParseResult {
  try {
    return {name: parseDomainXml(xml).name};
  } catch (e) {
    const loc = e as Error & {line?: number; column?: number};
    return {error: {message: loc.message, ...(loc.line !== undefined ? {line: loc.line} : {}), ...(loc.column !== undefined ? {column: loc.column} : {})}};
  }
}

/** The places in a definition file, read as the daemon reads it (bounded; not a FIFO or device). */
function scan(file: string): DefinitionScan {
  let text = '';
  try {
    text = readDomainFile(file);
  } catch {
    // gone since it was listed, or not a file: the definition's own problem says so
  }
  return scanDefinition(text);
}

/** A definition file as libvirt formats its inactive XML (dumpxml), the XML it keeps included. */
function format(file: string, secure: boolean): FormatResult {
  const stored = loadDomainFile(file);
  if (!stored.ok) return {error: stored.error, detail: `file: ${file}`};
  return {xml: formatDomainXml(stored.def, {inactive: true, secure})};
}

export function runDefinitionJob(job: DefinitionJob): JobResult {
  switch (job.op) {
    case 'load':
      return load(job.file, job.caps);
    case 'parse':
      return parse(job.xml);
    case 'scan':
      return scan(job.file);
    case 'format':
      return format(job.file, job.secure);
  }
}
