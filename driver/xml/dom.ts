// A small, strict, non-validating XML parser producing a position-annotated DOM.
//
// Why not a general-purpose library: domain XML comes from users and from
// disk, so the parser must (a) never expand entities or fetch anything,
// (b) refuse DOCTYPE / ENTITY declarations outright, (c) bound input size and
// nesting depth, and (d) report syntax errors with line and column. It also
// resolves namespaces, which the bhyve:commandline extension and <metadata>
// need.

interface XmlPosition {
  line: number;
  column: number;
}

interface XmlAttr extends XmlPosition {
  /** Qualified name as written (e.g. `xmlns:bhyve`, `type`). */
  name: string;
  prefix: string | undefined;
  local: string;
  /** Namespace URI (only for prefixed attributes; unprefixed attributes have none). */
  ns: string | undefined;
  value: string;
}

export interface XmlElement extends XmlPosition {
  kind: 'element';
  name: string;
  prefix: string | undefined;
  local: string;
  ns: string | undefined;
  attrs: XmlAttr[];
  children: XmlNode[];
  /**
   * Namespace declarations made on this element: prefix ('' = default) -> URI. The bindings
   * in scope are these and the ancestors' (see namespaceOf); no element holds a copy of them,
   * which would make a document of many declarations quadratic in time and memory.
   */
  nsDecls: ReadonlyMap<string, string>;
  parent: XmlElement | undefined;
}

interface XmlText extends XmlPosition {
  kind: 'text';
  value: string;
  cdata: boolean;
}

export type XmlNode = XmlElement | XmlText;

export interface XmlLimits {
  maxBytes: number;
  maxDepth: number;
  /** elements, text nodes, comments and processing instructions */
  maxNodes: number;
  maxAttrsPerElement: number;
  /** attributes in the whole document */
  maxAttrs: number;
}

// A domain definition is small: the largest of libvirt's bhyve test definitions has under
// 500 nodes and attributes. The node and attribute bounds keep the time and memory a
// definition costs (its parse, the daemon's copy of it) small even when a megabyte of
// text is all tags.
export const DEFAULT_XML_LIMITS: XmlLimits = {
  maxBytes: 1024 * 1024,
  maxDepth: 64,
  maxNodes: 10_000,
  maxAttrsPerElement: 256,
  maxAttrs: 20_000,
};

export class XmlSyntaxError extends Error {
  readonly line: number;
  readonly column: number;
  readonly reason: string;
  constructor(reason: string, line: number, column: number) {
    super(`line ${line}, column ${column}: ${reason}`);
    this.name = 'XmlSyntaxError';
    this.reason = reason;
    this.line = line;
    this.column = column;
  }
}

const XML_NS = 'http://www.w3.org/XML/1998/namespace';

/** A name or value from the document as an error message quotes it: never more than a short line. */
function shortForMessage(s: string, max = 48): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}
const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

/** NameStartChar of XML 1.0 (fifth edition), by code point, as libxml2 checks it. */
function isNameStart(c: number): boolean {
  if (c < 0x80) return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c === 0x3a;
  return (
    (c >= 0xc0 && c <= 0xd6) ||
    (c >= 0xd8 && c <= 0xf6) ||
    (c >= 0xf8 && c <= 0x2ff) ||
    (c >= 0x370 && c <= 0x37d) ||
    (c >= 0x37f && c <= 0x1fff) ||
    (c >= 0x200c && c <= 0x200d) ||
    (c >= 0x2070 && c <= 0x218f) ||
    (c >= 0x2c00 && c <= 0x2fef) ||
    (c >= 0x3001 && c <= 0xd7ff) ||
    (c >= 0xf900 && c <= 0xfdcf) ||
    (c >= 0xfdf0 && c <= 0xfffd) ||
    (c >= 0x10000 && c <= 0xeffff)
  );
}

/** NameChar of XML 1.0 (fifth edition). */
function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e || c === 0xb7 || (c >= 0x300 && c <= 0x36f) || c === 0x203f || c === 0x2040;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

function isXmlChar(c: number): boolean {
  return c === 0x09 || c === 0x0a || c === 0x0d || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || c >= 0x10000;
}

/** Shared by every element that declares no namespace. */
const NO_NS_DECLS: ReadonlyMap<string, string> = new Map();

const ROOT_SCOPE = {decls: new Map([['xml', XML_NS]]), outer: undefined};

/**
 * Characters that are not allowed anywhere in a document: C0 controls but tab, newline and
 * carriage return; U+FFFE and U+FFFF; a surrogate that is not half of a pair (it could not
 * even be written to a UTF-8 file, so what is stored would not be what was parsed).
 */
const BAD_CHAR = /[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * The XML declaration (XMLDecl), whole: version 1.x, then encoding and standalone if given.
 * (Version '1.' too: libxml2, which libvirt parses with, accepts it.)
 */
const XML_DECL = (() => {
  const S = '[ \\t\\r\\n]';
  const eq = `${S}*=${S}*`;
  const standalone = `standalone${eq}(?:"(?:yes|no)"|'(?:yes|no)')`;
  // (libxml2 needs no blank between an encoding and standalone; libvirt parses with it)
  return new RegExp(
    `^<\\?xml${S}+version${eq}(?:"1\\.[0-9]*"|'1\\.[0-9]*')` +
      `(?:${S}+encoding${eq}(?:"([A-Za-z][A-Za-z0-9._-]*)"|'([A-Za-z][A-Za-z0-9._-]*)')(?:${S}*${standalone})?|${S}+${standalone})?${S}*$`,
  );
})();

/** A namespace scope: the declarations of one element and the scope around it. */
interface NsScope {
  decls: ReadonlyMap<string, string>;
  outer: NsScope | undefined;
}

function lookupNs(scope: NsScope | undefined, prefix: string): string | undefined {
  for (let s = scope; s; s = s.outer) {
    const uri = s.decls.get(prefix);
    if (uri !== undefined) return uri;
  }
  return undefined;
}

/** Characters that make decode() do more than return its input. */
const ATTR_SPECIAL = /[&<\t\n\r]/;
const TEXT_SPECIAL = /[&\r]/;

class Parser {
  private pos = 0;
  private line = 1;
  private col = 1;
  private nodes = 0;
  private attrCount = 0;

  constructor(
    private readonly s: string,
    private readonly limits: XmlLimits,
  ) {}

  fail(reason: string, line = this.line, column = this.col): never {
    throw new XmlSyntaxError(reason, line, column);
  }

  private peek(off = 0): number {
    return this.s.charCodeAt(this.pos + off);
  }

  private startsWith(str: string): boolean {
    return this.s.startsWith(str, this.pos);
  }

  private advance(n = 1): void {
    this.advanceTo(Math.min(this.pos + n, this.s.length));
  }

  /** Moves to `end`, keeping line and column (in code points) up to date. */
  private advanceTo(end: number): void {
    const s = this.s;
    let line = this.line;
    let col = this.col;
    for (let i = this.pos; i < end; i++) {
      const c = s.charCodeAt(i);
      if (c === 0x0a) {
        line++;
        col = 1;
      } else if (c < 0xdc00 || c > 0xdfff) {
        // (a low surrogate stays in the column of its high surrogate)
        col++;
      }
    }
    this.pos = end;
    this.line = line;
    this.col = col;
  }

  private eof(): boolean {
    return this.pos >= this.s.length;
  }

  private skipSpace(): boolean {
    const s = this.s;
    let i = this.pos;
    while (i < s.length && isSpace(s.charCodeAt(i))) i++;
    if (i === this.pos) return false;
    this.advanceTo(i);
    return true;
  }

  private readName(what: string): string {
    const s = this.s;
    const start = this.pos;
    if (this.eof() || !isNameStart(s.codePointAt(start)!)) this.fail(`expected ${what}`);
    let i = start;
    for (;;) {
      const c = s.codePointAt(i);
      if (c === undefined || !(i === start ? isNameStart(c) : isNameChar(c))) break;
      i += c > 0xffff ? 2 : 1;
    }
    this.advanceTo(i);
    return s.slice(start, i);
  }

  private countNode(): void {
    if (++this.nodes > this.limits.maxNodes) this.fail(`document has more than ${this.limits.maxNodes} nodes`);
  }

  private countAttr(line: number, column: number): void {
    if (++this.attrCount > this.limits.maxAttrs) this.fail(`document has more than ${this.limits.maxAttrs} attributes`, line, column);
  }

  /**
   * Where the reference starting with '&' at raw[i] ends (its ';'): a name, '#' and decimal
   * digits, or '#x' and hex digits. Reads only the reference itself, so text full of '&'
   * costs no more than its length.
   */
  private referenceEnd(raw: string, i: number, line: number, column: number): number {
    let k = i + 1;
    if (raw.charCodeAt(k) === 0x23 /* # */) {
      k++;
      const hex = raw.charCodeAt(k) === 0x78; /* x */
      if (hex) k++;
      const first = k;
      for (;;) {
        const c = raw.charCodeAt(k);
        if ((c >= 0x30 && c <= 0x39) || (hex && ((c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46)))) k++;
        else break;
      }
      if (k === first || raw.charCodeAt(k) !== 0x3b) this.fail("malformed character reference ('&' must be written as &amp;)", line, column);
      return k;
    }
    const c0 = raw.codePointAt(k);
    if (c0 === undefined || !isNameStart(c0)) this.fail("'&' must be written as &amp;", line, column);
    for (;;) {
      const c = raw.codePointAt(k);
      if (c === undefined || !isNameChar(c)) break;
      k += c > 0xffff ? 2 : 1;
    }
    if (raw.charCodeAt(k) !== 0x3b) this.fail("unterminated entity reference ('&' must be written as &amp;)", line, column);
    return k;
  }

  /** Decode character data, resolving only the predefined entities and character references. */
  private decode(raw: string, line: number, column: number, inAttr: boolean): string {
    // most values have nothing to resolve or normalise
    if (!(inAttr ? ATTR_SPECIAL : TEXT_SPECIAL).test(raw)) return raw;
    let out = '';
    let i = 0;
    let l = line;
    let c0 = column;
    while (i < raw.length) {
      const ch = raw.charCodeAt(i);
      if (ch === 0x26 /* & */) {
        const semi = this.referenceEnd(raw, i, l, c0);
        const ent = raw.slice(i + 1, semi);
        let rep: string;
        if (ent === 'lt') rep = '<';
        else if (ent === 'gt') rep = '>';
        else if (ent === 'amp') rep = '&';
        else if (ent === 'apos') rep = "'";
        else if (ent === 'quot') rep = '"';
        else if (ent.charCodeAt(0) === 0x23 /* # */) {
          // the digits are checked by referenceEnd; leading zeros are allowed, so the value
          // is reduced as it is read and stops growing once it is out of range
          const hex = ent[1] === 'x';
          let code = 0;
          for (let k = hex ? 2 : 1; k < ent.length && code <= 0x10ffff; k++) code = code * (hex ? 16 : 10) + parseInt(ent[k]!, 16);
          if (code > 0x10ffff || !isXmlChar(code) || (code >= 0xd800 && code <= 0xdfff)) {
            this.fail(`invalid character reference &${shortForMessage(ent)};`, l, c0);
          }
          rep = String.fromCodePoint(code);
        } else {
          this.fail(`entity '${shortForMessage(ent)}' not defined (external and custom entities are not supported)`, l, c0);
        }
        out += rep;
        c0 += [...raw.slice(i, semi + 1)].length;
        i = semi + 1;
        continue;
      }
      if (inAttr && ch === 0x3c /* < */) this.fail("'<' is not allowed in attribute values", l, c0);
      // (places count lines as advanceTo does: a line ends at '\n'; a lone '\r' is a column)
      const crlf = ch === 0x0d && raw.charCodeAt(i + 1) === 0x0a;
      if (inAttr && (ch === 0x09 || ch === 0x0a || ch === 0x0d)) {
        // attribute value normalisation: whitespace characters become spaces
        out += ' ';
      } else if (ch === 0x0d) {
        // end-of-line normalisation
        out += '\n';
      } else {
        out += raw[i];
      }
      if (crlf) i++;
      if (ch === 0x0a || crlf) {
        l++;
        c0 = 1;
      } else if (ch < 0xdc00 || ch > 0xdfff) {
        c0++;
      }
      i++;
    }
    return out;
  }

  parseDocument(): XmlElement {
    if (this.s.length > this.limits.maxBytes) {
      this.fail(`document is larger than ${this.limits.maxBytes} bytes`, 1, 1);
    }
    if (this.peek() === 0xfeff) this.advance();
    // check for invalid characters up front (cheap, and gives a position)
    const bad = BAD_CHAR.exec(this.s);
    if (bad) {
      const i = bad.index;
      const c = this.s.charCodeAt(i);
      const before = this.s.slice(0, i);
      const line = before.split('\n').length;
      const column = i - before.lastIndexOf('\n');
      this.fail(`invalid character U+${c.toString(16).padStart(4, '0')} in document`, line, column);
    }
    if (this.startsWith('<?xml') && (isSpace(this.peek(5)) || this.startsWith('<?xml?>'))) {
      const end = this.s.indexOf('?>', this.pos);
      if (end < 0) this.fail('unterminated XML declaration');
      const decl = XML_DECL.exec(this.s.slice(this.pos, end));
      if (!decl) this.fail("malformed XML declaration: expected <?xml version='1.0'?>, optionally with encoding and standalone");
      const encoding = decl[1] ?? decl[2];
      // the text is already characters: only a declaration that agrees with that can be true
      if (encoding !== undefined && !/^(?:utf-8|us-ascii|ascii)$/i.test(encoding)) {
        this.fail(`encoding '${shortForMessage(encoding)}' is not supported: domain XML is read as UTF-8`);
      }
      this.advance(end + 2 - this.pos);
    }
    let root: XmlElement | undefined;
    for (;;) {
      this.skipSpace();
      if (this.eof()) break;
      if (this.startsWith('<!--')) {
        this.skipComment();
      } else if (this.startsWith('<?')) {
        this.skipPI();
      } else if (this.startsWith('<!DOCTYPE') || this.startsWith('<!ENTITY') || this.startsWith('<!')) {
        this.fail('DOCTYPE and ENTITY declarations are not allowed');
      } else if (this.peek() === 0x3c) {
        if (root) this.fail('extra content after the document element');
        root = this.parseElement(undefined, ROOT_SCOPE, 1);
      } else {
        this.fail(root ? 'extra content after the document element' : 'document must start with an element');
      }
    }
    if (!root) this.fail('document is empty', this.line, this.col);
    return root;
  }

  private skipComment(): void {
    const line = this.line;
    const col = this.col;
    const end = this.s.indexOf('-->', this.pos + 4);
    if (end < 0) this.fail('unterminated comment', line, col);
    const body = this.s.slice(this.pos + 4, end);
    if (body.includes('--') || body.endsWith('-')) this.fail("'--' is not allowed inside a comment", line, col);
    this.advance(end + 3 - this.pos);
    this.countNode();
  }

  private skipPI(): void {
    const line = this.line;
    const col = this.col;
    this.advance(2);
    const target = this.readName('processing instruction target');
    if (target.toLowerCase() === 'xml') this.fail('XML declaration is only allowed at the start of the document', line, col);
    if (!this.startsWith('?>') && !this.skipSpace()) this.fail('expected whitespace after the processing instruction target');
    const end = this.s.indexOf('?>', this.pos);
    if (end < 0) this.fail('unterminated processing instruction', line, col);
    this.advance(end + 2 - this.pos);
    this.countNode();
  }

  private splitQName(qname: string, l: number, c: number): [string | undefined, string] {
    const i = qname.indexOf(':');
    if (i < 0) return [undefined, qname];
    const p = qname.slice(0, i);
    const loc = qname.slice(i + 1);
    if (!p || !loc || loc.includes(':')) this.fail(`malformed qualified name '${shortForMessage(qname)}'`, l, c);
    return [p, loc];
  }

  private parseElement(parent: XmlElement | undefined, scope: NsScope, depth: number): XmlElement {
    if (depth > this.limits.maxDepth) this.fail(`elements nested deeper than ${this.limits.maxDepth} levels`);
    this.countNode();
    const line = this.line;
    const column = this.col;
    this.advance(); // <
    const name = this.readName('element name');
    const rawAttrs: {name: string; value: string; line: number; column: number}[] = [];
    let selfClosing = false;
    for (;;) {
      const hadSpace = this.skipSpace();
      if (this.eof()) this.fail(`unterminated start tag <${shortForMessage(name)}>`, line, column);
      const c = this.peek();
      if (c === 0x3e /* > */) {
        this.advance();
        break;
      }
      if (c === 0x2f /* / */) {
        if (this.peek(1) !== 0x3e) this.fail("expected '>' after '/'");
        this.advance(2);
        selfClosing = true;
        break;
      }
      if (!hadSpace) this.fail('attributes must be separated by whitespace');
      const aline = this.line;
      const acol = this.col;
      const aname = this.readName('attribute name');
      this.countAttr(aline, acol);
      this.skipSpace();
      if (this.peek() !== 0x3d /* = */) this.fail(`attribute '${shortForMessage(aname)}' has no value`);
      this.advance();
      this.skipSpace();
      const q = this.peek();
      if (q !== 0x22 && q !== 0x27) this.fail(`value of attribute '${shortForMessage(aname)}' must be quoted`);
      const vline = this.line;
      const vcol = this.col + 1;
      const close = this.s.indexOf(q === 0x22 ? '"' : "'", this.pos + 1);
      if (close < 0) this.fail(`unterminated value of attribute '${shortForMessage(aname)}'`);
      const raw = this.s.slice(this.pos + 1, close);
      this.advance(close + 1 - this.pos);
      if (rawAttrs.some((a) => a.name === aname)) this.fail(`attribute '${shortForMessage(aname)}' is repeated`, aline, acol);
      if (rawAttrs.length >= this.limits.maxAttrsPerElement) this.fail('too many attributes', aline, acol);
      rawAttrs.push({name: aname, value: this.decode(raw, vline, vcol, true), line: aline, column: acol});
    }

    // namespaces
    let nsDecls: Map<string, string> | undefined;
    for (const a of rawAttrs) {
      if (a.name === 'xmlns') (nsDecls ??= new Map()).set('', a.value);
      else if (a.name.startsWith('xmlns:')) {
        const p = a.name.slice(6);
        if (!p || p.includes(':')) this.fail(`malformed namespace declaration '${shortForMessage(a.name)}'`, a.line, a.column);
        if (a.value === '') this.fail(`namespace prefix '${shortForMessage(p)}' cannot be undeclared`, a.line, a.column);
        (nsDecls ??= new Map()).set(p, a.value);
      }
    }
    const elScope: NsScope = nsDecls ? {decls: nsDecls, outer: scope} : scope;
    const [prefix, local] = this.splitQName(name, line, column);
    let ns: string | undefined;
    if (prefix !== undefined) {
      ns = lookupNs(elScope, prefix);
      if (ns === undefined) this.fail(`namespace prefix '${shortForMessage(prefix)}' is not declared`, line, column);
    } else {
      // (xmlns="" undeclares the default namespace)
      ns = lookupNs(elScope, '') || undefined;
    }
    const attrs: XmlAttr[] = new Array<XmlAttr>(rawAttrs.length);
    for (let k = 0; k < rawAttrs.length; k++) {
      const a = rawAttrs[k]!;
      const [ap, al] = this.splitQName(a.name, a.line, a.column);
      let ans: string | undefined;
      if (a.name === 'xmlns' || ap === 'xmlns') ans = XMLNS_NS;
      else if (ap !== undefined) {
        ans = lookupNs(elScope, ap);
        if (ans === undefined) this.fail(`namespace prefix '${shortForMessage(ap)}' is not declared`, a.line, a.column);
      }
      attrs[k] = {name: a.name, prefix: ap, local: al, ns: ans, value: a.value, line: a.line, column: a.column};
    }

    const el: XmlElement = {
      kind: 'element',
      name,
      prefix,
      local,
      ns,
      attrs,
      children: [],
      nsDecls: nsDecls ?? NO_NS_DECLS,
      parent,
      line,
      column,
    };
    if (selfClosing) return el;

    // content
    for (;;) {
      if (this.eof()) this.fail(`element <${shortForMessage(name)}> opened at line ${line}, column ${column} is not closed`);
      if (this.startsWith('</')) {
        const eline = this.line;
        const ecol = this.col;
        this.advance(2);
        const ename = this.readName('end tag name');
        this.skipSpace();
        if (this.peek() !== 0x3e) this.fail(`malformed end tag </${shortForMessage(ename)}>`);
        this.advance();
        if (ename !== name) {
          this.fail(`opening and ending tag mismatch: <${shortForMessage(name)}> (line ${line}) and </${shortForMessage(ename)}>`, eline, ecol);
        }
        return el;
      }
      if (this.startsWith('<!--')) {
        this.skipComment();
        continue;
      }
      if (this.startsWith('<![CDATA[')) {
        const tline = this.line;
        const tcol = this.col;
        const end = this.s.indexOf(']]>', this.pos);
        if (end < 0) this.fail('unterminated CDATA section');
        const value = this.s.slice(this.pos + 9, end).replace(/\r\n?/g, '\n');
        this.advance(end + 3 - this.pos);
        this.countNode();
        el.children.push({kind: 'text', value, cdata: true, line: tline, column: tcol});
        continue;
      }
      if (this.startsWith('<?')) {
        this.skipPI();
        continue;
      }
      if (this.startsWith('<!')) this.fail('DOCTYPE and ENTITY declarations are not allowed');
      if (this.peek() === 0x3c) {
        el.children.push(this.parseElement(el, elScope, depth + 1));
        continue;
      }
      const tline = this.line;
      const tcol = this.col;
      let end = this.s.indexOf('<', this.pos);
      if (end < 0) end = this.s.length;
      const raw = this.s.slice(this.pos, end);
      const bad = raw.indexOf(']]>');
      if (bad >= 0) {
        this.advance(bad);
        this.fail("']]>' is not allowed in character data");
      }
      const value = this.decode(raw, tline, tcol, false);
      this.advance(end - this.pos);
      this.countNode();
      el.children.push({kind: 'text', value, cdata: false, line: tline, column: tcol});
    }
  }
}

/** Parse an XML document. Throws XmlSyntaxError on any well-formedness or safety violation. */
export function parseXmlDocument(text: string, limits: Partial<XmlLimits> = {}): XmlElement {
  const p = new Parser(text, {...DEFAULT_XML_LIMITS, ...limits});
  return p.parseDocument();
}

// ---------------------------------------------------------------------------
// Small query helpers used by the domain parser

export function childElements(el: XmlElement, local?: string, ns?: string | null): XmlElement[] {
  const out: XmlElement[] = [];
  for (const c of el.children) {
    if (c.kind !== 'element') continue;
    if (local !== undefined && c.local !== local) continue;
    if (ns === null ? c.ns !== undefined : ns !== undefined && c.ns !== ns) continue;
    out.push(c);
  }
  return out;
}

/** First child element with this local name and no namespace (libvirt elements are un-namespaced). */
export function child(el: XmlElement, local: string): XmlElement | undefined {
  for (const c of el.children) {
    if (c.kind === 'element' && c.local === local && c.ns === undefined && c.prefix === undefined) return c;
  }
  return undefined;
}

export function children(el: XmlElement, local: string): XmlElement[] {
  return el.children.filter((c): c is XmlElement => c.kind === 'element' && c.local === local && c.ns === undefined && c.prefix === undefined);
}

/** Unprefixed attribute value, or undefined. */
export function attr(el: XmlElement, name: string): string | undefined {
  for (const a of el.attrs) if (a.name === name) return a.value;
  return undefined;
}

/** Concatenated text content (like XPath string()). */
export function textContent(el: XmlElement): string {
  let s = '';
  for (const c of el.children) s += c.kind === 'text' ? c.value : textContent(c);
  return s;
}
