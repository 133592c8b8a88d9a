// Properties of the XML parser (driver/xml/dom.ts): whatever the text, it returns a document
// or throws XmlSyntaxError, in time bounded by the text's length; a document written back
// (as libvirt writes <metadata>) parses to the same document; and it agrees with libxml2's
// xmllint on which documents are well-formed, but for the rules it is stricter on by design
// (no DOCTYPE, namespaces must be declared, its size limits, UTF-8 only).
import test from 'ava';
import fc from 'fast-check';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {spawnSync} from 'node:child_process';
import {parseXmlDocument, XmlSyntaxError, type XmlElement, type XmlNode} from '../../../driver/xml/dom.js';
import {dumpLibxml} from '../../../driver/xml/writer.js';
import {checkProperty, throwsOnly, timed} from '../../helpers/property-runs.js';
import {mutatedDocument, xmlDocument} from '../../helpers/xml-arbitraries.js';

const anyText = fc.oneof(
  fc.string({unit: 'binary', maxLength: 200}),
  fc.string({
    unit: fc.constantFrom('<', '>', '/', '&', ';', '#', 'x', '"', "'", '=', '!', '-', '[', ']', '?', ' ', 'a', ':', 'C', 'D', 'A', 'T'),
    maxLength: 200,
  }),
  xmlDocument,
  mutatedDocument,
);

test('never throws anything but XmlSyntaxError, and never takes long', (t) => {
  checkProperty(
    t,
    'xml-dom: any text',
    fc.property(anyText, (text) => {
      timed('parseXmlDocument', 2000, () => throwsOnly(() => parseXmlDocument(text), [XmlSyntaxError]));
    }),
    3000,
  );
});

test('an error names a place in the document and is one line', (t) => {
  checkProperty(
    t,
    'xml-dom: error places',
    fc.property(mutatedDocument, (text) => {
      const e = throwsOnly(() => parseXmlDocument(text), [XmlSyntaxError]) as XmlSyntaxError | undefined;
      if (!e) return;
      const lines = text.split('\n');
      if (!(e.line >= 1 && e.line <= lines.length + 1 && e.column >= 1))
        throw new Error(`place ${e.line}:${e.column} outside a document of ${lines.length} lines`);
      if (e.message.includes('\n') || e.message.length > 300) throw new Error(`message not one short line: ${JSON.stringify(e.message)}`);
    }),
    2000,
  );
});

/** The document as comparable data: elements with their attributes (as a set) and text; adjacent text read as one, whitespace-only text left out. */
function shape(node: XmlNode): unknown {
  if (node.kind === 'text') return node.value;
  const el: XmlElement = node;
  const attrs = el.attrs.map((a) => `${a.name}=${a.value}`).sort();
  const merged: unknown[] = [];
  for (const c of el.children) {
    const s = shape(c);
    // (CDATA next to text, text on both sides of a comment)
    if (typeof s === 'string' && typeof merged.at(-1) === 'string') merged[merged.length - 1] += s;
    else merged.push(s);
  }
  return {name: el.name, ns: el.ns ?? null, attrs, children: merged.filter((c) => typeof c !== 'string' || c.trim() !== '')};
}

test('a document written back parses to the same document', (t) => {
  checkProperty(
    t,
    'xml-dom: write back, parse again',
    fc.property(xmlDocument, (text) => {
      let root: XmlElement;
      try {
        root = parseXmlDocument(text);
      } catch {
        return; // not well-formed: nothing to write back
      }
      const written = dumpLibxml(root, 0);
      const again = parseXmlDocument(written);
      const a = JSON.stringify(shape(root));
      const b = JSON.stringify(shape(again));
      if (a !== b) throw new Error(`written back as ${JSON.stringify(written)}:\n${a}\n${b}`);
    }),
    2000,
  );
});

const xmllint = spawnSync('xmllint', ['--version'], {encoding: 'utf8'});
const hasXmllint = xmllint.status === 0;
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Rules this parser is stricter on than libxml2, by design: its refusals there are not disagreements. */
const stricterByDesign =
  /DOCTYPE|namespace|qualified name|nested deeper|more than \d+ (?:nodes|attributes)|too many attributes|larger than|encoding '.*' is not supported/;

/** Which of `docs` xmllint finds not well-formed (one xmllint for all of them). */
function xmllintRejects(docs: string[]): boolean[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bhyve-tui-xmllint-'));
  try {
    const files = docs.map((d, i) => {
      const f = path.join(dir, `d${i}.xml`);
      fs.writeFileSync(f, d, 'utf8');
      return f;
    });
    const r = spawnSync('xmllint', ['--noout', '--nonet', ...files], {encoding: 'utf8', maxBuffer: 64 * 1024 * 1024});
    // "FILE:LINE: parser error : ..." marks a document that is not well-formed (namespace
    // errors and warnings are reported otherwise and do not change well-formedness)
    const failed = new Set<string>();
    for (const m of r.stderr.matchAll(/^(.+?):\d+: parser error/gm)) failed.add(m[1]!);
    return files.map((f) => failed.has(f));
  } finally {
    fs.rmSync(dir, {recursive: true, force: true});
  }
}

test('agrees with xmllint on which documents are well-formed', (t) => {
  if (!hasXmllint) {
    t.log('skipped: xmllint is not installed (Debian package libxml2-utils; .ci/run installs it)');
    t.pass();
    return;
  }
  // One xmllint for all documents: the cases are drawn first, then compared one by one.
  const seed = Number(process.env.PROPERTY_SEED === 'random' ? Math.floor(Math.random() * 0x7fff_ffff) : process.env.PROPERTY_SEED || 260_000_074);
  const count = Math.round(2000 * (Number(process.env.PROPERTY_RUNS ?? '1') || 1));
  const docs = fc.sample(fc.oneof(xmlDocument, mutatedDocument), {seed, numRuns: count}).filter((d) => !loneSurrogate.test(d));
  const theirs = xmllintRejects(docs);
  const disagreements: string[] = [];
  let rejected = 0;
  docs.forEach((doc, i) => {
    let ours: XmlSyntaxError | undefined;
    try {
      parseXmlDocument(doc);
    } catch (e) {
      ours = e as XmlSyntaxError;
    }
    if (theirs[i]) rejected++;
    if (ours && !theirs[i] && !stricterByDesign.test(ours.reason)) disagreements.push(`refused what xmllint accepts (${ours.message}): ${JSON.stringify(doc)}`);
    if (!ours && theirs[i]) disagreements.push(`accepted what xmllint refuses: ${JSON.stringify(doc)}`);
  });
  t.log(`xml-dom: agreement with xmllint: ${docs.length} documents, seed ${seed}, ${rejected} of them not well-formed`);
  for (const d of disagreements.slice(0, 10)) t.log(d);
  t.is(disagreements.length, 0, `${disagreements.length} disagreements`);
});
