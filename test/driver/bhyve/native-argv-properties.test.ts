// Properties of the native-argv conversions (driver/bhyve/native-argv-parse.ts and
// native-argv-convert.ts, `domxml-from-native` / `domxml-to-native`): any text converts or
// fails with libvirt's error type (VirError), quickly; and argv → XML → argv is stable:
// command lines built from bhyve's and bhyveload's options, as libvirt's argv2xml fixtures
// write them, come back from XML as the same XML after one more trip.
import test from 'ava';
import fc from 'fast-check';
import {nativeToDomainXml, domainXmlToNative} from '../../../driver/bhyve/native-argv-convert.js';
import {splitNativeCommands} from '../../../driver/bhyve/native-argv-parse.js';
import {VirError} from '../../../driver/domain/errors.js';
import {defaultHostCaps} from '../../../driver/bhyve/capabilities.js';
import {checkProperty, throwsOnly, timed} from '../../helpers/property-runs.js';

const caps = defaultHostCaps();
const ids = {generateMac: () => '52:54:00:12:34:56', generateUuid: () => '5c0ad6d6-5e61-4b0d-9a43-59b1d2b0f001'};
const fromNative = (text: string) => nativeToDomainXml(text, {caps: caps.caps, ...ids});
const toNative = (xml: string) => domainXmlToNative(xml, {...caps, parse: ids});

const word = fc.stringMatching(/^[a-zA-Z0-9_./-]{1,12}$/);
const imagePath = word.map((w) => `/vm/${w}.img`);
const slot = fc.tuple(fc.integer({min: 1, max: 31}), fc.integer({min: 0, max: 7})).map(([s, f]) => `${s}:${f}`);
const mac = fc
  .array(fc.integer({min: 0, max: 255}), {minLength: 5, maxLength: 5})
  .map((b) => ['52', ...b.map((x) => x.toString(16).padStart(2, '0'))].join(':'));
const uuid = fc.uuid();

/** One bhyve option as the fixtures write it: a flag, or a flag and its argument. */
const bhyveOption: fc.Arbitrary<readonly string[]> = fc.oneof(
  fc.integer({min: 1, max: 16}).map((n) => ['-c', String(n)]),
  fc
    .oneof(
      fc.integer({min: 1, max: 65536}).map(String),
      fc.integer({min: 1, max: 64}).map((n) => `${n}M`),
      fc.integer({min: 1, max: 8}).map((n) => `${n}G`),
    )
    .map((m) => ['-m', m]),
  fc.constantFrom(['-A'], ['-I'], ['-H'], ['-P'], ['-u'], ['-w'], ['-S'], ['-W'], ['-x']),
  uuid.map((u) => ['-U', u]),
  fc.constant(['-s', '0:0,hostbridge']),
  slot.map((s) => ['-s', `${s},lpc`]),
  fc
    .tuple(slot, fc.constantFrom('ahci-hd', 'ahci-cd', 'virtio-blk', 'ahci,hd:', 'ahci,cd:'), imagePath)
    .map(([s, dev, p]) => ['-s', dev.endsWith(':') ? `${s},${dev}${p}` : `${s},${dev},${p}`]),
  fc
    .tuple(slot, fc.constantFrom('virtio-net', 'e1000'), fc.integer({min: 0, max: 9}), fc.option(mac))
    .map(([s, dev, n, m]) => ['-s', `${s},${dev},tap${n}${m ? `,mac=${m}` : ''}`]),
  slot.map((s) => ['-s', `${s},virtio-rnd`]),
  fc.tuple(fc.constantFrom('com1', 'com2'), fc.integer({min: 0, max: 9})).map(([c, n]) => ['-l', `${c},/dev/nmdm${n}A`]),
  fc.constant(['-l', 'bootrom,/usr/local/share/uefi-firmware/BHYVE_UEFI.fd']),
  fc.tuple(slot, fc.integer({min: 5900, max: 5999})).map(([s, p]) => ['-s', `${s},fbuf,tcp=127.0.0.1:${p}`]),
);

const name = fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_-]{0,10}$/);

/** A bhyve command line, and sometimes a bhyveload line before it, for one name. */
const commandLines = fc
  .tuple(name, fc.array(bhyveOption, {minLength: 1, maxLength: 10}), fc.option(fc.tuple(fc.integer({min: 1, max: 4096}), imagePath)))
  .map(([n, opts, loader]) => {
    const bhyve = ['/usr/sbin/bhyve', ...opts.flat(), n].join(' ');
    return loader ? `/usr/sbin/bhyveload -m ${loader[0]} -d ${loader[1]} ${n}\n${bhyve}\n` : `${bhyve}\n`;
  });

/** `lines` with one character replaced by one that matters to the grammar. */
function mutated(lines: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return lines.chain((text) =>
    fc
      .tuple(fc.nat(), fc.constantFrom(' ', '\n', "'", '"', '\\', '-', ',', ':', '=', '\\\n', '\0'))
      .map(([at, c]) => text.slice(0, at % text.length) + c + text.slice((at % text.length) + 1)),
  );
}

/** Words from the option grammar and junk, quoted and not, over one or more lines. */
const anyText = fc.oneof(
  commandLines,
  mutated(commandLines),
  fc
    .array(
      fc.oneof(
        fc.constantFrom('/usr/sbin/bhyve', '/usr/sbin/bhyveload', '/usr/local/sbin/grub-bhyve', '-s', '-l', '-m', '-c', '-U', '\\\n', "'", '"', '\n'),
        word,
      ),
      {maxLength: 40},
    )
    .map((w) => w.join(' ')),
  fc.string({unit: 'binary', maxLength: 300}),
);

test('any text converts to a domain or fails with VirError, quickly', (t) => {
  checkProperty(
    t,
    'native-argv: any text',
    fc.property(anyText, (text) => {
      timed('splitNativeCommands', 1000, () => splitNativeCommands(text));
      timed('nativeToDomainXml', 2000, () => throwsOnly(() => fromNative(text), [VirError]));
    }),
    3000,
  );
});

test('every error is one line', (t) => {
  checkProperty(
    t,
    'native-argv: errors',
    fc.property(anyText, (text) => {
      const e = throwsOnly(() => fromNative(text), [VirError]) as Error | undefined;
      if (e?.message.includes('\n')) throw new Error(`a message of several lines: ${JSON.stringify(e.message)}`);
    }),
    2000,
  );
});

/** XML → argv, or undefined where libvirt's xml2argv refuses what its argv2xml wrote (a VirError, never anything else). */
function toNativeOrRefused(xml: string): string | undefined {
  try {
    return toNative(xml);
  } catch (e) {
    if (e instanceof VirError) return undefined;
    throw e;
  }
}

/** XML, or undefined where libvirt refuses the command line (e.g. a bad -m): a VirError, never anything else. */
function fromNativeOrRefused(argv: string): string | undefined {
  try {
    return fromNative(argv);
  } catch (e) {
    if (e instanceof VirError) return undefined;
    throw e;
  }
}

// The command lines libvirt converts both ways without loss. Its argv2xml gives a SATA disk a
// PCI address where its xml2argv looks for a drive address (such a disk is not written back),
// its xml2argv writes every disk and NIC at function 0 (bhyve_command.c: "%d:0,...") and, in
// a dry run, every tap as tap0; so the exact trip is for devices on slots of their own at
// function 0, taps named tap0, without AHCI disks, and without -U (xml2argv never writes it).
const device = fc.oneof(
  imagePath.map((p) => `virtio-blk,${p}`),
  // (a dry run names every tap tap0, as libvirt's does)
  fc.tuple(fc.constantFrom('virtio-net', 'e1000'), fc.option(mac, {nil: undefined})).map(([dev, m]) => `${dev},tap0${m ? `,mac=${m}` : ''}`),
);
// A bhyveload line boots the first disk (libvirt's bhyveload-vda fixture), so there is one.
const exactLines = fc
  .tuple(
    name,
    fc.integer({min: 1, max: 16}),
    fc.integer({min: 1, max: 65536}),
    fc.subarray(['-A', '-I', '-u', '-w', '-S']),
    imagePath,
    fc
      .uniqueArray(fc.integer({min: 2, max: 31}), {minLength: 1, maxLength: 6})
      .chain((slots) => fc.tuple(fc.constant(slots), fc.array(device, {minLength: slots.length - 1, maxLength: slots.length - 1}))),
    fc.option(fc.integer({min: 0, max: 9}), {nil: undefined}),
  )
  .map(([n, cpus, mem, flags, bootDisk, [slots, devices], com1]) => {
    const args = ['/usr/sbin/bhyve', '-c', String(cpus), '-m', String(mem), ...flags, '-H', '-P', '-s', '0:0,hostbridge'];
    [`virtio-blk,${bootDisk}`, ...devices].forEach((dev, i) => {
      args.push('-s', `${slots[i]}:0,${dev}`);
    });
    if (com1 !== undefined) args.push('-s', '1,lpc', '-l', `com1,/dev/nmdm${com1}A`);
    return `/usr/sbin/bhyveload -m ${mem} -d ${bootDisk} ${n}\n${[...args, n].join(' ')}\n`;
  });

test('argv → XML → argv → XML where libvirt loses nothing: the XML comes back the same', (t) => {
  let exact = 0;
  const run = checkProperty(
    t,
    'native-argv: exact round trip',
    fc.property(exactLines, (argv0) => {
      const xml1 = fromNative(argv0);
      const argv1 = toNative(xml1);
      const xml2 = fromNative(argv1);
      if (xml2 !== xml1) throw new Error(`argv:\n${argv0}XML:\n${xml1}\nargv again:\n${argv1}XML again:\n${xml2}`);
      exact++;
    }),
    1500,
  );
  t.log(`native-argv: ${exact} of ${run.cases} command lines came back exactly`);
});

test('argv → XML → argv → XML: every step converts or fails with VirError', (t) => {
  let trips = 0;
  const run = checkProperty(
    t,
    'native-argv: chained conversions',
    fc.property(fc.oneof(anyText, exactLines, mutated(exactLines)), (argv0) => {
      let text: string | undefined = argv0;
      for (let i = 0; i < 2 && text !== undefined; i++) {
        const xml = timed('nativeToDomainXml', 2000, () => fromNativeOrRefused(text!));
        text = xml === undefined ? undefined : timed('domainXmlToNative', 2000, () => toNativeOrRefused(xml));
        if (i === 1 && text !== undefined) trips++;
      }
    }),
    1500,
  );
  t.log(`native-argv: ${trips} of ${run.cases} texts went round twice`);
});
