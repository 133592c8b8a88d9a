// `bhyve-tui domxml-to-native bhyve-argv FILE` through the built CLI: what virsh prints for
// the bhyve driver (loader line, bhyve line, full paths, dry run) and libvirt's errors.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import {corpusFile, corpusTest, haveCorpus, loadCases, oneErrorLine, run, scratchDir, seedSample, seedTest, writeFile} from './helpers.js';

const dir = scratchDir('to-native');
const toNative = (file: string, format = 'bhyve-argv') => run(dir, 'domxml-to-native', format, file);
const mac = '52:54:00:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}';

seedTest("the seed document's sample domain: bhyveload line, then the dry-run bhyve line", (t) => {
  const file = writeFile(dir, 'seed.xml', seedSample());
  const r = toNative(file);
  t.is(r.status, 0, r.stderr);
  t.is(r.stderr, '');
  t.regex(
    r.stdout,
    new RegExp(
      '^/usr/sbin/bhyveload -m 214 -d /path/to/bhyve_freebsd\\.img bhyve\\n' +
        '/usr/sbin/bhyve -c 1 -m 214 -A -I -u -H -P -s 0:0,hostbridge -s 2:0,ahci,hd:/path/to/bhyve_freebsd\\.img ' +
        `-s 3:0,virtio-net,tap0,mac=${mac} bhyve\\n$`,
    ),
  );
});

// Cases libvirt's harness runs with a current host's capabilities (ours: all of them).
// XHCI, VIRTIO_9P and VIRTIO_RND are never checked by the command builder (HARNESS §0.1).
const fullCaps = ['RTC_UTC', 'AHCI32SLOT', 'NET_E1000', 'LPC_BOOTROM', 'FBUF', 'CPUTOPOLOGY', 'SOUND_HDA', 'VNC_PASSWORD'];
const cases = haveCorpus ? loadCases().xml2argv : [];
const withHostCaps = cases.filter((c) => fullCaps.every((k) => c.bhyvecaps.includes(k)) && c.grubcaps.includes('CONSDEV'));
const seen = new Set<string>();
const unique = withHostCaps.filter((c) => !seen.has(c.name) && seen.add(c.name));

/** The expected .ldargs + .args as one line each, in our dry run's terms. */
function expectedLines(c: (typeof cases)[number]): RegExp {
  const read = (rel: string) => fs.readFileSync(corpusFile(rel), 'utf8').replace(/ \\\n/g, ' ');
  const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const lines = c.loader_not_built ? [] : [read(c.expected_ldargs!)];
  lines.push(read(c.expected_args!));
  // libvirt's mocks: every generated MAC is 52:54:00:00:00:00 and every tap 'faketapdev';
  // a dry run names taps tap0 and generates random MACs
  return new RegExp(`^${escapeRe(lines.join('')).replaceAll('52:54:00:00:00:00', mac).replaceAll(',faketapdev,', ',tap0,')}$`);
}

/** Our output with each program written as its basename, like .args files. */
const basenamed = (out: string) => out.replace(/^(\S+)/gm, (p) => path.basename(p));

// Two inputs print something else than the .args on purpose: a dry run takes no VNC
// port (the harness's mock hands out 5900), and XML -> native skips firmware selection.
const specialCases = new Set(['vnc-autoport', 'firmware-efi']);

for (const c of unique.filter((x) => x.macro === 'DO_TEST' && !specialCases.has(x.name))) {
  test(`xml2argv ${c.name}: same command lines as its .ldargs/.args`, (t) => {
    const r = toNative(corpusFile(c.input));
    t.is(r.status, 0, r.stderr);
    const lines = r.stdout.split('\n');
    t.is(lines.at(-1), '', 'ends with one newline');
    t.is(lines.length, c.loader_not_built ? 2 : 3, 'one line per command');
    t.regex(lines.at(-2)!, /^\/usr\/sbin\/bhyve /, 'the bhyve line comes last, with its full path');
    if (!c.loader_not_built) t.regex(lines[0]!, /^\//, 'the loader line has a full path');
    t.regex(basenamed(r.stdout), expectedLines(c));
  });
}

corpusTest('xml2argv inputs checked against .args cover most cases', (t) => {
  const compared = unique.filter((x) => x.macro === 'DO_TEST' && !specialCases.has(x.name));
  t.true(compared.length >= 30, `only ${compared.length} cases`);
  t.true(
    compared.some((c) => c.loader_not_built),
    'a UEFI case',
  );
  t.true(
    compared.some((c) => /grub/.test(c.name)),
    'a grub-bhyve case',
  );
});

corpusTest('xml2argv vnc-autoport: a dry run takes no VNC port', (t) => {
  const c = unique.find((x) => x.name === 'vnc-autoport')!;
  const r = toNative(corpusFile(c.input));
  t.is(r.status, 0, r.stderr);
  t.regex(r.stdout, /-s 4:0,fbuf,tcp=127\.0\.0\.1:0 bhyve\n$/);
  t.notRegex(r.stdout, /5900/);
});

corpusTest("xml2argv firmware-efi: <os firmware='efi'> is not resolved, so bhyveload runs (as in libvirt)", (t) => {
  const c = unique.find((x) => x.name === 'firmware-efi')!;
  const r = toNative(corpusFile(c.input));
  t.is(r.status, 0, r.stderr);
  t.regex(r.stdout, /^\/usr\/sbin\/bhyveload -m 214 -d \/tmp\/freebsd\.img bhyve\n\/usr\/sbin\/bhyve /);
  t.notRegex(r.stdout, /bootrom/);
});

// Failures at parse or build time, with the host's capabilities: libvirt's message, exit 1.
for (const c of unique.filter((x) => x.libvirt_result === 'failure')) {
  test(`xml2argv ${c.name}: fails with libvirt's message`, (t) => {
    const r = toNative(corpusFile(c.input));
    t.is(r.status, 1);
    t.is(r.stdout, '');
    const line = oneErrorLine(r);
    t.truthy(line, `one error line, got ${JSON.stringify(r.stderr)}`);
    // libvirt sets no message for this one ('no error'); ours must still say something
    if (c.libvirt_error && c.libvirt_error !== 'no error') t.is(line, c.libvirt_error);
  });
}

test('a format other than bhyve-argv: libvirt\'s "Unsupported config type"', (t) => {
  const file = writeFile(dir, 'fmt.xml', "<domain type='bhyve'><name>x</name><memory>1024</memory><os><type>hvm</type></os></domain>");
  const r = toNative(file, 'qemu-argv');
  t.is(r.status, 1);
  t.is(r.stdout, '');
  t.is(r.stderr, 'error: invalid argument: Unsupported config type qemu-argv\n');
});

test('XML syntax errors give FILE:LINE:COLUMN and no output', (t) => {
  const file = writeFile(dir, 'syntax.xml', "<domain type='bhyve'>\n  <name>vm</name>\n  <memory>1024</memory\n  <vcpu>1</vcpu>\n</domain>\n");
  const r = toNative(file);
  t.is(r.status, 1);
  t.is(r.stdout, '');
  t.regex(oneErrorLine(r) ?? r.stderr, new RegExp(`^${file.replace(/[.]/g, '\\.')}:[34]:\\d+: \\S`));
});

test("semantic errors: libvirt's message as is", (t) => {
  const file = writeFile(dir, 'kvm.xml', "<domain type='kvm'><name>x</name><memory>1024</memory><os><type>hvm</type></os></domain>");
  const r = toNative(file);
  t.is(r.status, 1);
  t.is(oneErrorLine(r), 'invalid argument: could not find capabilities for ostype=hvm arch=x86_64 domaintype=kvm ');
  const uefi = writeFile(
    dir,
    'rom.xml',
    "<domain type='bhyve'><name>x</name><memory>1024</memory><os><type>hvm</type><loader type='rom'>/x.fd</loader></os></domain>",
  );
  t.is(oneErrorLine(toNative(uefi)), 'unsupported configuration: Only read-only pflash is supported.');
});

test("unreadable, missing and oversized files: one line in virsh's words", (t) => {
  const missing = path.join(dir, 'nope.xml');
  t.is(oneErrorLine(toNative(missing)), `Failed to open file '${missing}': No such file or directory`);
  t.is(oneErrorLine(toNative(dir)), `Failed to read file '${dir}': Is a directory`);
  const huge = writeFile(dir, 'huge.xml', `<domain type='bhyve'><name>x</name>${'<!-- padding -->'.repeat(200_000)}</domain>`);
  t.is(oneErrorLine(toNative(huge)), `Failed to read file '${huge}': File too large`);
  if (fs.existsSync('/dev/zero')) t.is(oneErrorLine(toNative('/dev/zero')), "Failed to read file '/dev/zero': File too large");
});

test('hostile input: entities, deep nesting, binary data; one error line each', (t) => {
  const inputs: [string, string | Buffer][] = [
    ['xxe.xml', '<?xml version="1.0"?>\n<!DOCTYPE domain [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<domain type=\'bhyve\'><name>&x;</name></domain>'],
    ['deep.xml', `<domain type='bhyve'>${'<a>'.repeat(100_000)}${'</a>'.repeat(100_000)}</domain>`],
    ['binary.xml', Buffer.from(Array.from({length: 4096}, (_, i) => (i * 7919) % 256))],
    ['empty.xml', ''],
    ['nul.xml', "<domain type='bhyve'><name>a\0b</name></domain>"],
  ];
  for (const [name, content] of inputs) {
    const r = toNative(writeFile(dir, name, content));
    t.is(r.status, 1, name);
    t.is(r.stdout, '', name);
    t.truthy(oneErrorLine(r), `${name}: ${JSON.stringify(r.stderr)}`);
  }
});

test('a missing argument is a usage error', (t) => {
  const r = run(dir, 'domxml-to-native', 'bhyve-argv');
  t.is(r.status, 2);
  t.regex(r.stderr, /^error: 'domxml-to-native' needs exactly 2 arguments; usage: bhyve-tui domxml-to-native FORMAT FILE\n$/);
});
