// Generators of XML documents for the property tests: mostly well-formed documents built
// from every construct the parser knows (declarations, namespaces, entities and character
// references, CDATA, comments, processing instructions, non-ASCII names and text), each
// part sometimes replaced by a broken variant, and documents with characters changed at
// random. Both sides of every rule are exercised that way.
import fc from 'fast-check';

const pick = <T>(...values: T[]) => fc.constantFrom(...values);

/**
 * Each part comes clean (only what is allowed) or dirty (now and then something that is
 * not): a clean document is well-formed but for the parser's own stricter rules, a dirty one
 * mostly is not.
 */
const either = <T>(dirty: boolean, clean: fc.Arbitrary<T>, broken: fc.Arbitrary<T>, odds = 12) =>
  dirty ? fc.oneof({weight: odds, arbitrary: clean}, {weight: 1, arbitrary: broken}) : clean;

/** Name characters: ASCII, Latin-1, Greek, CJK, astral; when dirty, rarely one that is not allowed. */
const nameStart = (dirty: boolean) =>
  either(
    dirty,
    pick('a', 'b', 'x', 'Z', '_', 'é', 'Ω', '中', '\u{10000}', 'ÿ'),
    pick('0', '-', '.', '·', '\u0300', '×', '\u037E', '\u{F0000}', '\u2000', '$'),
    30,
  );
const nameRest = (dirty: boolean) =>
  either(
    dirty,
    pick('a', 'q', 'Z', '0', '9', '-', '.', '_', '·', '\u0300', '\u203F', 'é', '中', '\u{10000}'),
    pick('×', '\u2000', '$', '\u037E', '\u{F0000}'),
    60,
  );
const nameOf = (dirty: boolean) => fc.tuple(nameStart(dirty), fc.array(nameRest(dirty), {maxLength: 4})).map(([s, r]) => s + r.join(''));

const charRef = (dirty: boolean) =>
  either(
    dirty,
    pick(
      '&#65;',
      '&#x41;',
      '&#0065;',
      '&#x0000041;',
      '&#x1F600;',
      '&#9;',
      '&#10;',
      '&#13;',
      '&#x10FFFF;',
      '&#xE000;',
      '&#60;',
      '&#38;',
      '&#00000000000000000000000000065;',
    ),
    pick(
      '&#0;',
      '&#1;',
      '&#xFFFE;',
      '&#xFFFF;',
      '&#x110000;',
      '&#xD800;',
      '&#xDFFF;',
      '&#99999999999999999999;',
      '&#;',
      '&#x;',
      '&#x41',
      '&#A;',
      '&#xG;',
      '&#X41;',
    ),
    6,
  );
const entityRef = (dirty: boolean) =>
  either(dirty, pick('&amp;', '&lt;', '&gt;', '&quot;', '&apos;'), pick('&foo;', '&', '& ', '&amp', '&lt ;', '&;', '&é;', '&a b;'), 6);
const textChars = (dirty: boolean) =>
  either(
    dirty,
    pick('a', 'b', ' ', 'x y', '\n', '\t', '\r\n', '\r', '>', '"', "'", 'ü', '中', '😀', '=', '/', '?', '!', '-', ']', ']]', '\u00A0', '\uFEFF'),
    pick(']]>', '<', '\u0001', '\u0000', '\uFFFE', '\uFFFF', '\u000B', '\u001F'),
    40,
  );

const characterData = (dirty: boolean) =>
  fc
    .array(fc.oneof({weight: 8, arbitrary: textChars(dirty)}, {weight: 2, arbitrary: charRef(dirty)}, {weight: 2, arbitrary: entityRef(dirty)}), {maxLength: 8})
    .map((p) => p.join(''));

const attrValue = (quote: string, dirty: boolean) =>
  fc
    .array(
      fc.oneof(
        {weight: 8, arbitrary: textChars(dirty)},
        {weight: 2, arbitrary: charRef(dirty)},
        {weight: 2, arbitrary: entityRef(dirty)},
        {weight: 1, arbitrary: pick('"', "'", '\t', '\n')},
      ),
      {maxLength: 6},
    )
    .map((p) => p.join(''))
    // the quote itself ends the value: avoided, but when dirty sometimes kept (a broken value)
    .chain((v) => either(dirty, fc.constant(v.split(quote).join(quote === '"' ? '&quot;' : '&apos;')), fc.constant(v), 20));

const space = fc.oneof({weight: 6, arbitrary: pick(' ')}, {weight: 1, arbitrary: pick('  ', '\n', '\t', '\r\n', ' \n ')});
const maybeSpace = fc.oneof({weight: 3, arbitrary: fc.constant('')}, {weight: 1, arbitrary: space});

const comment = (dirty: boolean) =>
  either(
    dirty,
    fc.array(pick('a', ' ', '-', 'x-y', '<', '>', '&', 'ü', '\n'), {maxLength: 5}).map((p) => `<!--${p.join('').replace(/-+/g, '-').replace(/-$/, '')}-->`),
    pick('<!-- a -- b -->', '<!--a--->', '<!--->', '<!-- x', '<!---->', '<!-- - -->'),
    6,
  );
const pi = (dirty: boolean) =>
  either(
    dirty,
    fc.oneof(
      fc
        .tuple(
          nameOf(false).filter((n) => !/^xml$/i.test(n)),
          fc.array(pick('a', ' ', '?', '>', '<', 'x=1', 'ü'), {maxLength: 4}),
        )
        .map(([target, data]) => `<?${target}${data.length ? ` ${data.join('').replace(/\?>/g, '? >')}` : ''}?>`),
      pick('<?xml-stylesheet href="a"?>', '<?xmlfoo?>', '<?a?>'),
    ),
    pick('<?xml version="1.0"?>', '<?XML x?>', '<?a%b?>', '<? a?>', '<?a', '<?a?b?>', '<?a:b x?>'),
    6,
  );
const cdata = (dirty: boolean) =>
  either(
    dirty,
    fc
      .array(pick('a', '<', '>', '&', ']', ']]', ' ', '\r\n', 'ü', '<![CDATA['), {maxLength: 5})
      .map((p) => `<![CDATA[${p.join('').replace(/]]>/g, ']] >')}]]>`),
    pick('<![CDATA[a]]]>', '<![CDATA[', '<![CDATA[x]]>]]>', '<![cdata[x]]>'),
    6,
  );

interface Scope {
  prefixes: string[];
}

const prefix = pick('p', 'q', 'bhyve', 'ns0');

/** An element with attributes and content, `depth` levels at most; namespace prefixes come from `scope`. */
function element(depth: number, scope: Scope, dirty: boolean): fc.Arbitrary<string> {
  return fc
    .record({
      decls: fc.uniqueArray(fc.tuple(prefix, pick('urn:a', 'urn:b', 'http://libvirt.org/schemas/domain/bhyve/1.0')), {maxLength: 2, selector: ([p]) => p}),
      defaultNs: fc.oneof({weight: 5, arbitrary: fc.constant(undefined)}, {weight: 1, arbitrary: pick('urn:d', '')}),
      usePrefix: fc.oneof({weight: 4, arbitrary: fc.constant(false)}, {weight: 1, arbitrary: fc.constant(true)}),
      name: nameOf(dirty).filter((n) => !/^xml/i.test(n)),
      attrs: (() => {
        const attr = fc.record({
          name: nameOf(dirty).filter((n) => !/^xml/i.test(n)),
          quote: pick('"', "'"),
          prefixed: fc.oneof({weight: 5, arbitrary: fc.constant(false)}, {weight: 1, arbitrary: fc.constant(true)}),
          space: space,
          eqSpace: maybeSpace,
        });
        // a repeated attribute only when dirty
        return dirty ? fc.array(attr, {maxLength: 3}) : fc.uniqueArray(attr, {maxLength: 3, selector: (a) => `${a.prefixed}:${a.name}`});
      })(),
      selfClosing: fc.boolean(),
      endSpace: maybeSpace,
      closeName: either(dirty, fc.constant(undefined), nameOf(true), 30),
    })
    .chain((r) => {
      const declared = [...scope.prefixes, ...r.decls.map(([p]) => p)];
      const inner: Scope = {prefixes: declared};
      const qname = r.usePrefix && declared.length > 0 ? `${declared[0]}:${r.name}` : r.name;
      const attrs = fc.tuple(...r.attrs.map((a) => attrValue(a.quote, dirty))).map((values) =>
        r.attrs
          .map((a, i) => {
            const aname = a.prefixed && declared.length > 0 ? `${declared.at(-1)}:${a.name}` : a.name;
            return `${a.space}${aname}${a.eqSpace}=${a.eqSpace}${a.quote}${values[i]!}${a.quote}`;
          })
          .join(''),
      );
      const decls = r.decls.map(([p, u]) => ` xmlns:${p}="${u}"`).join('') + (r.defaultNs === undefined ? '' : ` xmlns="${r.defaultNs}"`);
      const content = depth <= 0 || r.selfClosing ? fc.constant(undefined) : fc.array(node(depth - 1, inner, dirty), {maxLength: 4}).map((c) => c.join(''));
      return fc.tuple(attrs, content).map(([a, c]) => {
        const open = `<${qname}${decls}${a}${r.endSpace}`;
        if (c === undefined) return `${open}/>`;
        return `${open}>${c}</${r.closeName ?? qname}${r.endSpace}>`;
      });
    });
}

function node(depth: number, scope: Scope, dirty: boolean): fc.Arbitrary<string> {
  return fc.oneof(
    {weight: 4, arbitrary: element(depth, scope, dirty)},
    {weight: 4, arbitrary: characterData(dirty)},
    {weight: 1, arbitrary: comment(dirty)},
    {weight: 1, arbitrary: pi(dirty)},
    {weight: 1, arbitrary: cdata(dirty)},
  );
}

const xmlDecl = (dirty: boolean) =>
  either(
    dirty,
    pick(
      '',
      '',
      '<?xml version="1.0"?>',
      "<?xml version='1.0' encoding='UTF-8'?>",
      '<?xml version="1.0" encoding="utf-8" standalone="yes"?>',
      '<?xml version = "1.0"  standalone=\'no\' ?>',
    ),
    pick(
      '<?xml?>',
      '<?xml ?>',
      '<?xml version="2.0"?>',
      '<?xml version="1"?>',
      '<?xml standalone="yes" version="1.0"?>',
      '<?xml version="1.0" standalone="maybe"?>',
      '<?xml version="1.0" encoding=""?>',
      '<?xml version="1.0"',
      ' <?xml version="1.0"?>',
      '<?xml version="1.0" encoding="1x"?>',
      '<?xml version="1.0"encoding="UTF-8"?>',
      '<?xml version="1.0" encoding="ISO-8859-1"?>',
    ),
    6,
  );
const misc = (dirty: boolean) => fc.array(fc.oneof(comment(dirty), pi(dirty), space), {maxLength: 2}).map((m) => m.join(''));

const documentOf = (dirty: boolean) =>
  fc
    .record({
      bom: fc.oneof({weight: 9, arbitrary: fc.constant('')}, {weight: 1, arbitrary: fc.constant('\uFEFF')}),
      decl: xmlDecl(dirty),
      before: misc(dirty),
      root: element(3, {prefixes: []}, dirty),
      after: misc(dirty),
      extra: either(dirty, fc.constant(''), pick('<b/>', 'text', '&amp;', '<![CDATA[x]]>', '<!DOCTYPE a>'), 20),
    })
    .map((d) => d.bom + d.decl + d.before + d.root + d.after + d.extra);

/** A whole document: prolog, one root (when dirty, rarely none, two, or text beside it), what may follow. */
export const xmlDocument = fc.oneof({weight: 3, arbitrary: documentOf(false)}, {weight: 2, arbitrary: documentOf(true)});

/** A document with a few characters changed, inserted or removed. */
export const mutatedDocument = fc
  .tuple(
    xmlDocument,
    fc.array(fc.tuple(fc.nat(), pick('insert', 'delete', 'replace'), pick('<', '>', '/', '"', "'", '=', '&', ';', '!', '?', '-', ']', 'a', ' ', ':', '#')), {
      minLength: 1,
      maxLength: 3,
    }),
  )
  .map(([doc, edits]) => {
    let s = doc;
    for (const [at, op, c] of edits) {
      const i = s.length === 0 ? 0 : at % s.length;
      s = op === 'insert' ? s.slice(0, i) + c + s.slice(i) : op === 'delete' ? s.slice(0, i) + s.slice(i + 1) : s.slice(0, i) + c + s.slice(i + 1);
    }
    return s;
  });
