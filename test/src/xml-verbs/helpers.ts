// Shared by the XML verb tests: the built CLI as a real process, the libvirt corpus
// beside the repository (read in place, never copied), and libvirt's own schema check.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {spawnSync} from 'node:child_process';
import test, {type ExecutionContext} from 'ava';
import {cliBundle, removeSimDir, repoRoot} from '../../helpers/sim-dir.js';

export const sharedDir = path.resolve(repoRoot, '..', 'shared');
export const corpusDir = path.join(sharedDir, 'libvirt-bhyve');
export const seedDoc = path.join(sharedDir, 'docs', 'seed-drvbhyve.txt');
export const haveCorpus = fs.existsSync(path.join(corpusDir, 'cases.json'));
export const haveSeed = fs.existsSync(seedDoc);

export type TestBody = (t: ExecutionContext) => void;

/** test, or test.skip with the reason in its title when the corpus is not beside the repository. */
export function corpusTest(title: string, fn: TestBody): void {
  if (haveCorpus) test(title, fn);
  else test.skip(`${title} [skipped: no libvirt corpus at ${corpusDir}]`, fn);
}

/** The same for tests that read the seed document (../shared/docs/seed-drvbhyve.txt). */
export function seedTest(title: string, fn: TestBody): void {
  if (haveSeed) test(title, fn);
  else test.skip(`${title} [skipped: no seed document at ${seedDoc}]`, fn);
}

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

/**
 * A scratch directory for one test file: input files, and the simulated host's root for
 * verbs that connect. Afterwards every process naming it (the host's daemon) is ended.
 */
export function scratchDir(label: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bhyve-tui-xml-${label}-`));
  test.after.always(() => removeSimDir(dir));
  return dir;
}

/**
 * Runs `bhyve-tui -c sim://DIR/host ARGS...` (the simulated host lives there if a verb
 * connects) and keeps stderr on success too: warnings must not be lost.
 */
export function run(dir: string, ...args: string[]): CliResult {
  const r = spawnSync(process.execPath, [cliBundle, '-c', `sim://${path.join(dir, 'host')}`, ...args], {encoding: 'utf8', input: ''});
  if (r.error) throw r.error;
  return {status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr};
}

/** The one-line failure every verb must give: exactly one 'error: ' line, no stack trace. */
export function oneErrorLine(r: CliResult): string | undefined {
  const lines = r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('warning: '));
  if (lines.length !== 1 || !lines[0]!.startsWith('error: ') || /\n\s+at /.test(r.stderr)) return undefined;
  return lines[0]!.slice('error: '.length);
}

export interface CorpusCases {
  xml2argv: {
    seq: number;
    name: string;
    macro: string;
    bhyvecaps: string[];
    grubcaps: string[];
    input: string;
    expected_args: string | null;
    expected_ldargs: string | null;
    loader_not_built: boolean;
    libvirt_result: string;
    libvirt_error: string | null;
  }[];
  xml2xml: {
    seq: number;
    name: string;
    macro: string;
    bhyvecaps: string[];
    input: string;
    expected_xml: string | null;
  }[];
  argv2xml: {
    seq: number;
    name: string;
    macro: string;
    input: string;
    expected_xml: string | null;
    libvirt_result: string;
    libvirt_messages: string[];
  }[];
}

export function loadCases(): CorpusCases {
  return JSON.parse(fs.readFileSync(path.join(corpusDir, 'cases.json'), 'utf8')) as CorpusCases;
}

export const corpusFile = (rel: string) => path.join(corpusDir, rel);

/** The sample domain of the seed document (the bhyve driver page), cut out at test time. */
export function seedSample(): string {
  const text = fs.readFileSync(seedDoc, 'utf8');
  const start = text.indexOf("<domain type='bhyve'>");
  const end = text.indexOf('</domain>', start);
  if (start < 0 || end < 0) throw new Error(`no sample domain in ${seedDoc}`);
  return text.slice(start, end + '</domain>'.length) + '\n';
}

/**
 * libvirt's schema check, when installed: `virt-xml-validate FILE domain` (Debian's
 * libvirt-clients; it runs xmllint from libxml2-utils). Null when it cannot run here.
 */
export const schemaValidator: string | null = (() => {
  const found = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`], {encoding: 'utf8'}).status === 0;
  if (!found('virt-xml-validate')) return 'virt-xml-validate is not installed (Debian: apt-get install libvirt-clients libxml2-utils)';
  if (!found('xmllint')) return 'virt-xml-validate needs xmllint, which is not installed (Debian: apt-get install libxml2-utils)';
  return null;
})();

export function virtXmlValidate(file: string): {ok: boolean; output: string} {
  const r = spawnSync('virt-xml-validate', [file, 'domain'], {encoding: 'utf8'});
  return {ok: r.status === 0, output: `${r.stdout}${r.stderr}`.trim()};
}

/** test, or test.skip naming what is missing when virt-xml-validate cannot run. */
export function schemaTest(title: string, fn: TestBody): void {
  if (!haveCorpus) test.skip(`${title} [skipped: no libvirt corpus at ${corpusDir}]`, fn);
  else if (schemaValidator) test.skip(`${title} [skipped: ${schemaValidator}]`, fn);
  else test(title, fn);
}

export function writeFile(dir: string, name: string, content: string | Buffer): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}
