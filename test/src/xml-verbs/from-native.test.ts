// `bhyve-tui domxml-from-native bhyve-argv FILE` through the built CLI, for every argv2xml
// case of libvirt's corpus: the XML libvirt gives (modulo the random UUID/MACs its test
// mocks pin down), libvirt's errors, and libvirt's own schema check of every output.
import test from 'ava';
import fs from 'node:fs';
import {
  corpusFile,
  corpusTest,
  haveCorpus,
  loadCases,
  oneErrorLine,
  run,
  schemaTest,
  scratchDir,
  virtXmlValidate,
  writeFile,
  type CliResult,
} from './helpers.js';

const dir = scratchDir('from-native');
const cases = haveCorpus ? loadCases().argv2xml : [];
const successes = cases.filter((c) => c.libvirt_result === 'success');
const failures = cases.filter((c) => c.libvirt_result === 'failure');

// Each case runs the CLI once; the comparison and the schema check share the result.
const results = new Map<string, CliResult>();
function fromNative(input: string): CliResult {
  let r = results.get(input);
  if (!r) {
    r = run(dir, 'domxml-from-native', 'bhyve-argv', corpusFile(input));
    results.set(input, r);
  }
  return r;
}

const harnessUuid = 'c7a5fdbd-edaf-9455-926a-d65c16db1809';
const harnessMac = '52:54:00:00:00:00';
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The expected .xml as a pattern for our output. libvirt's harness pins the generated UUID
 * and MAC and formats with the secure flag; virsh's API call does neither, so the UUID and
 * generated MACs are random here and the VNC password is not shown.
 */
function expectedXml(rel: string): RegExp {
  const xml = fs
    .readFileSync(corpusFile(rel), 'utf8')
    .replace(/\\\n/g, '')
    .replace(/ passwd='[^']*'/g, '');
  const pattern = escapeRe(xml.endsWith('\n') ? xml : `${xml}\n`)
    .replace(`<uuid>${harnessUuid}</uuid>`, '<uuid>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}</uuid>')
    .replaceAll(`'${harnessMac}'`, "'52:54:00(?::[0-9a-f]{2}){3}'");
  // virsh ends every command's output with an empty line
  return new RegExp(`^${pattern}\\n$`);
}

for (const c of successes) {
  test(`argv2xml ${c.name}: libvirt's XML${c.macro === 'DO_TEST_WARN' ? ', with its warning' : ''}`, (t) => {
    const r = fromNative(c.input);
    t.is(r.status, 0, r.stderr);
    t.regex(r.stdout, expectedXml(c.expected_xml!));
    if (c.macro === 'DO_TEST_WARN') {
      const warnings = r.stderr
        .split('\n')
        .filter((l) => l.startsWith('warning: '))
        .map((l) => l.slice('warning: '.length));
      t.true(
        warnings.some((w) => c.libvirt_messages.includes(w)),
        `warnings ${JSON.stringify(warnings)} vs libvirt ${JSON.stringify(c.libvirt_messages)}`,
      );
      t.is(r.stderr.split('\n').filter((l) => l && !l.startsWith('warning: ')).length, 0, 'only warnings on stderr');
    } else {
      t.is(r.stderr, '');
    }
  });

  schemaTest(`argv2xml ${c.name}: virt-xml-validate accepts the output`, (t) => {
    const r = fromNative(c.input);
    t.is(r.status, 0, r.stderr);
    const file = writeFile(dir, `${c.name}.xml`, r.stdout);
    const v = virtXmlValidate(file);
    t.true(v.ok, v.output);
  });
}

for (const c of failures) {
  test(`argv2xml ${c.name}: fails with libvirt's message`, (t) => {
    const r = fromNative(c.input);
    t.is(r.status, 1);
    t.is(r.stdout, '');
    const line = oneErrorLine(r);
    t.truthy(line, JSON.stringify(r.stderr));
    t.true(c.libvirt_messages.includes(line!), `${JSON.stringify(line)} not among ${JSON.stringify(c.libvirt_messages)}`);
  });
}

corpusTest('the corpus has argv2xml successes and failures to run', (t) => {
  t.true(successes.length >= 20, `${successes.length} successes`);
  t.true(failures.length >= 5, `${failures.length} failures`);
});

test('a format other than bhyve-argv: libvirt\'s "unsupported config type"', (t) => {
  const file = writeFile(dir, 'native.args', '/usr/sbin/bhyve -c 1 -m 214 -H -P -s 0:0,hostbridge vm\n');
  const r = run(dir, 'domxml-from-native', 'qemu-argv', file);
  t.is(r.status, 1);
  t.is(r.stdout, '');
  t.is(r.stderr, 'error: invalid argument: unsupported config type qemu-argv\n');
});

test('a file with no bhyve command line', (t) => {
  const file = writeFile(dir, 'nobhyve.args', '/usr/sbin/bhyveload -m 214 -d /x.img vm\n');
  const r = run(dir, 'domxml-from-native', 'bhyve-argv', file);
  t.is(r.status, 1);
  t.is(oneErrorLine(r), 'internal error: Failed to convert the command string to argv-lists');
});

test('what domxml-to-native prints converts back', (t) => {
  const xml = writeFile(
    dir,
    'round.xml',
    `<domain type='bhyve'>
  <name>round</name>
  <uuid>0b5e6c2a-3f0e-4a43-9d0c-5bb0d6a1a001</uuid>
  <memory unit='KiB'>1048576</memory>
  <vcpu>2</vcpu>
  <os><type>hvm</type></os>
  <devices>
    <disk type='file' device='disk'><source file='/vm/round.img'/><target dev='vda' bus='virtio'/></disk>
    <interface type='bridge'><mac address='52:54:00:12:34:56'/><source bridge='bridge0'/><model type='virtio'/></interface>
  </devices>
</domain>
`,
  );
  const native = run(dir, 'domxml-to-native', 'bhyve-argv', xml);
  t.is(native.status, 0, native.stderr);
  const back = run(dir, 'domxml-from-native', 'bhyve-argv', writeFile(dir, 'round.args', native.stdout));
  t.is(back.status, 0, back.stderr);
  t.regex(back.stdout, /<name>round<\/name>/);
  t.regex(back.stdout, /<memory unit='KiB'>1048576<\/memory>/);
  t.regex(back.stdout, /<vcpu placement='static'>2<\/vcpu>/);
  t.regex(back.stdout, /<source file='\/vm\/round\.img'\/>\n\s+<target dev='vda' bus='virtio'\/>/);
  t.regex(back.stdout, /<mac address='52:54:00:12:34:56'\/>/);
  t.regex(back.stdout, /<clock offset='utc'\/>/);
});
