import test from 'ava';
import {mkdtempSync, mkdirSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {formatReport, runConformance} from '../../src/conformance.js';
import {formatDomainCapabilities} from '../../driver/bhyve/domain-capabilities.js';

const domain = `<domain type='bhyve'><name>vm</name><uuid>df3be7e7-a104-11e3-aeb0-50e5492bd3dc</uuid>
<memory>1024</memory><os><type>hvm</type></os><devices>
<disk type='file'><source file='/d.img'/><target dev='hda' bus='sata'/></disk></devices></domain>`;

function corpus(): string {
  const dir = mkdtempSync(join(tmpdir(), 'conf-'));
  for (const d of ['xml2argv', 'xml2xmlout', 'argv2xml', 'domaincaps']) mkdirSync(join(dir, d));
  writeFileSync(join(dir, 'xml2argv/a.xml'), domain);
  writeFileSync(join(dir, 'xml2argv/a.args'), 'bhyve \\\n-c 1 \\\n-m 1 \\\n-u \\\n-H \\\n-P \\\n-s 0:0,hostbridge \\\n-s 2:0,ahci,hd:/d.img \\\nvm\n');
  writeFileSync(join(dir, 'xml2argv/a.ldargs'), 'bhyveload \\\n-m 1 \\\n-d /d.img \\\nvm\n');
  writeFileSync(join(dir, 'xml2xmlout/a.xml'), '<domain/>\n');
  writeFileSync(join(dir, 'argv2xml/ok.args'), '/usr/sbin/bhyve -c 1 -m 1 -H -P -s 0:0,hostbridge vm\n');
  writeFileSync(join(dir, 'domaincaps/c.xml'), formatDomainCapabilities({caps: new Set(), firmwares: []}));
  const all = ['RTC_UTC', 'AHCI32SLOT'];
  writeFileSync(
    join(dir, 'cases.json'),
    JSON.stringify({
      xml2argv: [
        {
          seq: 1,
          name: 'good',
          macro: 'DO_TEST',
          bhyvecaps: all,
          grubcaps: [],
          firmwareDir: 'fakefirmwaredir',
          input: 'xml2argv/a.xml',
          expected_args: 'xml2argv/a.args',
          expected_ldargs: 'xml2argv/a.ldargs',
          expected_devmap: null,
          files_present: ['xml', 'args', 'ldargs'],
          libvirt_result: 'success',
        },
        {
          seq: 2,
          name: 'no-utc',
          macro: 'DO_TEST',
          bhyvecaps: ['AHCI32SLOT'],
          grubcaps: [],
          firmwareDir: 'fakefirmwaredir',
          input: 'xml2argv/a.xml',
          expected_args: 'xml2argv/a.args',
          expected_ldargs: 'xml2argv/a.ldargs',
          files_present: ['xml', 'args', 'ldargs'],
          libvirt_result: 'success',
        },
        {
          seq: 3,
          name: 'must-fail',
          macro: 'DO_TEST_FAILURE',
          bhyvecaps: ['AHCI32SLOT'],
          grubcaps: [],
          firmwareDir: 'fakefirmwaredir',
          input: 'xml2argv/a.xml',
          expected_args: null,
          expected_ldargs: null,
          files_present: ['xml'],
          libvirt_result: 'failure',
          libvirt_stage: 'build-bhyve',
          libvirt_error: 'unsupported configuration: Installed bhyve binary does not support UTC clock',
        },
      ],
      xml2xml: [
        {
          seq: 1,
          name: 'wrong',
          macro: 'DO_TEST_DIFFERENT',
          bhyvecaps: all,
          input: 'xml2argv/a.xml',
          expected_xml: 'xml2xmlout/a.xml',
          libvirt_result: 'success',
        },
      ],
      argv2xml: [
        {
          seq: 1,
          name: 'should-fail',
          macro: 'DO_TEST_FAIL',
          bhyvecaps: ['RTC_UTC'],
          input: 'argv2xml/ok.args',
          expected_xml: null,
          libvirt_result: 'failure',
          libvirt_messages: ['x'],
        },
      ],
      domaincaps: [{seq: 1, name: 'c', bhyvecaps: [], firmware_values: [], expected_xml: 'domaincaps/c.xml'}],
    }),
  );
  return dir;
}

test('the runner reports mismatches, unexpected successes and strict results', (t) => {
  const r = runConformance(corpus());
  const by = (n: string) => r.runs.find((x) => x.name === n)!;
  t.true(by('good').pass);
  t.false(by('no-utc').pass);
  t.regex(by('no-utc').reason!, /build-bhyve.*UTC clock/);
  t.true(by('must-fail').pass);
  t.true(by('must-fail').strict);
  t.false(by('wrong').pass);
  t.false(by('should-fail').pass);
  t.is(by('should-fail').strict, false);
  t.true(by('c').pass);
  t.is(r.passed, 3);
  t.is(r.failed, 3);
  t.is(r.strictPassed, 1);
  t.is(r.strictTotal, 2);
  const text = formatReport(r);
  t.regex(text, /^PASS xml2argv good$/m);
  t.regex(text, /^FAIL xml2xml wrong: /m);
  t.regex(text, /^3 passed, 3 failed\nstrict: 1\/2\n$/m);
});
