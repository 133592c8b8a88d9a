// Properties of the domain XML model (driver/domain/xml-parse.ts, domain/xml-format.ts) and
// of the definition scanner (driver/domain/definition-scan.ts): a definition parses or fails with
// DomainXmlError, quickly; XML → model → XML is stable (what dumpxml writes parses to what
// it was written from); the scanner finds what the parser finds, at the same places, and
// takes any text, broken or not, in time bounded by its length.
import test from 'ava';
import fc from 'fast-check';
import {parseDomainXml} from '../../../driver/domain/xml-parse.js';
import {formatDomainXml} from '../../../driver/domain/xml-format.js';
import {DomainXmlError} from '../../../driver/domain/errors.js';
import {scanDefinition} from '../../../driver/domain/definition-scan.js';
import {domainFacts} from '../../../driver/domain/facts.js';
import {insertController, insertDisk, orderControllers, orderDisks} from '../../../driver/domain/device-order.js';
import type {ControllerDef, ControllerType, DiskDef} from '../../../driver/domain/model.js';
import {checkProperty, throwsOnly, timed} from '../../helpers/property-runs.js';
import {domainXml} from '../../helpers/domain-arbitraries.js';
import {mutatedDocument, xmlDocument} from '../../helpers/xml-arbitraries.js';

const fixedIds = {generateMac: () => '52:54:00:12:34:56', generateUuid: () => '5c0ad6d6-5e61-4b0d-9a43-59b1d2b0f001'};

/** A definition with a few characters changed. */
const mutatedDomain = fc
  .tuple(domainXml, fc.array(fc.tuple(fc.nat(), fc.constantFrom('<', '>', '/', "'", '=', '&', ' ', 'x', '0', '-')), {minLength: 1, maxLength: 2}))
  .map(([doc, edits]) => {
    let s = doc;
    for (const [at, c] of edits) {
      const i = at % s.length;
      s = s.slice(0, i) + c + s.slice(i + 1);
    }
    return s;
  });

test('a definition parses or fails with DomainXmlError, quickly', (t) => {
  checkProperty(
    t,
    'domain-xml: any definition',
    fc.property(fc.oneof(domainXml, mutatedDomain, xmlDocument, mutatedDocument, fc.string({unit: 'binary', maxLength: 300})), (text) => {
      timed('parseDomainXml', 2000, () => throwsOnly(() => parseDomainXml(text, fixedIds), [DomainXmlError]));
    }),
    3000,
  );
});

test('XML → model → XML: what is written parses back to the same model', (t) => {
  let valid = 0;
  const run = checkProperty(
    t,
    'domain-xml: format, parse, format',
    fc.property(domainXml, fc.boolean(), (text, inactive) => {
      let def;
      try {
        def = parseDomainXml(text, fixedIds);
      } catch (e) {
        if (e instanceof DomainXmlError) return;
        throw e;
      }
      valid++;
      const once = formatDomainXml(def, {inactive, secure: true});
      const twice = formatDomainXml(parseDomainXml(once, fixedIds), {inactive, secure: true});
      if (once === twice) return;
      // libvirt gives a controller without an index the lowest free one after it has put it in
      // the list (after the others of its type), and a definition read again lists them by
      // index: <controller type='sata' index='1'/><controller type='sata'/> comes back with
      // index 0 first. Only that order may change, and only once.
      const lines = (x: string) => x.split('\n').sort().join('\n');
      const moved = once.split('\n').filter((l, i) => l !== twice.split('\n')[i]);
      const thrice = formatDomainXml(parseDomainXml(twice, fixedIds), {inactive, secure: true});
      if (lines(once) !== lines(twice) || thrice !== twice || moved.some((l) => !/^\s*<(controller|\/controller|address|model|target|driver)\b/.test(l))) {
        throw new Error(`written:\n${once}\nwritten again:\n${twice}`);
      }
    }),
    2000,
  );
  t.log(`${valid} of ${run.cases} generated definitions were valid`);
  t.true(valid > run.cases / 4, 'most generated definitions should be valid, or the property says little');
});

test('the scanner finds the disks, bridges, consoles and vCPUs the parser finds', (t) => {
  checkProperty(
    t,
    'definition-scan: agrees with the parser',
    fc.property(domainXml, (text) => {
      let def;
      try {
        def = parseDomainXml(text, fixedIds);
      } catch {
        return;
      }
      const facts = domainFacts(def);
      const scan = scanDefinition(text);
      const sorted = (xs: string[]) => [...new Set(xs)].sort();
      const same = (what: string, a: string[], b: string[]) => {
        if (JSON.stringify(sorted(a)) !== JSON.stringify(sorted(b)))
          throw new Error(`${what}: parser ${JSON.stringify(sorted(a))}, scan ${JSON.stringify(sorted(b))}`);
      };
      same(
        'disk files',
        facts.files.map((f) => f.path),
        scan.files.map((f) => f.path),
      );
      same(
        'bridges',
        facts.bridges,
        scan.bridges.map((b) => b.name),
      );
      same(
        'consoles',
        facts.consoles.map((c) => `${c.master} ${c.slave}`),
        scan.consoles.filter((c) => facts.consoles.some((f) => f.master === c.master)).map((c) => `${c.master} ${c.slave}`),
      );
      if (scan.vcpus?.value !== undefined && scan.vcpus.value !== def.vcpus) throw new Error(`vcpus: parser ${def.vcpus}, scan ${scan.vcpus.value}`);
    }),
    2000,
  );
});

test('the scanner takes any text, never throws, never takes long', (t) => {
  checkProperty(
    t,
    'definition-scan: any text',
    fc.property(
      fc.oneof(
        mutatedDomain,
        mutatedDocument,
        fc.string({unit: 'binary', maxLength: 300}),
        fc.string({unit: fc.constantFrom('<', '>', '"', "'", '=', '/', '!', '-', '[', ']', 'a', ' ', '&', '#', 'x', ';', '1'), maxLength: 300}),
      ),
      (text) => {
        timed('scanDefinition', 2000, () => scanDefinition(text));
      },
    ),
    3000,
  );
});

test('disks and controllers are ordered as libvirt inserts them, one by one', (t) => {
  const diskArb = fc.record({
    bus: fc.constantFrom('sata', 'virtio', 'ide'),
    dev: fc.oneof(fc.stringMatching(/^(sd|vd|hd)[a-c]{1,2}$/), fc.constantFrom('xyz', 'sd1')),
  });
  checkProperty(
    t,
    'device order: disks',
    fc.property(fc.array(diskArb, {maxLength: 12}), (items) => {
      const disks = items.map((d, i) => ({source: String(i), target: {dev: d.dev, bus: d.bus, extra: []}}) as unknown as DiskDef);
      const oneByOne: DiskDef[] = [];
      for (const d of disks) insertDisk(oneByOne, d);
      const batch = orderDisks(disks);
      if (batch.map((d) => d.source).join() !== oneByOne.map((d) => d.source).join())
        throw new Error(`${batch.map((d) => d.source).join()} != ${oneByOne.map((d) => d.source).join()}`);
    }),
    3000,
  );
  const controllerArb = fc.record({type: fc.constantFrom<ControllerType>('sata', 'usb', 'pci'), index: fc.integer({min: -1, max: 4})});
  checkProperty(
    t,
    'device order: controllers',
    fc.property(fc.array(controllerArb, {maxLength: 12}), (items) => {
      const controllers = items.map((c, i) => ({...c, info: {}, model: String(i)}) as ControllerDef);
      const oneByOne: ControllerDef[] = [];
      for (const c of controllers) insertController(oneByOne, c);
      const batch = orderControllers(controllers);
      if (batch.map((c) => c.model).join() !== oneByOne.map((c) => c.model).join())
        throw new Error(`${batch.map((c) => c.model).join()} != ${oneByOne.map((c) => c.model).join()}`);
    }),
    3000,
  );
});
