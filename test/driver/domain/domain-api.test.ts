import test from 'ava';
import {parseDomainXml} from '../../../driver/domain/xml-parse.js';
import {formatDomainXml} from '../../../driver/domain/xml-format.js';
import {buildBhyveCommand, buildLoaderCommand, defaultHostCaps, type BuildContext} from '../../../driver/bhyve/command-build.js';
import {prepareDomain} from '../../../driver/bhyve/firmware.js';
import {parseNativeArgv, splitNativeCommands} from '../../../driver/bhyve/native-argv-parse.js';
import {renderCommandLine} from '../../../driver/bhyve/argv-render.js';
import {CommandBuildError, DomainPrepareError, DomainXmlError} from '../../../driver/domain/errors.js';

// The sample from the driver documentation plus an nmdm console.
const sample = `<domain type='bhyve'>
  <name>bhyve</name>
  <uuid>df3be7e7-a104-11e3-aeb0-50e5492bd3dc</uuid>
    <memory>219136</memory>
    <currentMemory>219136</currentMemory>
    <vcpu>1</vcpu>
    <os>
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
      <disk type='file'>
        <driver name='file' type='raw'/>
        <source file='/path/to/bhyve_freebsd.img'/>
        <target dev='hda' bus='sata'/>
      </disk>
      <interface type='bridge'>
        <model type='virtio'/>
        <source bridge="virbr0"/>
      </interface>
      <serial type='nmdm'/>
    </devices>
</domain>`;

const ctx = (over: Partial<BuildContext> = {}): BuildContext => ({...defaultHostCaps(), dryRun: true, ...over});

test('parse: the documented sample with an nmdm console', (t) => {
  const def = parseDomainXml(sample, {generateMac: () => '52:54:00:12:34:56'});
  t.is(def.name, 'bhyve');
  t.is(def.uuid, 'df3be7e7-a104-11e3-aeb0-50e5492bd3dc');
  t.is(def.memoryKiB, 219136);
  t.is(def.vcpus, 1);
  t.is(def.serials.length, 1);
  t.is(def.serials[0]!.master, '/dev/nmdmdf3be7e7-a104-11e3-aeb0-50e5492bd3dcA');
  t.is(def.serials[0]!.slave, '/dev/nmdmdf3be7e7-a104-11e3-aeb0-50e5492bd3dcB');
  t.is(def.disks[0]!.device, 'disk');
  t.is(def.disks[0]!.source, '/path/to/bhyve_freebsd.img');
  t.is(def.nets[0]!.type, 'bridge');
  t.is(def.nets[0]!.source, 'virbr0');
  t.is(def.nets[0]!.mac, '52:54:00:12:34:56');
  t.deepEqual([def.onPoweroff, def.onReboot, def.onCrash], ['destroy', 'restart', 'destroy']);
  t.deepEqual(def.os.bootDevs, ['hd']);
});

test('build: dry run uses tap0 and the documented argument order', (t) => {
  const def = parseDomainXml(sample, {generateMac: () => '52:54:00:12:34:56'});
  t.deepEqual(buildBhyveCommand(def, ctx()), [
    '/usr/sbin/bhyve',
    '-c',
    '1',
    '-m',
    '214',
    '-A',
    '-I',
    '-u',
    '-H',
    '-P',
    '-s',
    '0:0,hostbridge',
    '-s',
    '1:0,lpc',
    '-s',
    '2:0,ahci,hd:/path/to/bhyve_freebsd.img',
    '-s',
    '3:0,virtio-net,tap0,mac=52:54:00:12:34:56',
    '-l',
    'com1,/dev/nmdmdf3be7e7-a104-11e3-aeb0-50e5492bd3dcA',
    'bhyve',
  ]);
  t.deepEqual(buildLoaderCommand(def, ctx()), {argv: ['/usr/sbin/bhyveload', '-m', '214', '-d', '/path/to/bhyve_freebsd.img', 'bhyve']});
});

test("build: real start uses the caller's tap names", (t) => {
  const def = parseDomainXml(sample);
  const argv = buildBhyveCommand(def, ctx({dryRun: false, tapNames: ['tap7']}));
  t.true(argv.some((a) => a.startsWith('3:0,virtio-net,tap7,mac=')));
  t.throws(() => buildBhyveCommand(def, ctx({dryRun: false})), {instanceOf: CommandBuildError});
});

test('grub-bhyve gets a device map and --cons-dev', (t) => {
  const xml = sample.replace('<os>', '<bootloader>/usr/local/sbin/grub-bhyve</bootloader><os>');
  const def = parseDomainXml(xml);
  const ld = buildLoaderCommand(def, ctx({deviceMapPath: '/run/dm'}))!;
  t.is(ld.argv[0], '/usr/local/sbin/grub-bhyve');
  t.deepEqual(ld.argv.slice(1), ['--root', 'hd0,msdos1', '--device-map', '/run/dm', '--memory', '214', '--cons-dev', def.serials[0]!.master!, 'bhyve']);
  t.is(ld.deviceMap, '(hd0) /path/to/bhyve_freebsd.img\n');
});

test('UEFI: no loader command, firmware picked from the directory', (t) => {
  const xml = sample.replace('<os>', "<os firmware='efi'>");
  const def = parseDomainXml(xml);
  const c = ctx({firmwareDir: '/fw', readFirmwareDir: () => ['.hidden', 'other.fd', 'BHYVE_UEFI.fd']});
  prepareDomain(def, c);
  t.is(def.os.loader?.path, '/fw/BHYVE_UEFI.fd');
  t.is(buildLoaderCommand(def, c), null);
  t.true(buildBhyveCommand(def, c).includes('bootrom,/fw/BHYVE_UEFI.fd'));
  const empty = parseDomainXml(xml);
  const e = t.throws(() => prepareDomain(empty, ctx({firmwareDir: '/none', readFirmwareDir: () => ['.keepme']})), {instanceOf: DomainPrepareError});
  t.is(e!.message, 'unsupported configuration: no firmwares found in /none');
});

test("capability gates use libvirt's messages", (t) => {
  const def = parseDomainXml(sample.replace("<clock offset='utc'/>", "<clock offset='utc'/>"));
  const caps = new Set(defaultHostCaps().caps);
  caps.delete('RTC_UTC');
  const e = t.throws(() => buildBhyveCommand(def, ctx({caps})), {instanceOf: CommandBuildError});
  t.is(e!.message, 'unsupported configuration: Installed bhyve binary does not support UTC clock');
});

test('semantic errors are DomainXmlError with libvirt text', (t) => {
  const e = t.throws(() => parseDomainXml(sample.replace("type='bhyve'", "type='kvm'")), {instanceOf: DomainXmlError});
  t.is(e!.kind, 'semantic');
  t.is(e!.message, 'invalid argument: could not find capabilities for ostype=hvm arch=x86_64 domaintype=kvm ');
});

test('format: inactive XML shows the defaults libvirt adds', (t) => {
  const def = parseDomainXml(sample, {generateMac: () => '52:54:00:12:34:56'});
  const xml = formatDomainXml(def);
  t.true(xml.includes("<memory unit='KiB'>219136</memory>"));
  t.true(xml.includes("<vcpu placement='static'>1</vcpu>"));
  t.true(xml.includes("<type arch='x86_64'>hvm</type>"));
  t.true(xml.includes("<controller type='pci' index='0' model='pci-root'/>"));
  t.true(xml.includes("<target type='serial' port='0'/>"));
  // formatting is stable: parse(format(x)) formats the same
  t.is(formatDomainXml(parseDomainXml(xml)), xml);
});

test('native argv round trip: domxml-to-native output parses back', (t) => {
  const def = parseDomainXml(sample.replace(/<serial[^>]*>/, ''), {generateMac: () => '52:54:00:12:34:56'});
  const text =
    renderCommandLine(buildLoaderCommand(def, ctx())!.argv, {basenameProgram: false, linebreaks: false}) +
    renderCommandLine(buildBhyveCommand(def, ctx()), {basenameProgram: false, linebreaks: false});
  t.is(splitNativeCommands(text).length, 2);
  const back = parseNativeArgv(text, {caps: defaultHostCaps().caps});
  t.is(back.name, 'bhyve');
  t.is(back.memoryKiB, 219136);
  t.true(back.features.acpi && back.features.apic);
  t.is(back.clock.offset, 'utc');
  t.is(back.nets[0]!.mac, '52:54:00:12:34:56');
});

test('domxml-to-native: loader line then bhyve line, full paths, dry run', async (t) => {
  const {domainXmlToNative, nativeToDomainXml} = await import('../../../driver/bhyve/native-argv-convert.js');
  const text = domainXmlToNative(sample, {...defaultHostCaps(), parse: {generateMac: () => '52:54:00:12:34:56'}});
  const lines = text.split('\n');
  t.is(lines[0], '/usr/sbin/bhyveload -m 214 -d /path/to/bhyve_freebsd.img bhyve');
  t.true(lines[1]!.startsWith('/usr/sbin/bhyve -c 1 -m 214 -A -I -u -H -P -s 0:0,hostbridge -s 1:0,lpc'));
  t.true(lines[1]!.includes('virtio-net,tap0,mac=52:54:00:12:34:56'));
  t.throws(() => domainXmlToNative(sample, {...defaultHostCaps(), format: 'qemu-argv'}), {message: 'invalid argument: Unsupported config type qemu-argv'});
  const uefi = sample.replace('<os>', "<os><loader type='rom'>/x.fd</loader>");
  t.throws(() => domainXmlToNative(uefi, defaultHostCaps()), {message: 'unsupported configuration: Only read-only pflash is supported.'});
  const back = nativeToDomainXml(text, {caps: defaultHostCaps().caps, generateUuid: () => 'c7a5fdbd-edaf-9455-926a-d65c16db1809'});
  t.true(back.includes('<name>bhyve</name>'));
  t.true(back.includes("<mac address='52:54:00:12:34:56'/>"));
});
