// The defined domains: one libvirt domain XML file per domain in the host's config
// directory. A file that does not parse is still listed (as invalid, with its first error),
// so one broken file never hides the others.
import fs from 'node:fs';
import path from 'node:path';
import {DriverError} from './connection.js';
import type {HostLayout} from './host-layout.js';
import type {DomainDef} from './domain-model.js';
import {parseDomainXml} from './domain-xml-parse.js';
import {domainNameProblem} from './domain-name.js';

export type StoredDomain =
  | {ok: true; name: string; file: string; def: DomainDef}
  | {ok: false; name: string; file: string; error: string};

/** Domain files bigger than this are refused before parsing. */
const maxDomainFileBytes = 1024 * 1024;

export function domainFileError(e: unknown): string {
  if (e instanceof Error) {
    const loc = e as Error & {line?: number; column?: number};
    const where = loc.line ? `line ${loc.line}${loc.column ? `, column ${loc.column}` : ''}: ` : '';
    return `${where}${e.message}`.split('\n')[0]!;
  }
  return String(e);
}

export function loadDomainFile(file: string): StoredDomain {
  const fallbackName = path.basename(file, '.xml');
  try {
    const size = fs.statSync(file).size;
    if (size > maxDomainFileBytes) {
      return {ok: false, name: fallbackName, file, error: `file is ${size} bytes; domain XML over ${maxDomainFileBytes} bytes is refused`};
    }
    const def = parseDomainXml(fs.readFileSync(file, 'utf8'), {file});
    const problem = domainNameProblem(def.name);
    if (problem) return {ok: false, name: fallbackName, file, error: problem};
    return {ok: true, name: def.name, file, def};
  } catch (e) {
    return {ok: false, name: fallbackName, file, error: domainFileError(e)};
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

export function loadAllDomains(layout: HostLayout): StoredDomain[] {
  return listDomainFiles(layout).map(loadDomainFile);
}

/** The definition of one domain, or a one-line DriverError saying why not. */
export function findDomain(layout: HostLayout, name: string): StoredDomain {
  const problem = domainNameProblem(name);
  if (problem) throw new DriverError(problem);
  // The usual place first (NAME.xml), then any file that defines the name.
  const direct = path.join(layout.domainsDir, `${name}.xml`);
  if (fs.existsSync(direct)) {
    const d = loadDomainFile(direct);
    if (!d.ok || d.name === name) return d;
  }
  const found = loadAllDomains(layout).find((d) => d.name === name);
  if (!found) throw new DriverError(`failed to get domain '${name}': no domain with that name is defined`);
  return found;
}

export function requireValidDomain(layout: HostLayout, name: string): {file: string; def: DomainDef} {
  const d = findDomain(layout, name);
  if (!d.ok) throw new DriverError(`domain '${name}' is invalid: ${d.error}`, `file: ${d.file}`);
  return d;
}
