// The defined domains: one libvirt domain XML file per domain in the host's config
// directory. A file that does not parse is still listed (as invalid, with its first error),
// so one broken file never hides the others.
import fs from 'node:fs';
import path from 'node:path';
import type {HostLayout} from '../host/layout.js';
import type {DomainDef} from '../domain/model.js';
import {createHash} from 'node:crypto';
import {parseDomainXml} from '../domain/xml-parse.js';
import {DomainXmlError} from '../domain/errors.js';
import {domainNameProblem} from '../domain/name.js';
import {BoundedReadError, readBoundedText} from '../io/bounded-read.js';
import {DEFAULT_XML_LIMITS} from '../xml/dom.js';
import type {BhyveCaps} from '../bhyve/capabilities.js';

interface DefinitionProblem {
  kind: 'syntax' | 'semantic';
  message: string;
  line?: number;
  column?: number;
}

export type StoredDomain =
  | {ok: true; name: string; file: string; def: DomainDef}
  | {ok: false; name: string; file: string; error: string; problem: DefinitionProblem};

/**
 * The text of a definition file, read through the one bounded reader with the XML parser's
 * own limit: a FIFO or a device in the config directory is refused unopened (the daemon
 * would otherwise wait on it for ever), a huge file unread. Throws BoundedReadError.
 */
export function readDomainFile(file: string): string {
  return readBoundedText(file, {maxBytes: DEFAULT_XML_LIMITS.maxBytes});
}

/** What is wrong with a definition, with its place in the file when known. */
function definitionProblem(e: unknown): DefinitionProblem {
  if (e instanceof BoundedReadError) return {kind: 'semantic', message: e.code === 'ENOTREG' ? `the file ${e.reason}` : `cannot read the file: ${e.reason}`};
  if (e instanceof DomainXmlError) {
    const p: DefinitionProblem = {kind: e.kind, message: (e.kind === 'syntax' ? e.reason : e.message).split('\n')[0]!};
    if (e.line !== undefined) p.line = e.line;
    if (e.column !== undefined) p.column = e.column;
    return p;
  }
  return {kind: 'semantic', message: (e instanceof Error ? e.message : String(e)).split('\n')[0]!};
}

/** One line: 'line 3, column 7: what' */
function problemLine(p: DefinitionProblem): string {
  const where = p.line ? `line ${p.line}${p.column ? `, column ${p.column}` : ''}: ` : '';
  return `${where}${p.message}`;
}

function invalid(name: string, file: string, problem: DefinitionProblem): StoredDomain {
  return {ok: false, name, file, error: problemLine(problem), problem};
}

/**
 * Interfaces without <mac> and domains without <uuid> get values derived from the domain
 * name, so they stay the same from one load (and start) to the next; libvirt instead saves
 * a random one when the domain is defined.
 */
function stableIdentifiers(name: string): {generateMac: () => string; generateUuid: () => string} {
  let n = 0;
  return {
    generateMac: () => {
      const h = createHash('sha256').update(`${name}/mac/${n++}`).digest();
      return `52:54:00:${[h[0]!, h[1]!, h[2]!].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
    },
    generateUuid: () => {
      const h = createHash('sha256').update(`${name}/uuid`).digest('hex');
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
    },
  };
}

/** `caps`: parse as on a host with these bhyve capabilities (default: a current FreeBSD's). */
export function loadDomainFile(file: string, caps?: BhyveCaps): StoredDomain {
  const fallbackName = path.basename(file, '.xml');
  try {
    const def = parseDomainXml(readDomainFile(file), {file, ...stableIdentifiers(fallbackName), ...(caps ? {caps} : {})});
    const problem = domainNameProblem(def.name);
    if (problem) return invalid(fallbackName, file, {kind: 'semantic', message: problem});
    return {ok: true, name: def.name, file, def};
  } catch (e) {
    return invalid(fallbackName, file, definitionProblem(e));
  }
}

export function listDomainFiles(layout: HostLayout): string[] {
  let entries: string[];
  try {
    entries = fs.readdirSync(layout.domainsDir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  return entries
    .filter((f) => f.endsWith('.xml') && !f.startsWith('.'))
    .sort()
    .map((f) => path.join(layout.domainsDir, f));
}
