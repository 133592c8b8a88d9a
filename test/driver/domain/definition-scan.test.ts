// The text scan that points host problems at their element: it must find what the XML
// parser finds, at the same line and column, and keep working on a file that does not parse.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import {scanDefinition} from '../../../driver/domain/definition-scan.js';
import {attr, childElements, parseXmlDocument, type XmlElement} from '../../../driver/xml/dom.js';
import {repoRoot} from '../../helpers/sim-dir.js';

/** What the scan should report, read with the real XML parser. */
function parsed(text: string) {
  const root = parseXmlDocument(text);
  const devices = childElements(root, 'devices')[0];
  const sources = (parent: string, type?: (element: XmlElement) => boolean) =>
    devices === undefined
      ? []
      : childElements(devices, parent)
          .filter((element) => type?.(element) ?? true)
          .flatMap((element) => childElements(element, 'source').slice(0, 1));
  const vcpu = childElements(root, 'vcpu')[0];
  return {
    files: sources('disk', (element) => ['file', 'block', undefined].includes(attr(element, 'type')))
      .filter((source) => attr(source, 'file') !== undefined || attr(source, 'dev') !== undefined)
      .map((source) => ({path: attr(source, 'file') ?? attr(source, 'dev'), line: source.line, column: source.column})),
    bridges: sources('interface', (element) => attr(element, 'type') === 'bridge')
      .filter((source) => attr(source, 'bridge') !== undefined)
      .map((source) => ({name: attr(source, 'bridge'), line: source.line, column: source.column})),
    vcpus: vcpu === undefined ? undefined : {line: vcpu.line, column: vcpu.column},
  };
}

function scanned(text: string) {
  const scan = scanDefinition(text);
  return {
    files: scan.files.map(({path, line, column}) => ({path, line, column})),
    bridges: scan.bridges.map(({name, line, column}) => ({name, line, column})),
    vcpus: scan.vcpus === undefined ? undefined : {line: scan.vcpus.line, column: scan.vcpus.column},
  };
}

const tricky = `<?xml version="1.0"?>
<!-- <disk type='file'><source file='/in/a/comment.img'/></disk> -->
<domain type='bhyve'>
  <name>tricky</name>
  <description><![CDATA[<disk type='file'><source file='/in/cdata.img'/></disk>]]></description>
  <memory unit='KiB'>219136</memory>
  <vcpu placement='static'>2</vcpu>
  <devices>
    <disk type='file' device='disk'><driver name='file' type='raw'/>
      <source
        file="/vm/a&amp;b/disk>0.img"/><target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='cdrom'>
      <source file='/iso/ünïcode.iso'/>
    </disk>
    <disk type='block' device='disk'><source dev='/dev/zvol/tank/vm'/></disk>
    <interface type='bridge'><source bridge='bridge0'/><model type='virtio'/></interface>
    <interface type='user'><source bridge='not-a-bridge-interface'/></interface>
    <serial type='nmdm'><source master='/dev/nmdm0A' slave='/dev/nmdm0B'/></serial>
  </devices>
</domain>
`;

test('finds what the XML parser finds, at the same line and column', (t) => {
  t.deepEqual(scanned(tricky), parsed(tricky));
  const scan = scanDefinition(tricky);
  t.deepEqual(
    scan.files.map((file) => [file.path, file.what]),
    [
      ['/vm/a&b/disk>0.img', 'disk image'],
      ['/iso/ünïcode.iso', 'ISO image'],
      ['/dev/zvol/tank/vm', 'disk image'],
    ],
  );
  t.deepEqual(
    scan.consoles.map((console) => [console.master, console.slave]),
    [['/dev/nmdm0A', '/dev/nmdm0B']],
  );
  t.is(scan.vcpus?.value, 2);
});

test('a file that does not parse still gives its disks, bridges and consoles', (t) => {
  const broken = tricky.replace("<memory unit='KiB'>219136</memory>", "<memory unit='KiB'>219136").replace('</vcpu>', '');
  t.throws(() => parseXmlDocument(broken));
  const scan = scanDefinition(broken);
  t.deepEqual(
    scan.files.map((file) => file.path),
    ['/vm/a&b/disk>0.img', '/iso/ünïcode.iso', '/dev/zvol/tank/vm'],
  );
  t.deepEqual(
    scan.bridges.map((bridge) => bridge.name),
    ['bridge0'],
  );
  t.is(scan.consoles.length, 1);
  t.deepEqual(scanned(broken).files, scanned(tricky).files, 'same places as in the intact file');
});

test("every domain of libvirt's bhyve test suite scans as it parses", (t) => {
  const corpus = path.resolve(repoRoot, '../shared/libvirt-bhyve/xml2argv');
  if (!fs.existsSync(corpus)) {
    t.log(`skipped: no corpus at ${corpus} (libvirt's bhyve test data, next to the repository)`);
    t.pass();
    return;
  }

  let compared = 0;
  for (const file of fs.readdirSync(corpus).filter((name) => name.endsWith('.xml'))) {
    const text = fs.readFileSync(path.join(corpus, file), 'utf8');
    let expected;
    try {
      expected = parsed(text);
    } catch {
      continue; // a deliberately malformed input
    }

    t.deepEqual(scanned(text), expected, file);
    compared++;
  }

  t.true(compared > 50, `${compared} files compared`);
});

test('a character reference past U+10FFFF in a broken file is kept as written, not an internal error', (t) => {
  const text = `<domain type='bhyve'><devices><disk type='file'><source file='/vm/&#x110000;&#99999999999;&#xD800;.img'/></disk>`;
  const scan = scanDefinition(text);
  t.deepEqual(
    scan.files.map((file) => file.path),
    ['/vm/&#x110000;&#99999999999;&#xD800;.img'],
  );
});
