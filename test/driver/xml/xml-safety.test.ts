import test from 'ava';
import {parseDomainXml, validateDomainXml} from '../../../driver/domain/xml-parse.js';
import {DomainXmlError} from '../../../driver/domain/errors.js';
import {parseXmlDocument, XmlSyntaxError} from '../../../driver/xml/dom.js';

const good = `<domain type='bhyve'>
  <name>vm</name>
  <memory>1024</memory>
  <os><type>hvm</type></os>
  <devices/>
</domain>`;

test('syntax errors carry line and column', (t) => {
  const e = t.throws(() => parseDomainXml("<domain type='bhyve'>\n  <name>vm</nam>\n</domain>", {file: 'vm.xml'}), {instanceOf: DomainXmlError});
  t.is(e!.kind, 'syntax');
  t.is(e!.line, 2);
  t.is(e!.column, 11); // the start of </nam>
  t.is(e!.file, 'vm.xml');
  t.regex(e!.describe(), /^vm\.xml:2:11: /);
});

test('DOCTYPE and ENTITY declarations are refused', (t) => {
  for (const doc of [
    '<!DOCTYPE domain [<!ENTITY x "y">]><domain/>',
    '<?xml version="1.0"?>\n<!DOCTYPE domain SYSTEM "file:///etc/passwd"><domain/>',
    "<domain type='bhyve'><!ENTITY x 'y'></domain>",
  ]) {
    const e = t.throws(() => parseDomainXml(doc), {instanceOf: DomainXmlError});
    t.is(e!.kind, 'syntax');
    t.regex(e!.message, /DOCTYPE and ENTITY/);
  }
});

test('only predefined entities and character references are expanded', (t) => {
  t.is(parseXmlDocument('<a b="&lt;&#65;&#x42;&amp;"/>').attrs[0]!.value, '<AB&');
  const e = t.throws(() => parseXmlDocument('<a>&xxe;</a>'), {instanceOf: XmlSyntaxError});
  t.regex(e!.message, /not defined/);
});

test('deep nesting gives an error, not a stack overflow', (t) => {
  const depth = 100_000;
  const doc = '<a>'.repeat(depth) + '</a>'.repeat(depth);
  const e = t.throws(() => parseDomainXml(doc), {instanceOf: DomainXmlError});
  t.regex(e!.message, /nested deeper/);
});

test('a file of several MB gives an error quickly', (t) => {
  const doc = good.replace('<devices/>', `<description>${'x'.repeat(4 * 1024 * 1024)}</description><devices/>`);
  const start = Date.now();
  const e = t.throws(() => parseDomainXml(doc), {instanceOf: DomainXmlError});
  t.regex(e!.message, /larger than/);
  t.true(Date.now() - start < 2000);
});

test('many small nodes are bounded too', (t) => {
  const doc = `<domain type='bhyve'><metadata>${'<x:a xmlns:x="u"/>'.repeat(200_000)}</metadata></domain>`;
  t.throws(() => parseDomainXml(doc, {limits: {maxBytes: 16 * 1024 * 1024}}), {instanceOf: DomainXmlError});
});

test('malformed input of all kinds never throws anything but DomainXmlError', (t) => {
  const samples = [
    '',
    ' ',
    '<',
    '<domain',
    "<domain type='bhyve'",
    '<domain></domain><x/>',
    'text',
    '<a b=c/>',
    '<a b="1" b="2"/>',
    '<a>]]></a>',
    '<a><!-- -- --></a>',
    '<x:a/>',
    '\u0000<a/>',
    '<a>&#0;</a>',
    '<a>&#xD800;</a>',
    good.slice(0, 40),
    "<domain type='kvm'><name>x</name><memory>1</memory><os><type>hvm</type></os></domain>",
    "<domain type='bhyve'><memory>1</memory><os><type>hvm</type></os></domain>",
    "<domain type='bhyve'><name>x</name><os><type>hvm</type></os></domain>",
    "<domain type='bhyve'><name>x</name><memory>zz</memory><os><type>hvm</type></os></domain>",
    "<domain type='bhyve'><name>x</name><uuid>nope</uuid><memory>1</memory><os><type>hvm</type></os></domain>",
    "<domain type='bhyve'><name>x</name><memory>1</memory><os><type arch='sparc'>hvm</type></os></domain>",
    "<domain type='bhyve'><name>x</name><memory>1</memory><os><type>hvm</type></os><devices><disk><target/></disk></devices></domain>",
    "<domain type='bhyve'><name>x</name><memory>1</memory><os><type>hvm</type></os><devices><interface type='bridge'><mac address='zz'/></interface></devices></domain>",
  ];
  // plus random mutations of a valid document
  let seed = 42;
  const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
  for (let i = 0; i < 300; i++) {
    const chars = [...good];
    for (let k = 0; k < 3; k++) chars[rnd(chars.length)] = '<>/\'"=&;!? ax'[rnd(13)]!;
    samples.push(chars.join(''));
  }
  for (const s of samples) {
    try {
      parseDomainXml(s);
    } catch (e) {
      if (!(e instanceof DomainXmlError)) t.fail(`${JSON.stringify(s.slice(0, 60))} threw ${String(e)}`);
    }
  }
  t.pass();
});

test('validateDomainXml reports instead of throwing', (t) => {
  const ok = validateDomainXml(good);
  t.true(ok.ok);
  const bad = validateDomainXml("<domain type='bhyve'>\n<name>");
  t.false(bad.ok);
  if (!bad.ok) t.is(bad.error.line, 2);
});
