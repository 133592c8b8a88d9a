// `bhyve-tui validate FILE` through the built CLI: 'FILE validates' and exit 0, or one
// error line (FILE:LINE:COLUMN for syntax errors, libvirt's words otherwise) and exit 1.
import test from 'ava';
import {corpusFile, corpusTest, haveCorpus, loadCases, oneErrorLine, run, scratchDir, seedSample, seedTest, writeFile} from './helpers.js';

const dir = scratchDir('validate');
const validate = (file: string) => run(dir, 'validate', file);

const good = `<domain type='bhyve'>
  <name>vm</name>
  <memory unit='KiB'>1048576</memory>
  <vcpu>1</vcpu>
  <os>
    <type>hvm</type>
  </os>
  <devices>
    <disk type='file' device='disk'>
      <source file='/vm/disk0.img'/>
      <target dev='vda' bus='virtio'/>
    </disk>
  </devices>
</domain>
`;

test('a good domain validates', (t) => {
  const file = writeFile(dir, 'good.xml', good);
  const r = validate(file);
  t.is(r.status, 0, r.stderr);
  t.is(r.stdout, `${file} validates\n`);
  t.is(r.stderr, '');
});

seedTest("the seed document's sample domain validates", (t) => {
  const file = writeFile(dir, 'seed.xml', seedSample());
  const r = validate(file);
  t.is(r.status, 0, r.stderr);
  t.is(r.stdout, `${file} validates\n`);
});

corpusTest('every xml2argv input libvirt starts with a current host validates', (t) => {
  const full = ['RTC_UTC', 'AHCI32SLOT', 'NET_E1000', 'LPC_BOOTROM', 'FBUF', 'CPUTOPOLOGY', 'SOUND_HDA', 'VNC_PASSWORD'];
  const inputs = new Set(
    (haveCorpus ? loadCases().xml2argv : [])
      .filter((c) => c.macro === 'DO_TEST' && full.every((k) => c.bhyvecaps.includes(k)) && c.grubcaps.includes('CONSDEV'))
      .map((c) => c.input),
  );
  t.true(inputs.size >= 30);
  for (const input of inputs) {
    const r = validate(corpusFile(input));
    t.is(r.status, 0, `${input}: ${r.stderr}`);
  }
});

const syntaxErrors: [string, string, string][] = [
  [
    'mismatched end tag',
    good.replace("<target dev='vda' bus='virtio'/>", "<target dev='vda' bus='virtio'>"),
    ':12:5: opening and ending tag mismatch: <target> (line 11) and </disk>',
  ],
  ['unquoted attribute', good.replace("unit='KiB'", 'unit=KiB'), ":3:16: value of attribute 'unit' must be quoted"],
  ['misspelt end tag', good.replace('<name>vm</name>', '<name>vm</nam>'), ':2:11: '],
  ['text after the root element', `${good}<domain/>\n`, ':15:1: '],
];

for (const [what, xml, where] of syntaxErrors) {
  test(`syntax error (${what}): FILE:LINE:COLUMN: what, exit 1`, (t) => {
    const file = writeFile(dir, `syntax-${what.replace(/\W+/g, '-')}.xml`, xml);
    const r = validate(file);
    t.is(r.status, 1);
    t.is(r.stdout, '');
    const line = oneErrorLine(r);
    t.truthy(line, JSON.stringify(r.stderr));
    t.true(line!.startsWith(`${file}${where}`), line);
    t.regex(line!, /^\S+:\d+:\d+: \S/);
  });
}

test("semantic errors in a device name its position and give libvirt's message", (t) => {
  const file = writeFile(dir, 'bogus-nic.xml', good.replace('  </devices>', "    <interface type='bogus'/>\n  </devices>"));
  const r = validate(file);
  t.is(r.status, 1);
  t.is(oneErrorLine(r), `${file}:13:5: internal error: unknown interface type 'bogus'`);
});

test("semantic errors without a position: FILE: libvirt's message", (t) => {
  const cases: [string, string][] = [
    [good.replace("type='bhyve'", "type='kvm'"), 'invalid argument: could not find capabilities for ostype=hvm arch=x86_64 domaintype=kvm '],
    [good.replace('<name>vm</name>', ''), 'missing name information'],
    ['<network/>\n', "XML error: expected root element of 'domain', not 'network'"],
    // only known when the command is built: libvirt reports it at start
    [good.replace(/<disk[\s\S]*<\/disk>\n/, ''), 'unsupported configuration: Domain should have at least one disk defined'],
  ];
  cases.forEach(([xml, message], i) => {
    const file = writeFile(dir, `semantic-${i}.xml`, xml);
    const r = validate(file);
    t.is(r.status, 1, message);
    t.is(r.stdout, '');
    t.is(oneErrorLine(r), `${file}: ${message}`);
  });
});

corpusTest("inputs libvirt rejects fail with libvirt's message", (t) => {
  for (const [name, message] of [
    ['bhyveload-bootorder5', 'unsupported configuration: per-device boot elements cannot be used together with os/boot elements'],
    ['vnc-password-comma', "unsupported configuration: Password may not contain ',' character"],
    ['fs-9p-unsupported-type', "unsupported configuration: unsupported filesystem type 'bind'"],
  ] as const) {
    const file = corpusFile(`xml2argv/bhyvexml2argv-${name}.xml`);
    const r = validate(file);
    t.is(r.status, 1, name);
    t.is(oneErrorLine(r), `${file}: ${message}`);
  }
});

test('a name bhyve-tui cannot use is refused like define would', (t) => {
  const file = writeFile(dir, 'spaces.xml', good.replace('<name>vm</name>', '<name>my vm</name>'));
  const r = validate(file);
  t.is(r.status, 1);
  t.regex(oneErrorLine(r) ?? r.stderr, new RegExp(`^${file.replace(/\./g, '\\.')}: invalid domain name 'my vm'`));
});

test('missing file, directory, huge file: one line, exit 1', (t) => {
  t.is(oneErrorLine(validate(`${dir}/absent.xml`)), `Failed to open file '${dir}/absent.xml': No such file or directory`);
  t.is(oneErrorLine(validate(dir)), `Failed to read file '${dir}': Is a directory`);
  const huge = writeFile(dir, 'huge.xml', good.replace('</domain>', `<!--${'x'.repeat(3 * 1024 * 1024)}--></domain>`));
  const r = validate(huge);
  t.is(r.status, 1);
  t.is(oneErrorLine(r), `Failed to read file '${huge}': File too large`);
});
