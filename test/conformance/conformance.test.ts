import test from 'ava';
import {existsSync} from 'node:fs';
import {dirname, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {runConformance, formatReport} from '../../src/conformance.js';

// The libvirt corpus lives beside the repository (never copied into it).
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const corpus = resolve(repoRoot, '../shared/libvirt-bhyve');

if (!existsSync(resolve(corpus, 'cases.json'))) {
  test('libvirt bhyve conformance corpus', (t) => {
    t.log(`skipped: no corpus at ${corpus} (expected ../shared/libvirt-bhyve relative to the repository root)`);
    t.pass();
  });
} else {
  const report = runConformance(corpus);

  test('every run of the libvirt bhyve suites passes', (t) => {
    const failures = report.runs.filter((r) => !r.pass);
    if (failures.length) t.log(formatReport({...report, runs: failures}));
    t.true(report.runs.length > 0);
    t.deepEqual(
      failures.map((r) => `${r.suite} ${r.name}: ${r.reason ?? ''}`),
      [],
    );
  });

  test('expected failures fail where and how libvirt fails (>= 95%)', (t) => {
    const misses = report.runs.filter((r) => r.strict === false);
    t.log(`strict: ${report.strictPassed}/${report.strictTotal}`);
    for (const m of misses) t.log(`${m.suite} ${m.name}: ${m.strictReason ?? ''}`);
    t.true(report.strictTotal > 0);
    t.true(report.strictPassed / report.strictTotal >= 0.95);
  });

  test('all four suites are covered', (t) => {
    for (const s of ['xml2argv', 'xml2xml', 'argv2xml', 'domaincaps'] as const) {
      t.true(
        report.runs.some((r) => r.suite === s),
        s,
      );
    }
  });
}
