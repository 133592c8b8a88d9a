// `bhyve-tui dumpxml NAME [--inactive] [--security-info]` through the built CLI on a
// simulated host: the defined domain's XML as libvirt formats its inactive definition.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import {corpusFile, corpusTest, haveCorpus, loadCases, oneErrorLine, run, schemaTest, scratchDir, virtXmlValidate, writeFile} from './helpers.js';

const dir = scratchDir('dumpxml');
// Listing creates the simulated host and its demo domains.
const listed = run(dir, 'list', '--all');
const domainsDir = path.join(dir, 'host', 'usr', 'local', 'etc', 'bhyve-tui', 'domains');
const dumpxml = (...args: string[]) => run(dir, 'dumpxml', ...args);
const anyMac = (xml: string) => xml.replace(/<mac address='52:54:00(?::[0-9a-f]{2}){3}'\/>/g, "<mac address='52:54:00:xx:xx:xx'/>");

test('the simulated host has its demo domains', (t) => {
  t.is(listed.status, 0, listed.stderr);
  t.regex(listed.stdout, /\bweb1\b/);
});

test("dumpxml of a demo domain: its definition with libvirt's defaults, then an empty line", (t) => {
  const r = dumpxml('web1');
  t.is(r.status, 0, r.stderr);
  t.is(r.stderr, '');
  t.true(r.stdout.startsWith("<domain type='bhyve'>\n  <name>web1</name>\n  <uuid>5c0ad6d6-5e61-4b0d-9a43-59b1d2b0f002</uuid>\n"));
  t.true(r.stdout.endsWith('</domain>\n\n'), 'virsh ends the output with an empty line');
  t.notRegex(r.stdout, /<domain[^>]* id=/, 'no live id');
  // post-parse defaults, implicit devices and addresses, as libvirt stores a defined domain
  t.regex(r.stdout, /<memory unit='KiB'>524288<\/memory>\n {2}<currentMemory unit='KiB'>524288<\/currentMemory>\n {2}<vcpu placement='static'>1<\/vcpu>/);
  t.regex(r.stdout, /<type arch='x86_64'>hvm<\/type>\n {4}<boot dev='hd'\/>/);
  t.regex(r.stdout, /<controller type='pci' index='0' model='pci-root'\/>/);
  t.regex(r.stdout, /<controller type='sata' index='0'>\n {6}<address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'\/>/);
  t.regex(r.stdout, /<address type='drive' controller='0' bus='0' target='0' unit='0'\/>/);
  t.regex(r.stdout, /<console type='nmdm'>\n {6}<source master='\/dev\/nmdm-web1\.1A' slave='\/dev\/nmdm-web1\.1B'\/>\n {6}<target type='serial' port='0'\/>/);
});

test('dumpxml --inactive prints the same definition (no live XML is kept yet)', (t) => {
  const live = dumpxml('db1');
  const inactive = dumpxml('db1', '--inactive');
  t.is(live.status, 0, live.stderr);
  t.is(inactive.status, 0, inactive.stderr);
  // the demo domains give no <mac>, so each load generates one, as libvirt does on define
  t.is(anyMac(inactive.stdout), anyMac(live.stdout));
});

test('what dumpxml prints validates and translates like the file it came from', (t) => {
  const r = dumpxml('freebsd14');
  t.is(r.status, 0, r.stderr);
  const file = writeFile(dir, 'freebsd14-dump.xml', r.stdout);
  const v = run(dir, 'validate', file);
  t.is(v.status, 0, v.stderr);
  const a = run(dir, 'domxml-to-native', 'bhyve-argv', path.join(domainsDir, 'freebsd14.xml'));
  const b = run(dir, 'domxml-to-native', 'bhyve-argv', file);
  t.is(a.status, 0, a.stderr);
  t.is(b.status, 0, b.stderr);
  const macs = (s: string) => s.replace(/mac=52:54:00(?::[0-9a-f]{2}){3}/g, 'mac=M');
  t.is(macs(b.stdout), macs(a.stdout));
});

schemaTest('virt-xml-validate accepts dumpxml of every demo domain', (t) => {
  for (const name of ['freebsd14', 'web1', 'db1', 'debian12']) {
    const r = dumpxml(name);
    t.is(r.status, 0, r.stderr);
    const v = virtXmlValidate(writeFile(dir, `${name}-schema.xml`, r.stdout));
    t.true(v.ok, `${name}: ${v.output}`);
  }
});

// libvirt's xml2xml suite formats each parsed definition as inactive + secure XML; a
// domain defined from the same input must dump the same (names made unique per case).
const xml2xml = haveCorpus ? loadCases().xml2xml.filter((c) => c.expected_xml && c.bhyvecaps.includes('AHCI32SLOT')) : [];
for (const c of xml2xml) {
  const name = `x2x-${c.name}`;
  const rename = (xml: string) => xml.replace('<name>bhyve</name>', `<name>${name}</name>`);
  test(`xml2xml ${c.name}: dumpxml --inactive --security-info is libvirt's inactive XML`, (t) => {
    writeFile(domainsDir, `${name}.xml`, rename(fs.readFileSync(corpusFile(c.input), 'utf8')));
    const expected = rename(fs.readFileSync(corpusFile(c.expected_xml!), 'utf8').replace(/\\\n/g, ''));
    const r = dumpxml(name, '--inactive', '--security-info');
    t.is(r.status, 0, r.stderr);
    // libvirt's harness pins generated MACs to 52:54:00:00:00:00; ours are random
    const generated = [...expected.matchAll(/<mac address='52:54:00:00:00:00'\/>/g)].length;
    const mock = (s: string) => (generated ? s.replace(/<mac address='52:54:00(?::[0-9a-f]{2}){3}'\/>/g, "<mac address='52:54:00:00:00:00'/>") : s);
    const want = `${expected.endsWith('\n') ? expected : `${expected}\n`}\n`;
    t.is(mock(r.stdout), want);
    if (/ passwd=/.test(want)) {
      const plain = dumpxml(name, '--inactive');
      t.is(mock(plain.stdout), mock(want).replace(/ passwd='[^']*'/g, ''), 'no password without --security-info');
    }
  });
}

corpusTest('xml2xml cases are compared', (t) => {
  t.true(xml2xml.length >= 30, `${xml2xml.length}`);
});

test('dumpxml of a name nobody defined: one error line, exit 1', (t) => {
  const r = dumpxml('nosuch');
  t.is(r.status, 1);
  t.is(r.stdout, '');
  t.regex(oneErrorLine(r) ?? r.stderr, /^failed to get domain 'nosuch'/);
});

test('dumpxml of a broken definition: one error line naming the problem and the file', (t) => {
  const file = writeFile(domainsDir, 'broken.xml', "<domain type='bhyve'>\n  <name>broken</name>\n  <memory>1024</memory\n</domain>\n");
  const r = dumpxml('broken');
  t.is(r.status, 1);
  t.is(r.stdout, '');
  const line = oneErrorLine(r);
  t.truthy(line, JSON.stringify(r.stderr));
  t.regex(line!, /^domain 'broken' is invalid: /);
  t.true(line!.includes(file), line);
});
