// Demo domains for a new simulated host, so `npm start` shows something to start.
// They are ordinary libvirt domain XML files, written only when the host is new.
import fs from 'node:fs';
import path from 'node:path';
import type {HostLayout} from '../host/layout.js';
import {createFileSync} from './fs-lock.js';

interface Demo {
  name: string;
  uuid: string;
  memoryKiB: number;
  vcpus: number;
  disk: string;
  diskBus: 'sata' | 'virtio';
  bridge: string;
  console: string;
  bootloader?: string;
}

const demos: Demo[] = [
  {
    name: 'freebsd14',
    uuid: '5c0ad6d6-5e61-4b0d-9a43-59b1d2b0f001',
    memoryKiB: 1048576,
    vcpus: 2,
    disk: '/vm/freebsd14/disk0.img',
    diskBus: 'virtio',
    bridge: 'bridge0',
    console: '/dev/nmdm-freebsd14.1',
  },
  {
    name: 'web1',
    uuid: '5c0ad6d6-5e61-4b0d-9a43-59b1d2b0f002',
    memoryKiB: 524288,
    vcpus: 1,
    disk: '/vm/web1/disk0.img',
    diskBus: 'sata',
    bridge: 'bridge0',
    console: '/dev/nmdm-web1.1',
  },
  {
    name: 'db1',
    uuid: '5c0ad6d6-5e61-4b0d-9a43-59b1d2b0f003',
    memoryKiB: 2097152,
    vcpus: 2,
    disk: '/vm/db1/disk0.img',
    diskBus: 'virtio',
    bridge: 'bridge0',
    console: '/dev/nmdm-db1.1',
  },
  {
    name: 'debian12',
    uuid: '5c0ad6d6-5e61-4b0d-9a43-59b1d2b0f004',
    memoryKiB: 1048576,
    vcpus: 2,
    disk: '/vm/debian12/disk0.img',
    diskBus: 'virtio',
    bridge: 'bridge0',
    console: '/dev/nmdm-debian12.1',
    bootloader: '/usr/local/sbin/grub-bhyve',
  },
];

function demoXml(d: Demo): string {
  const loader = d.bootloader ? `  <bootloader>${d.bootloader}</bootloader>\n` : '';
  const target = d.diskBus === 'sata' ? 'hda' : 'vda';
  return `<domain type='bhyve'>
  <name>${d.name}</name>
  <uuid>${d.uuid}</uuid>
  <memory unit='KiB'>${d.memoryKiB}</memory>
  <vcpu>${d.vcpus}</vcpu>
${loader}  <os>
    <type>hvm</type>
  </os>
  <features>
    <apic/>
    <acpi/>
  </features>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <disk type='file' device='disk'>
      <driver name='file' type='raw'/>
      <source file='${d.disk}'/>
      <target dev='${target}' bus='${d.diskBus}'/>
    </disk>
    <interface type='bridge'>
      <model type='virtio'/>
      <source bridge='${d.bridge}'/>
    </interface>
    <serial type='nmdm'>
      <source master='${d.console}A' slave='${d.console}B'/>
    </serial>
  </devices>
</domain>
`;
}

/**
 * Writes the demo domains and their disk images unless the host has domains already.
 * Every file is created only where nothing is (O_EXCL, link(2)): a domain file, a disk
 * image or a link someone put at one of these names stays as it is.
 */
export function seedDemoDomains(layout: HostLayout): void {
  fs.mkdirSync(layout.domainsDir, {recursive: true});
  const marker = path.join(layout.configDir, '.seeded');
  if (fs.existsSync(marker)) return;
  for (const d of demos) {
    const img = layout.resolve(d.disk);
    fs.mkdirSync(path.dirname(img), {recursive: true});
    try {
      // 'wx' also refuses a dangling link, which 'w' would follow to make a file elsewhere.
      const fd = fs.openSync(img, 'wx');
      fs.ftruncateSync(fd, 2 * 1024 ** 3); // a sparse 2 GiB image costs no disk space
      fs.closeSync(fd);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    createFileSync(path.join(layout.domainsDir, `${d.name}.xml`), demoXml(d));
  }
  createFileSync(marker, `${new Date().toISOString()}\n`);
}
