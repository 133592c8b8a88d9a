// Generators of bhyve domain XML for the property tests: the elements and attributes the
// driver reads (and some it keeps as written), with values that are mostly right, so that
// most definitions are valid and the rest fail in the parser's own ways.
import fc from 'fast-check';

const pick = <T>(...values: T[]) => fc.constantFrom(...values);
const maybe = (a: fc.Arbitrary<string>, odds = 1) => fc.oneof({weight: odds, arbitrary: a}, {weight: 1, arbitrary: fc.constant('')});
const join = (parts: fc.Arbitrary<string[]>) => parts.map((p) => p.join(''));

/** Text that needs escaping, as it would appear escaped in a document. */
const escapedText = fc.array(pick('a', 'b c', '&amp;', '&lt;', '&gt;', '&quot;', 'ü', '中', '&#65;', "'", '"', '\n'), {maxLength: 6}).map((p) => p.join(''));
const attrText = fc.array(pick('a', 'x-y', '&amp;', '&lt;', 'ü', '&quot;', '.'), {maxLength: 4}).map((p) => p.join(''));

const domainName = fc.oneof({weight: 20, arbitrary: fc.stringMatching(/^[a-z][a-z0-9_-]{0,10}$/)}, {weight: 1, arbitrary: pick('', 'a b', '-x', 'x/y', 'ü')});
const uuid = fc.oneof({weight: 10, arbitrary: fc.uuid()}, {weight: 1, arbitrary: pick('nope', '0000', '5c0ad6d6-5e61-4b0d-9a43-59b1d2b0f00')});
const mac = fc.oneof(
  {weight: 10, arbitrary: fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255)).map((b) => `52:54:00:${b.map((x) => x.toString(16).padStart(2, '0')).join(':')}`)},
  {weight: 1, arbitrary: pick('zz', '01:00:00:00:00:00', '52:54:00:00:00')},
);
const diskDev = (prefix: string) => fc.nat(30).map((i) => `${prefix}${i < 26 ? String.fromCharCode(97 + i) : `a${String.fromCharCode(97 + i - 26)}`}`);
const path = fc.stringMatching(/^\/[a-z0-9]{1,6}(\/[a-z0-9.]{1,8}){0,2}$/);

const disk = fc
  .record({
    type: fc.oneof({weight: 8, arbitrary: pick('file', 'block')}, {weight: 1, arbitrary: pick('network', 'volume', 'dir')}),
    device: pick('disk', 'disk', 'cdrom'),
    bus: fc.oneof({weight: 8, arbitrary: pick('virtio', 'sata')}, {weight: 1, arbitrary: pick('ide', 'scsi', 'usb')}),
    path,
    driver: maybe(pick("<driver name='file' type='raw'/>", "<driver name='file' type='raw' cache='none'/>")),
    readonly: maybe(pick('<readonly/>'), 3),
    boot: maybe(
      fc.integer({min: 1, max: 4}).map((n) => `<boot order='${n}'/>`),
      5,
    ),
    address: maybe(
      pick("<address type='drive' controller='0' bus='0' target='0' unit='1'/>", "<address type='pci' domain='0x0000' bus='0x00' slot='0x0a' function='0x0'/>"),
      6,
    ),
  })
  .chain((d) =>
    (d.bus === 'sata' ? diskDev('sd') : d.bus === 'virtio' ? diskDev('vd') : diskDev('hd')).map(
      (dev) =>
        `<disk type='${d.type}' device='${d.device}'>${d.driver}<source ${d.type === 'block' ? 'dev' : 'file'}='${d.path}'/><target dev='${dev}' bus='${d.bus}'/>${d.readonly}${d.boot}${d.address}</disk>`,
    ),
  );

const iface = fc
  .record({
    model: pick('virtio', 'e1000', 'virtio'),
    bridge: fc.stringMatching(/^bridge[0-9]$/),
    mac: maybe(
      mac.map((m) => `<mac address='${m}'/>`),
      2,
    ),
    target: maybe(pick("<target dev='tap5'/>", "<target dev='vnet0'/>"), 4),
    type: fc.oneof({weight: 10, arbitrary: pick('bridge')}, {weight: 1, arbitrary: pick('user', 'network')}),
  })
  .map((i) => `<interface type='${i.type}'>${i.mac}<source bridge='${i.bridge}'/><model type='${i.model}'/>${i.target}</interface>`);

const serial = fc
  .record({
    n: fc.nat(3),
    port: maybe(
      fc.nat(3).map((p) => `<target port='${p}'/>`),
      2,
    ),
    type: fc.oneof({weight: 8, arbitrary: pick('nmdm')}, {weight: 1, arbitrary: pick('pty', 'file')}),
  })
  .map((s) =>
    s.type === 'nmdm'
      ? `<serial type='nmdm'><source master='/dev/nmdm${s.n}A' slave='/dev/nmdm${s.n}B'/>${s.port}</serial>`
      : `<serial type='${s.type}'>${s.port}</serial>`,
  );

const controller = fc.oneof(
  fc.nat(2).map((i) => `<controller type='sata' index='${i}'/>`),
  pick(
    "<controller type='usb' model='nec-xhci'/>",
    "<controller type='isa' index='0'/>",
    "<controller type='pci' index='0' model='pci-root'/>",
    "<controller type='sata'/>",
  ),
);

const graphics = fc
  .record({
    port: pick("port='5900'", "port='-1' autoport='yes'", "autoport='yes'"),
    listen: maybe(pick("<listen type='address' address='127.0.0.1'/>", "<listen type='address' address='::1'/>")),
    passwd: maybe(pick(" passwd='secret'", " passwd='a&amp;b'"), 3),
    video: pick("<video><model type='gop' heads='1' primary='yes'/></video>", "<video><model type='gop'/></video>", ''),
  })
  .map((g) => `<graphics type='vnc' ${g.port}${g.passwd}>${g.listen}</graphics>${g.video}`);

const otherDevice = pick(
  "<input type='tablet' bus='usb'/>",
  "<rng model='virtio'><backend model='random'>/dev/random</backend></rng>",
  "<memballoon model='none'/>",
  "<filesystem type='mount' accessmode='passthrough'><driver type='path'/><source dir='/shared'/><target dir='shared'/></filesystem>",
  "<sound model='ich7'><audio id='1'/></sound><audio id='1' type='oss'/>",
  "<console type='nmdm'><source master='/dev/nmdm9A' slave='/dev/nmdm9B'/></console>",
  '<emulator>/usr/sbin/bhyve</emulator>',
  "<watchdog model='i6300esb'/>",
);

const devices = join(
  fc.array(
    fc.oneof(
      {weight: 4, arbitrary: disk},
      {weight: 2, arbitrary: iface},
      {weight: 2, arbitrary: serial},
      {weight: 1, arbitrary: controller},
      {weight: 1, arbitrary: graphics},
      {weight: 2, arbitrary: otherDevice},
    ),
    {maxLength: 6},
  ),
);

const os = fc
  .record({
    arch: maybe(pick(" arch='x86_64'"), 2),
    loader: maybe(
      pick(
        "<loader readonly='yes' type='pflash'>/usr/local/share/uefi-firmware/BHYVE_UEFI.fd</loader>",
        "<loader readonly='yes' type='pflash'>/x&amp;y.fd</loader>",
      ),
      3,
    ),
    boot: join(fc.array(pick("<boot dev='hd'/>", "<boot dev='cdrom'/>", "<boot dev='network'/>"), {maxLength: 2})),
    firmware: maybe(pick(" firmware='efi'"), 6),
  })
  .map((o) => `<os${o.firmware}><type${o.arch}>hvm</type>${o.loader}${o.boot}</os>`);

const memory = fc
  .record({n: fc.integer({min: 1, max: 1 << 20}), unit: pick('KiB', 'MiB', 'GiB', 'k', 'M', 'b', 'KB')})
  .map((m) => `<memory unit='${m.unit}'>${m.n}</memory>`);

const top = fc.record({
  title: maybe(
    attrText.map((x) => `<title>${x}</title>`),
    1,
  ),
  description: maybe(
    escapedText.map((x) => `<description>${x}</description>`),
    1,
  ),
  currentMemory: maybe(pick("<currentMemory unit='KiB'>262144</currentMemory>"), 4),
  vcpu: fc.oneof(
    {weight: 10, arbitrary: fc.integer({min: 1, max: 16}).map((n) => `<vcpu>${n}</vcpu>`)},
    {weight: 1, arbitrary: pick("<vcpu placement='static'>2</vcpu>", '<vcpu>0</vcpu>', '<vcpu>x</vcpu>')},
  ),
  bootloader: maybe(
    pick('<bootloader>/usr/local/sbin/grub-bhyve</bootloader>', '<bootloader>/usr/sbin/bhyveload</bootloader><bootloader_args>-m /dev/null</bootloader_args>'),
    3,
  ),
  features: maybe(
    join(fc.subarray(['<acpi/>', '<apic/>', '<hap/>', '<pae/>'])).map((f) => `<features>${f}</features>`),
    1,
  ),
  cpu: maybe(
    fc
      .tuple(fc.integer({min: 1, max: 2}), fc.integer({min: 1, max: 4}), fc.integer({min: 1, max: 2}))
      .map(([s, c, t]) => `<cpu><topology sockets='${s}' cores='${c}' threads='${t}'/></cpu>`),
    4,
  ),
  clock: maybe(pick("<clock offset='utc'/>", "<clock offset='localtime'/>"), 2),
  lifecycle: maybe(pick('<on_poweroff>destroy</on_poweroff><on_reboot>restart</on_reboot><on_crash>destroy</on_crash>', '<on_reboot>destroy</on_reboot>'), 2),
  metadata: maybe(
    pick("<metadata><app:x xmlns:app='urn:app'><app:y k='v'>t</app:y></app:x></metadata>", "<metadata><a:b xmlns:a='urn:a'/><c:d xmlns:c='urn:a'/></metadata>"),
    4,
  ),
  commandline: maybe(
    join(fc.array(pick('-H', '-P', '-s 31,lpc', 'a&amp;b'), {minLength: 1, maxLength: 3})).map(
      (a) =>
        `<bhyve:commandline xmlns:bhyve='http://libvirt.org/schemas/domain/bhyve/1.0'>${a
          .split('-')
          .filter(Boolean)
          .map((x) => `<bhyve:arg value='-${x.trim()}'/>`)
          .join('')}</bhyve:commandline>`,
    ),
    5,
  ),
});

/** A bhyve domain definition, mostly valid. */
export const domainXml = fc
  .record({
    type: fc.oneof({weight: 20, arbitrary: pick('bhyve')}, {weight: 1, arbitrary: pick('kvm', 'qemu')}),
    name: domainName,
    uuid: maybe(
      uuid.map((u) => `<uuid>${u}</uuid>`),
      3,
    ),
    memory,
    top,
    os,
    devices,
    indent: pick('', '\n  '),
  })
  .map((d) => {
    const t = d.top;
    const parts = [
      `<name>${d.name}</name>`,
      d.uuid,
      t.title,
      t.description,
      t.metadata,
      d.memory,
      t.currentMemory,
      t.vcpu,
      t.bootloader,
      d.os,
      t.features,
      t.cpu,
      t.clock,
      t.lifecycle,
      `<devices>${d.devices}</devices>`,
      t.commandline,
    ].filter((p) => p !== '');
    return `<domain type='${d.type}'>${d.indent}${parts.join(d.indent)}\n</domain>\n`;
  });
