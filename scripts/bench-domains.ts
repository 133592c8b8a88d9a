// The domains the benchmarks list: the same definitions for bhyve-tui's simulated host and
// for libvirt's test driver (virsh -c test:///FILE), so both sides list the same thing.

export const benchDomainName = (i: number) => `vm${String(i).padStart(4, '0')}`;

const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');

/** The i-th benchmark domain (1-based), for bhyve-tui (`bhyve`) or libvirt's test driver (`test`). */
export function benchDomainXml(type: 'bhyve' | 'test', i: number): string {
  const name = benchDomainName(i);
  return `<domain type='${type}'>
  <name>${name}</name>
  <uuid>6b1c1a4e-0000-4000-8000-${hex(i, 12)}</uuid>
  <memory unit='KiB'>1048576</memory>
  <vcpu>2</vcpu>
  <os>
    <type arch='x86_64'>hvm</type>
  </os>
  <features>
    <acpi/>
    <apic/>
  </features>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <disk type='file' device='disk'>
      <driver name='file' type='raw'/>
      <source file='/vm/${name}/disk0.img'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <interface type='bridge'>
      <mac address='52:54:00:${hex((i >> 16) & 255, 2)}:${hex((i >> 8) & 255, 2)}:${hex(i & 255, 2)}'/>
      <source bridge='bridge0'/>
      <model type='virtio'/>
    </interface>
    <serial type='nmdm'>
      <source master='/dev/nmdm${i}A' slave='/dev/nmdm${i}B'/>
    </serial>
  </devices>
</domain>
`;
}

/** A libvirt test-driver node file holding benchmark domains 1..count. */
export function testNodeXml(count: number): string {
  const body = Array.from({length: count}, (_, k) => benchDomainXml('test', k + 1)).join('');
  return `<node>\n  <cpu>\n    <nodes>1</nodes>\n    <sockets>1</sockets>\n    <cores>4</cores>\n    <threads>1</threads>\n    <active>4</active>\n    <mhz>2000</mhz>\n    <model>x86_64</model>\n  </cpu>\n  <memory>16777216</memory>\n${body}</node>\n`;
}
