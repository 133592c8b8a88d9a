// A small, strict, non-validating XML parser producing a position-annotated DOM.
//
// Why not a general-purpose library: domain XML comes from users and from
// disk, so the parser must (a) never expand entities or fetch anything,
// (b) refuse DOCTYPE / ENTITY declarations outright, (c) bound input size and
// nesting depth, and (d) report syntax errors with line and column. It also
// resolves namespaces, which the bhyve:commandline extension and <metadata>
// need.

export interface XmlPosition {
  line: number;
  column: number;
}

export interface XmlAttr extends XmlPosition {
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
  /** Namespace declarations made on this element: prefix ('' = default) -> URI. */
  nsDecls: ReadonlyMap<string, string>;
  /** All namespace bindings in scope at this element. */
  nsScope: ReadonlyMap<string, string>;
  parent: XmlElement | undefined;
}

export interface XmlText extends XmlPosition {
  kind: 'text';
  value: string;
  cdata: boolean;
}

export type XmlNode = XmlElement | XmlText;

export interface XmlLimits {
  maxBytes: number;
  maxDepth: number;
  maxNodes: number;
  maxAttrsPerElement: number;
}

export const DEFAULT_XML_LIMITS: XmlLimits = {
  maxBytes: 1024 * 1024,
  maxDepth: 64,
  maxNodes: 100_000,
  maxAttrsPerElement: 256,
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
const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

function isNameStart(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x41 && c <= 0x5a) ||
    c === 0x5f ||
    c === 0x3a ||
    (c >= 0xc0 && c !== 0xd7 && c !== 0xf7)
  );
}

function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e || c === 0xb7;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

function isXmlChar(c: number): boolean {
  return c === 0x09 || c === 0x0a || c === 0x0d || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || c >= 0x10000;
}

/** Shared by every element that declares no namespace. */
const NO_NS_DECLS: ReadonlyMap<string, string> = new Map();

/** Characters that are not allowed anywhere in a document. */
const BAD_CHAR = /[\x00-\x08\x0b\x0c\x0e-\x1f]/;

/** Characters that make decode() do more than return its input. */
const ATTR_SPECIAL = /[&<\t\n\r]/;
const TEXT_SPECIAL = /[&\r]/;

class Parser {
  private pos = 0;
  private line = 1;
  private col = 1;
  private nodes = 0;

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
    if (this.eof() || !isNameStart(this.peek())) this.fail(`expected ${what}`);
    let i = start + 1;
    while (i < s.length && isNameChar(s.charCodeAt(i))) i++;
    this.advanceTo(i);
    return s.slice(start, i);
  }

  private countNode(): void {
    if (++this.nodes > this.limits.maxNodes) this.fail(`document has more than ${this.limits.maxNodes} nodes`);
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
        const semi = raw.indexOf(';', i);
        if (semi < 0 || semi - i > 12) this.fail("unterminated entity reference ('&' must be written as &amp;)", l, c0);
        const ent = raw.slice(i + 1, semi);
        let rep: string;
        if (ent === 'lt') rep = '<';
        else if (ent === 'gt') rep = '>';
        else if (ent === 'amp') rep = '&';
        else if (ent === 'apos') rep = "'";
        else if (ent === 'quot') rep = '"';
        else if (/^#[0-9]+$/.test(ent) || /^#x[0-9a-fA-F]+$/.test(ent)) {
          const code = ent[1] === 'x' ? parseInt(ent.slice(2), 16) : parseInt(ent.slice(1), 10);
          if (!Number.isFinite(code) || code > 0x10ffff || !isXmlChar(code) || (code >= 0xd800 && code <= 0xdfff)) {
            this.fail(`invalid character reference &${ent};`, l, c0);
          }
          rep = String.fromCodePoint(code);
        } else {
          this.fail(`entity '${ent}' not defined (external and custom entities are not supported)`, l, c0);
        }
        out += rep;
        c0 += semi + 1 - i;
        i = semi + 1;
        continue;
      }
      if (inAttr && ch === 0x3c /* < */) this.fail("'<' is not allowed in attribute values", l, c0);
      if (inAttr && (ch === 0x09 || ch === 0x0a || ch === 0x0d)) {
        // attribute value normalisation: whitespace characters become spaces
        if (ch === 0x0d && raw.charCodeAt(i + 1) === 0x0a) i++;
        out += ' ';
      } else if (ch === 0x0d) {
        // end-of-line normalisation
        if (raw.charCodeAt(i + 1) === 0x0a) i++;
        out += '\n';
      } else {
        out += raw[i];
      }
      if (ch === 0x0a || (ch === 0x0d)) {
        l++;
        c0 = 1;
      } else {
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
    if (this.startsWith('<?xml')) {
      const end = this.s.indexOf('?>', this.pos);
      if (end < 0) this.fail('unterminated XML declaration');
      const decl = this.s.slice(this.pos, end);
      if (!/^<\?xml[ \t\r\n]/.test(decl + ' ')) this.fail('malformed XML declaration');
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
        root = this.parseElement(undefined, new Map([['xml', XML_NS]]), 1);
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
    if (body.includes('--')) this.fail("'--' is not allowed inside a comment", line, col);
    this.advance(end + 3 - this.pos);
    this.countNode();
  }

  private skipPI(): void {
    const line = this.line;
    const col = this.col;
    this.advance(2);
    const target = this.readName('processing instruction target');
    if (target.toLowerCase() === 'xml') this.fail('XML declaration is only allowed at the start of the document', line, col);
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
    if (!p || !loc || loc.includes(':')) this.fail(`malformed qualified name '${qname}'`, l, c);
    return [p, loc];
  }

  private parseElement(parent: XmlElement | undefined, scope: Map<string, string>, depth: number): XmlElement {
    if (depth > this.limits.maxDepth) this.fail(`elements nested deeper than ${this.limits.maxDepth} levels`);
    this.countNode();
    const line = this.line;
    const column = this.col;
    this.advance(); // <
    const name = this.readName('element name');
    const rawAttrs: { name: string; value: string; line: number; column: number }[] = [];
    let selfClosing = false;
    for (;;) {
      const hadSpace = this.skipSpace();
      if (this.eof()) this.fail(`unterminated start tag <${name}>`, line, column);
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
      this.skipSpace();
      if (this.peek() !== 0x3d /* = */) this.fail(`attribute '${aname}' has no value`);
      this.advance();
      this.skipSpace();
      const q = this.peek();
      if (q !== 0x22 && q !== 0x27) this.fail(`value of attribute '${aname}' must be quoted`);
      const vline = this.line;
      const vcol = this.col + 1;
      const close = this.s.indexOf(q === 0x22 ? '"' : "'", this.pos + 1);
      if (close < 0) this.fail(`unterminated value of attribute '${aname}'`);
      const raw = this.s.slice(this.pos + 1, close);
      this.advance(close + 1 - this.pos);
      if (rawAttrs.some((a) => a.name === aname)) this.fail(`attribute '${aname}' is repeated`, aline, acol);
      if (rawAttrs.length >= this.limits.maxAttrsPerElement) this.fail('too many attributes', aline, acol);
      rawAttrs.push({ name: aname, value: this.decode(raw, vline, vcol, true), line: aline, column: acol });
    }

    // namespaces
    let nsDecls: Map<string, string> | undefined;
    for (const a of rawAttrs) {
      if (a.name === 'xmlns') (nsDecls ??= new Map()).set('', a.value);
      else if (a.name.startsWith('xmlns:')) {
        const p = a.name.slice(6);
        if (!p || p.includes(':')) this.fail(`malformed namespace declaration '${a.name}'`, a.line, a.column);
        if (a.value === '') this.fail(`namespace prefix '${p}' cannot be undeclared`, a.line, a.column);
        (nsDecls ??= new Map()).set(p, a.value);
      }
    }
    let elScope: Map<string, string> = scope;
    if (nsDecls) {
      elScope = new Map(scope);
      for (const [p, u] of nsDecls) {
        if (p === '' && u === '') elScope.delete('');
        else elScope.set(p, u);
      }
    }
    const [prefix, local] = this.splitQName(name, line, column);
    let ns: string | undefined;
    if (prefix !== undefined) {
      ns = elScope.get(prefix);
      if (ns === undefined) this.fail(`namespace prefix '${prefix}' is not declared`, line, column);
    } else {
      ns = elScope.get('') || undefined;
    }
    const attrs: XmlAttr[] = new Array<XmlAttr>(rawAttrs.length);
    for (let k = 0; k < rawAttrs.length; k++) {
      const a = rawAttrs[k]!;
      const [ap, al] = this.splitQName(a.name, a.line, a.column);
      let ans: string | undefined;
      if (a.name === 'xmlns' || ap === 'xmlns') ans = XMLNS_NS;
      else if (ap !== undefined) {
        ans = elScope.get(ap);
        if (ans === undefined) this.fail(`namespace prefix '${ap}' is not declared`, a.line, a.column);
      }
      attrs[k] = { name: a.name, prefix: ap, local: al, ns: ans, value: a.value, line: a.line, column: a.column };
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
      nsScope: elScope,
      parent,
      line,
      column,
    };
    if (selfClosing) return el;

    // content
    for (;;) {
      if (this.eof()) this.fail(`element <${name}> opened at line ${line}, column ${column} is not closed`);
      if (this.startsWith('</')) {
        const eline = this.line;
        const ecol = this.col;
        this.advance(2);
        const ename = this.readName('end tag name');
        this.skipSpace();
        if (this.peek() !== 0x3e) this.fail(`malformed end tag </${ename}>`);
        this.advance();
        if (ename !== name) {
          this.fail(`opening and ending tag mismatch: <${name}> (line ${line}) and </${ename}>`, eline, ecol);
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
        el.children.push({ kind: 'text', value, cdata: true, line: tline, column: tcol });
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
      el.children.push({ kind: 'text', value, cdata: false, line: tline, column: tcol });
    }
  }
}

/** Parse an XML document. Throws XmlSyntaxError on any well-formedness or safety violation. */
export function parseXmlDocument(text: string, limits: Partial<XmlLimits> = {}): XmlElement {
  const p = new Parser(text, { ...DEFAULT_XML_LIMITS, ...limits });
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
  return el.children.filter(
    (c): c is XmlElement => c.kind === 'element' && c.local === local && c.ns === undefined && c.prefix === undefined,
  );
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
