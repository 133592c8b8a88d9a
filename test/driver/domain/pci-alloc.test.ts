import test from 'ava';
import {PciSlotAllocator, assignPciAddresses} from '../../../driver/domain/pci-address-alloc.js';
import {parseDomainXml} from '../../../driver/domain/xml-parse.js';
import {VirError} from '../../../driver/domain/errors.js';
import type {PciAddress} from '../../../driver/domain/model.js';

const slot = (a: unknown) => (a as PciAddress).slot;

test('hands out the lowest free slot, one device per slot', (t) => {
  const a = new PciSlotAllocator();
  a.reserve({domain: 0, bus: 0, slot: 3, function: 0});
  t.is(a.next().slot, 1);
  t.is(a.next().slot, 2);
  t.is(a.next().slot, 4);
});

test('a slot with any function in use is not handed out', (t) => {
  const a = new PciSlotAllocator();
  a.reserve({domain: 0, bus: 0, slot: 1, function: 3});
  t.is(a.next().slot, 2);
});

test("double use of one function is refused with libvirt's message", (t) => {
  const a = new PciSlotAllocator();
  a.reserve({domain: 0, bus: 0, slot: 5, function: 0});
  a.reserve({domain: 0, bus: 0, slot: 5, function: 1});
  const e = t.throws(() => a.reserve({domain: 0, bus: 0, slot: 5, function: 0}), {instanceOf: VirError});
  t.is(e!.message, 'XML error: Attempted double use of PCI Address 0000:00:05.0');
});

test('runs out after slot 31', (t) => {
  const a = new PciSlotAllocator();
  for (let i = 1; i <= 31; i++) t.is(a.next().slot, i);
  const e = t.throws(() => a.next(), {instanceOf: VirError});
  t.is(e!.message, 'internal error: No more available PCI slots');
});

test('addresses outside bus 0 slots 1-31 are refused', (t) => {
  const a = new PciSlotAllocator();
  t.throws(() => a.reserve({domain: 0, bus: 0, slot: 32, function: 0}), {instanceOf: VirError});
  t.throws(() => a.reserve({domain: 0, bus: 1, slot: 2, function: 0}), {instanceOf: VirError});
});

const dom = (devices: string, os = '') => `<domain type='bhyve'><name>t</name><uuid>df3be7e7-a104-11e3-aeb0-50e5492bd3dc</uuid>
<memory>1024</memory><os><type>hvm</type>${os}</os><devices>${devices}</devices></domain>`;
const disk = (dev: string, bus = 'sata', extra = '') => `<disk type='file'><source file='/tmp/${dev}.img'/><target dev='${dev}' bus='${bus}'/>${extra}</disk>`;
const nic = (extra = '') => `<interface type='bridge'><source bridge='b0'/><model type='virtio'/>${extra}</interface>`;

test('slot 1 stays free for the LPC bridge; sata, then NIC, then virtio disks', (t) => {
  const def = parseDomainXml(dom(disk('hda') + nic() + disk('vda', 'virtio')));
  t.is(slot(def.controllers.find((c) => c.type === 'sata')!.info.address), 2);
  t.is(slot(def.nets[0]!.info.address), 3);
  t.is(slot(def.disks.find((d) => d.target.bus === 'virtio')!.info.address), 4);
});

test('an implicit ISA controller takes slot 1', (t) => {
  const def = parseDomainXml(dom(disk('hda') + "<serial type='nmdm'/>"));
  t.is(slot(def.controllers.find((c) => c.type === 'isa')!.info.address), 1);
});

test('a user device on slot 1 pushes the ISA controller to the next free slot', (t) => {
  const def = parseDomainXml(dom(disk('hda') + nic("<address type='pci' domain='0' bus='0' slot='1' function='0'/>") + "<console type='nmdm'/>"));
  t.is(slot(def.controllers.find((c) => c.type === 'isa')!.info.address), 2);
  t.is(slot(def.controllers.find((c) => c.type === 'sata')!.info.address), 3);
});

test('user addresses on any device are reserved first', (t) => {
  const def = parseDomainXml(
    dom(disk('hda') + "<hostdev mode='subsystem' type='pci'><address type='pci' domain='0' bus='0' slot='2' function='0'/></hostdev>"),
  );
  t.is(slot(def.controllers.find((c) => c.type === 'sata')!.info.address), 3);
});

test('without AHCI32SLOT each SATA disk needs its own slot, 31 slots are not enough for 33 disks', (t) => {
  const names = Array.from({length: 33}, (_, i) => 'hd' + (i < 26 ? String.fromCharCode(97 + i) : 'a' + String.fromCharCode(97 + i - 26)));
  const xml = dom(names.map((n) => disk(n)).join(''));
  t.notThrows(() => parseDomainXml(xml, {caps: new Set(['AHCI32SLOT'])}));
  const e = t.throws(() => parseDomainXml(xml, {caps: new Set()}));
  t.is(e!.message, 'internal error: No more available PCI slots');
});

test('assignPciAddresses leaves explicit addresses alone', (t) => {
  const def = parseDomainXml(dom(nic("<address type='pci' domain='0x0000' bus='0x00' slot='0x1f' function='0x0'/>")), {raw: true});
  assignPciAddresses(def);
  t.is(slot(def.nets[0]!.info.address), 31);
});
