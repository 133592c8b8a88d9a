import test from 'ava';
import {simHostLayout} from '../../../driver/sim/sim-backend.js';
import {parseDomainXml} from '../../../driver/domain/xml-parse.js';
import {domainPreview} from '../../../driver/domain/preview.js';
import {domainXmlToNative} from '../../../driver/bhyve/native-argv-convert.js';
import {defaultHostCaps} from '../../../driver/bhyve/command-build.js';

const xml = `<domain type='bhyve'>
  <name>web1</name>
  <uuid>5c0ad6d6-5e61-4b0d-9a43-59b1d2b0f002</uuid>
  <memory unit='KiB'>524288</memory>
  <vcpu>1</vcpu>
  <os><type>hvm</type></os>
  <devices>
    <disk type='file' device='disk'><source file='/vm/web1/disk0.img'/><target dev='hda' bus='sata'/></disk>
    <interface type='bridge'><mac address='52:54:00:00:00:01'/><model type='virtio'/><source bridge='bridge0'/></interface>
    <serial type='nmdm'><source master='/dev/nmdm0A' slave='/dev/nmdm0B'/></serial>
  </devices>
</domain>`;

test("the details preview: libvirt's bhyve line, bhyveload on the console, devices", (t) => {
  const def = parseDomainXml(xml);
  const d = domainPreview(simHostLayout('/nonexistent-root'), def, '/x/web1.xml', {state: 'shut off', autostart: false, taps: []});
  const native = domainXmlToNative(xml, {...defaultHostCaps()})
    .trimEnd()
    .split('\n');
  t.is(d.commands?.bhyve, native[1]);
  t.is(d.commands?.loader, '/usr/sbin/bhyveload -c /dev/nmdm0A -m 512 -d /vm/web1/disk0.img web1');
  t.is(d.boot, 'bhyveload');
  t.deepEqual(d.consoles, [{master: '/dev/nmdm0A', slave: '/dev/nmdm0B'}]);
  t.is(d.disks[0]!.exists, false);
  t.is(d.nics[0]!.bridge, 'bridge0');
  t.is(d.vnc, undefined);
});

test('a UEFI guest with VNC on every address and no password gets a warning; no loader line', (t) => {
  const uefi = xml
    .replace('<os><type>hvm</type></os>', "<os><type>hvm</type><loader readonly='yes' type='pflash'>/usr/local/share/uefi-firmware/BHYVE_UEFI.fd</loader></os>")
    .replace('</devices>', "<graphics type='vnc' port='5904' listen='0.0.0.0'/><video><model type='gop'/></video></devices>");
  const d = domainPreview(simHostLayout('/nonexistent-root'), parseDomainXml(uefi), '/x/web1.xml', {state: 'shut off', autostart: false, taps: []});
  t.is(d.commands?.loader, undefined);
  t.regex(d.commands?.bhyve ?? '', /-l bootrom,\/usr\/local\/share\/uefi-firmware\/BHYVE_UEFI\.fd/);
  t.regex(d.boot, /^UEFI/);
  t.is(d.vnc?.port, 5904);
  t.regex(d.vnc?.warning ?? '', /0\.0\.0\.0 without a password/);
});
