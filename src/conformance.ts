// Conformance runner: replays libvirt's bhyve test suites (xml2argv, xml2xml,
// argv2xml, domaincaps) from a cases.json directory against our translator.
//
//   npm run conformance -- DIR [--json]
//
// Nothing here knows individual cases: every run is driven by the fields of
// cases.json and compared with the files it names.

import {existsSync, readdirSync, readFileSync} from 'node:fs';
import {resolve, join} from 'node:path';
import {pathToFileURL} from 'node:url';
import {bhyveCapsFrom, grubCapsFrom} from '../driver/bhyve/capabilities.js';
import {parseDomainXml} from '../driver/domain/xml-parse.js';
import {formatDomainXml} from '../driver/domain/xml-format.js';
import {prepareDomain} from '../driver/bhyve/firmware.js';
import {buildBhyveCommand, buildLoaderCommand, DEVICE_MAP_PLACEHOLDER, type BuildContext} from '../driver/bhyve/command-build.js';
import {renderCommandLine} from '../driver/bhyve/argv-render.js';
import {parseNativeArgv} from '../driver/bhyve/native-argv-parse.js';
import {formatDomainCapabilities} from '../driver/bhyve/domain-capabilities.js';

export type Suite = 'xml2argv' | 'xml2xml' | 'argv2xml' | 'domaincaps';
type Stage = 'parse' | 'prepare' | 'build-bhyve' | 'build-loader';

export interface RunResult {
  suite: Suite;
  seq: number;
  name: string;
  pass: boolean;
  reason?: string;
  /** For runs where libvirt fails: did we fail at the same stage with the same text? */
  strict?: boolean;
  strictReason?: string;
}

export interface ConformanceReport {
  runs: RunResult[];
  passed: number;
  failed: number;
  strictPassed: number;
  strictTotal: number;
}

/** Mock values of libvirt's test harness (HARNESS §0.4). */
export const HARNESS_MAC = '52:54:00:00:00:00';
export const HARNESS_UUID = 'c7a5fdbd-edaf-9455-926a-d65c16db1809';
export const HARNESS_TAP = 'faketapdev';
export const HARNESS_VNC_PORT = 5900;
const FIRMWARE_DIRS: Record<string, string> = {
  fakefirmwaredir: 'firmware/three_firmwares',
  fakefirmwareemptydir: 'firmware/empty',
};

interface CaseBase {
  seq: number;
  name: string;
  macro?: string;
  bhyvecaps?: string[];
  libvirt_result?: string;
  libvirt_stage?: string | null;
  libvirt_error?: string | null;
}
interface Xml2ArgvCase extends CaseBase {
  grubcaps?: string[];
  firmwareDir?: string;
  input: string;
  expected_args?: string | null;
  expected_ldargs?: string | null;
  expected_devmap?: string | null;
  files_present?: string[];
}
interface Xml2XmlCase extends CaseBase {
  input: string;
  expected_xml?: string | null;
}
interface Argv2XmlCase extends CaseBase {
  input: string;
  expected_xml?: string | null;
  libvirt_messages?: string[];
}
interface DomainCapsCase extends CaseBase {
  emulator?: string;
  machine?: string | null;
  arch?: string;
  virttype?: string;
  firmware_values?: string[];
  expected_xml: string;
}

/** Read a file in libvirt's "unwrap" mode: backslash-newline pairs removed. */
function readUnwrapped(path: string): string {
  return readFileSync(path, 'utf8').replace(/\\\n/g, '');
}

function readOrNull(dir: string, rel: string | null | undefined): string | null {
  if (!rel) return null;
  const p = join(dir, rel);
  return existsSync(p) ? readFileSync(p, 'utf8') : null;
}

const withNewline = (s: string) => (s.endsWith('\n') ? s : s + '\n');

/** First differing line, for short failure reasons. */
function diffHint(expected: string, actual: string): string {
  const e = expected.split('\n');
  const a = actual.split('\n');
  for (let i = 0; i < Math.max(e.length, a.length); i++) {
    if (e[i] !== a[i]) return `line ${i + 1}: expected ${JSON.stringify(e[i] ?? '<eof>')}, got ${JSON.stringify(a[i] ?? '<eof>')}`;
  }
  return 'outputs differ';
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function strictCheck(c: CaseBase, stage: string | undefined, message: string | undefined): {strict?: boolean; strictReason?: string} {
  if (c.libvirt_result !== 'failure') return {};
  if (stage === undefined) return {strict: false, strictReason: 'did not fail'};
  if (c.libvirt_stage && stage !== c.libvirt_stage) {
    return {strict: false, strictReason: `failed at ${stage}, libvirt at ${c.libvirt_stage}`};
  }
  if (c.libvirt_error != null && message !== c.libvirt_error) {
    return {strict: false, strictReason: `message ${JSON.stringify(message)} != libvirt ${JSON.stringify(c.libvirt_error)}`};
  }
  return {strict: true};
}

function runXml2Argv(dir: string, c: Xml2ArgvCase): RunResult {
  const base = {suite: 'xml2argv' as const, seq: c.seq, name: c.name};
  const fwName = c.firmwareDir ?? 'fakefirmwaredir';
  const fwPath = resolve(dir, FIRMWARE_DIRS[fwName] ?? fwName);
  const caps = bhyveCapsFrom(c.bhyvecaps ?? []);
  const ctx: BuildContext = {
    caps,
    grubCaps: grubCapsFrom(c.grubcaps ?? []),
    firmwareDir: fwName,
    readFirmwareDir: () => (existsSync(fwPath) ? readdirSync(fwPath) : []),
    dryRun: false,
    deviceMapPath: DEVICE_MAP_PLACEHOLDER,
    allocateVncPort: () => HARNESS_VNC_PORT,
  };

  let stage: Stage = 'parse';
  let args: string;
  let ldargs: string;
  let devmap: string | undefined;
  try {
    const def = parseDomainXml(readFileSync(join(dir, c.input), 'utf8'), {caps, generateMac: () => HARNESS_MAC, file: c.input});
    stage = 'prepare';
    prepareDomain(def, ctx);
    stage = 'build-bhyve';
    ctx.tapNames = def.nets.map(() => HARNESS_TAP);
    args = renderCommandLine(buildBhyveCommand(def, ctx));
    stage = 'build-loader';
    const ld = buildLoaderCommand(def, ctx);
    if (ld === null) ldargs = 'dummy\n';
    else {
      ldargs = renderCommandLine(ld.argv);
      devmap = ld.deviceMap;
    }
  } catch (e) {
    const msg = errText(e);
    const strict = strictCheck(c, stage, msg);
    switch (c.macro) {
      case 'DO_TEST_FAILURE':
        if (stage === 'prepare') return {...base, pass: false, reason: `failed at prepare (${msg}); the harness needs parse or build`, ...strict};
        return {...base, pass: true, ...strict};
      case 'DO_TEST_PARSE_ERROR':
        return {...base, pass: stage === 'parse', ...(stage === 'parse' ? {} : {reason: `failed at ${stage}: ${msg}`}), ...strict};
      case 'DO_TEST_PREPARE_ERROR':
        return {...base, pass: stage === 'prepare', ...(stage === 'prepare' ? {} : {reason: `failed at ${stage}: ${msg}`}), ...strict};
      default:
        return {...base, pass: false, reason: `failed at ${stage}: ${msg}`, ...strict};
    }
  }
  const strict = strictCheck(c, undefined, undefined);
  if (c.macro === 'DO_TEST_PARSE_ERROR' || c.macro === 'DO_TEST_PREPARE_ERROR') {
    return {...base, pass: false, reason: 'succeeded, expected a failure', ...strict};
  }
  // libvirt's harness compares with the .args/.ldargs files next to the input when they exist
  const sibling = (ext: string) => (c.files_present?.includes(ext) ? c.input.replace(/\.xml$/, `.${ext}`) : null);
  const expArgs = readOrNull(dir, c.expected_args ?? sibling('args'));
  const expLd = readOrNull(dir, c.expected_ldargs ?? sibling('ldargs'));
  if (expArgs === null || expLd === null) {
    return {...base, pass: false, reason: 'succeeded, but there is no .args/.ldargs to match (libvirt fails here)', ...strict};
  }
  if (args !== expArgs) return {...base, pass: false, reason: `args differ: ${diffHint(expArgs, args)}`, ...strict};
  if (ldargs !== expLd) return {...base, pass: false, reason: `ldargs differ: ${diffHint(expLd, ldargs)}`, ...strict};
  const devmapPath = c.expected_devmap ? join(dir, c.expected_devmap) : undefined;
  const expDevmap = devmapPath && existsSync(devmapPath) ? readUnwrapped(devmapPath) : null;
  const gotDevmap = devmap !== undefined ? devmap.replace(/\s+$/, '') + '\n' : null;
  if (expDevmap !== null || gotDevmap !== null) {
    if (expDevmap !== gotDevmap) {
      return {...base, pass: false, reason: `device map differs: expected ${JSON.stringify(expDevmap)}, got ${JSON.stringify(gotDevmap)}`, ...strict};
    }
  }
  return {...base, pass: true, ...strict};
}

function runXml2Xml(dir: string, c: Xml2XmlCase): RunResult {
  const base = {suite: 'xml2xml' as const, seq: c.seq, name: c.name};
  let out: string;
  try {
    const def = parseDomainXml(readFileSync(join(dir, c.input), 'utf8'), {
      caps: bhyveCapsFrom(c.bhyvecaps ?? []),
      generateMac: () => HARNESS_MAC,
      file: c.input,
    });
    out = formatDomainXml(def, {inactive: true, secure: true});
  } catch (e) {
    const msg = errText(e);
    const strict = strictCheck(c, 'parse', msg);
    if (c.macro === 'DO_TEST_FAILURE') return {...base, pass: true, ...strict};
    return {...base, pass: false, reason: `parse failed: ${msg}`, ...strict};
  }
  const strict = strictCheck(c, undefined, undefined);
  if (c.macro === 'DO_TEST_FAILURE') return {...base, pass: true, ...strict};
  if (!c.expected_xml) return {...base, pass: false, reason: 'no expected XML', ...strict};
  const exp = withNewline(readUnwrapped(join(dir, c.expected_xml)));
  if (withNewline(out) !== exp) return {...base, pass: false, reason: diffHint(exp, withNewline(out)), ...strict};
  return {...base, pass: true, ...strict};
}

function runArgv2Xml(dir: string, c: Argv2XmlCase): RunResult {
  const base = {suite: 'argv2xml' as const, seq: c.seq, name: c.name};
  const logged: string[] = [];
  let out: string | undefined;
  let error: string | undefined;
  try {
    const def = parseNativeArgv(readUnwrapped(join(dir, c.input)), {
      caps: bhyveCapsFrom(c.bhyvecaps ?? []),
      generateMac: () => HARNESS_MAC,
      generateUuid: () => HARNESS_UUID,
      log: (m) => logged.push(m),
    });
    out = formatDomainXml(def, {inactive: false, secure: true});
  } catch (e) {
    error = errText(e);
    if (!logged.includes(error)) logged.push(error);
  }
  let strict: {strict?: boolean; strictReason?: string} = {};
  if (c.libvirt_result === 'failure') {
    const ok = error !== undefined && (c.libvirt_messages ?? []).includes(error);
    strict = ok ? {strict: true} : {strict: false, strictReason: error === undefined ? 'did not fail' : `message ${JSON.stringify(error)} not among libvirt's`};
  }
  if (c.macro === 'DO_TEST_FAIL') {
    if (error === undefined) return {...base, pass: false, reason: 'succeeded, expected a failure', ...strict};
    return {...base, pass: true, ...strict};
  }
  if (error !== undefined) return {...base, pass: false, reason: `failed: ${error}`, ...strict};
  if (c.macro === 'DO_TEST' && logged.length) return {...base, pass: false, reason: `unexpected log message: ${logged[0]}`, ...strict};
  if (c.macro === 'DO_TEST_WARN' && !logged.length) return {...base, pass: false, reason: 'expected a logged warning', ...strict};
  if (!c.expected_xml) return {...base, pass: false, reason: 'no expected XML', ...strict};
  const exp = withNewline(readUnwrapped(join(dir, c.expected_xml)));
  if (withNewline(out!) !== exp) return {...base, pass: false, reason: diffHint(exp, withNewline(out!)), ...strict};
  return {...base, pass: true, ...strict};
}

function runDomainCaps(dir: string, c: DomainCapsCase): RunResult {
  const base = {suite: 'domaincaps' as const, seq: c.seq, name: c.name};
  try {
    const input: Parameters<typeof formatDomainCapabilities>[0] = {
      caps: bhyveCapsFrom(c.bhyvecaps ?? []),
      firmwares: c.firmware_values ?? [],
    };
    if (c.emulator) input.emulator = c.emulator;
    if (c.arch) input.arch = c.arch;
    if (c.machine) input.machine = c.machine;
    if (c.virttype) input.virttype = c.virttype;
    const out = formatDomainCapabilities(input);
    const exp = withNewline(readUnwrapped(join(dir, c.expected_xml)));
    if (withNewline(out) !== exp) return {...base, pass: false, reason: diffHint(exp, withNewline(out))};
    return {...base, pass: true};
  } catch (e) {
    return {...base, pass: false, reason: errText(e)};
  }
}

/** Run every case of the four suites listed in DIR/cases.json. */
export function runConformance(dir: string): ConformanceReport {
  const cases = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as {
    xml2argv?: Xml2ArgvCase[];
    xml2xml?: Xml2XmlCase[];
    argv2xml?: Argv2XmlCase[];
    domaincaps?: DomainCapsCase[];
  };
  const runs: RunResult[] = [];
  const guard = (suite: Suite, c: CaseBase, f: () => RunResult) => {
    try {
      runs.push(f());
    } catch (e) {
      runs.push({suite, seq: c.seq, name: c.name, pass: false, reason: `runner error: ${errText(e)}`});
    }
  };
  for (const c of cases.xml2argv ?? []) guard('xml2argv', c, () => runXml2Argv(dir, c));
  for (const c of cases.xml2xml ?? []) guard('xml2xml', c, () => runXml2Xml(dir, c));
  for (const c of cases.argv2xml ?? []) guard('argv2xml', c, () => runArgv2Xml(dir, c));
  for (const c of cases.domaincaps ?? []) guard('domaincaps', c, () => runDomainCaps(dir, c));
  const passed = runs.filter((r) => r.pass).length;
  const strictRuns = runs.filter((r) => r.strict !== undefined);
  return {
    runs,
    passed,
    failed: runs.length - passed,
    strictPassed: strictRuns.filter((r) => r.strict).length,
    strictTotal: strictRuns.length,
  };
}

export function formatReport(r: ConformanceReport, verbose = false): string {
  const lines: string[] = [];
  for (const run of r.runs) {
    lines.push(run.pass ? `PASS ${run.suite} ${run.name}` : `FAIL ${run.suite} ${run.name}: ${run.reason ?? 'failed'}`);
    if (verbose && run.strict === false) lines.push(`  strict: ${run.strictReason}`);
  }
  lines.push(`${r.passed} passed, ${r.failed} failed`);
  lines.push(`strict: ${r.strictPassed}/${r.strictTotal}`);
  return lines.join('\n') + '\n';
}

function main(argv: string[]): number {
  const args = argv.filter((a) => !a.startsWith('--'));
  const json = argv.includes('--json');
  const verbose = argv.includes('--verbose');
  const dir = args[0];
  if (!dir) {
    process.stderr.write('usage: conformance DIR [--json] [--verbose]\n');
    return 2;
  }
  if (!existsSync(join(dir, 'cases.json'))) {
    process.stderr.write(`conformance: ${join(dir, 'cases.json')} not found\n`);
    return 2;
  }
  const report = runConformance(resolve(dir));
  if (json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  else process.stdout.write(formatReport(report, verbose));
  return report.failed === 0 ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2));
}
