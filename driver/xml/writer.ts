// XML text output in libvirt's style: two-space indentation, single-quoted
// attributes, libvirt's escaping (virBufferEscapeString).

import type {XmlElement} from './dom.js';

/** Escape for text and attribute values the way libvirt does; control characters are dropped. */
function escapeXml(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) continue;
    switch (ch) {
      case '<':
        out += '&lt;';
        break;
      case '>':
        out += '&gt;';
        break;
      case '&':
        out += '&amp;';
        break;
      case "'":
        out += '&apos;';
        break;
      case '"':
        out += '&quot;';
        break;
      default:
        out += ch;
    }
  }
  return out;
}

export type Attrs = readonly (readonly [string, string | number | undefined])[];

export function formatAttrs(attrs: Attrs): string {
  let s = '';
  for (const [k, v] of attrs) if (v !== undefined) s += ` ${k}='${escapeXml(String(v))}'`;
  return s;
}

/** Line-oriented buffer with an indentation level. */
export class XmlBuffer {
  private lines: string[] = [];
  private level = 0;

  indent(): void {
    this.level++;
  }
  dedent(): void {
    this.level--;
  }
  private pad(): string {
    return '  '.repeat(this.level);
  }
  /** A raw line at the current indentation. */
  line(text: string): void {
    this.lines.push(this.pad() + text);
  }
  /** Several pre-indented lines, shifted to the current indentation. */
  block(text: string): void {
    for (const l of text.split('\n')) if (l !== '') this.lines.push(this.pad() + l);
  }
  /** Text whose lines are already indented absolutely. */
  raw(text: string): void {
    this.lines.push(...text.split('\n'));
  }
  get depth(): number {
    return this.level;
  }
  /** <name attrs/> */
  empty(name: string, attrs: Attrs = []): void {
    this.line(`<${name}${formatAttrs(attrs)}/>`);
  }
  /** <name attrs>text</name> */
  text(name: string, text: string, attrs: Attrs = []): void {
    this.line(`<${name}${formatAttrs(attrs)}>${escapeXml(text)}</${name}>`);
  }
  /** <name attrs> ...children... </name>, or <name attrs/> when the body writes nothing. */
  element(name: string, attrs: Attrs, body: () => void): void {
    const start = this.lines.length;
    this.indent();
    body();
    this.dedent();
    if (this.lines.length === start) {
      this.empty(name, attrs);
      return;
    }
    const inner = this.lines.splice(start);
    this.line(`<${name}${formatAttrs(attrs)}>`);
    this.lines.push(...inner);
    this.line(`</${name}>`);
  }
  toString(): string {
    return this.lines.join('\n') + '\n';
  }
}

/**
 * Re-serialise an element that libvirt keeps but this model does not type
 * (e.g. <hostdev>, <memballoon>), in libvirt's style. Whitespace-only text
 * is dropped; text content is kept.
 */
export function writeRawElement(buf: XmlBuffer, el: XmlElement, skip: (child: XmlElement) => boolean = () => false): void {
  const attrs: [string, string][] = el.attrs.map((a) => [a.name, a.value]);
  const kids = el.children.filter((c) => (c.kind === 'text' ? c.value.trim() !== '' : !skip(c)));
  if (kids.length === 0) {
    buf.empty(el.name, attrs);
    return;
  }
  if (kids.every((c) => c.kind === 'text')) {
    buf.text(el.name, kids.map((c) => (c.kind === 'text' ? c.value : '')).join(''), attrs);
    return;
  }
  buf.element(el.name, attrs, () => {
    for (const c of kids) {
      if (c.kind === 'element') writeRawElement(buf, c, skip);
      else buf.line(escapeXml(c.value.trim()));
    }
  });
}

// ---------------------------------------------------------------------------
// libxml2-style dump (used for <metadata>, which libvirt copies verbatim)

function escapeLibxmlText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
}

function escapeLibxmlAttr(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\r/g, '&#13;')
    .replace(/\n/g, '&#10;')
    .replace(/\t/g, '&#9;');
}

/**
 * Dump an element like libxml2's xmlNodeDump with formatting: double-quoted
 * attributes, namespace declarations first, children indented by two spaces
 * per level unless the element contains text. `extraNs` adds declarations
 * (for prefixes bound on an ancestor).
 */
export function dumpLibxml(el: XmlElement, level: number, extraNs: Map<string, string> = new Map(), parentFormat = true): string {
  const pad = (l: number) => '  '.repeat(l);
  let s = `<${el.name}`;
  const decls = new Map<string, string>([...extraNs, ...el.nsDecls]);
  for (const [p, u] of decls) s += p === '' ? ` xmlns="${escapeLibxmlAttr(u)}"` : ` xmlns:${p}="${escapeLibxmlAttr(u)}"`;
  for (const a of el.attrs) {
    if (a.name === 'xmlns' || a.prefix === 'xmlns') continue;
    s += ` ${a.name}="${escapeLibxmlAttr(a.value)}"`;
  }
  if (el.children.length === 0) return s + '/>';
  s += '>';
  // once inside mixed content, libxml2 stops indenting for the whole subtree
  const format = parentFormat && el.children.every((c) => c.kind === 'element');
  for (const c of el.children) {
    if (c.kind === 'text') {
      s += c.cdata ? `<![CDATA[${c.value}]]>` : escapeLibxmlText(c.value);
    } else if (format) {
      s += '\n' + pad(level + 1) + dumpLibxml(c, level + 1, new Map(), true);
    } else {
      s += dumpLibxml(c, level + 1, new Map(), false);
    }
  }
  if (format) s += '\n' + pad(level);
  return s + `</${el.name}>`;
}
