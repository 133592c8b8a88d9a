// Where things are in a definition file, found by scanning its text rather than parsing it:
// the disk images, bridges and nmdm consoles it names and its <vcpu>, each with the line and
// column of its element. It serves the errors view: host problems point at the element to
// fix, and a file that no longer parses still gets its disks, bridges and consoles checked,
// as far as they can be read. Nothing here is used to start anything.

export interface ScannedPlace {
  line: number;
  column: number;
}

export interface DefinitionScan {
  files: Array<ScannedPlace & {path: string; what: string}>;
  bridges: Array<ScannedPlace & {name: string}>;
  consoles: Array<ScannedPlace & {master: string; slave: string}>;
  vcpus?: ScannedPlace & {value: number};
}

/** Something a check is about, by what the definition says: a disk's path, a bridge's name, a console device, the vCPU count. */
export interface DefinitionSubject {
  kind: 'file' | 'bridge' | 'console' | 'vcpus';
  value: string;
}

/** Each scan's places by what they are about, made on the first lookup: one problem per disk must not cost a pass over all disks. */
const indexes = new WeakMap<DefinitionScan, Map<string, ScannedPlace>>();

/** Where the element that `subject` comes from is, if the scan found it (the first such element). */
export function placeOf(scan: DefinitionScan, subject: DefinitionSubject): ScannedPlace | undefined {
  if (subject.kind === 'vcpus') {
    return scan.vcpus;
  }

  let index = indexes.get(scan);
  if (index === undefined) {
    index = new Map();
    const add = (key: string, place: ScannedPlace) => {
      if (!index!.has(key)) {
        index!.set(key, place);
      }
    };

    for (const file of scan.files) {
      add(`file:${file.path}`, file);
    }

    for (const bridge of scan.bridges) {
      add(`bridge:${bridge.name}`, bridge);
    }

    for (const console of scan.consoles) {
      add(`console:${console.master}`, console);
      add(`console:${console.slave}`, console);
    }

    indexes.set(scan, index);
  }

  return index.get(`${subject.kind}:${subject.value}`);
}

const entities: Record<string, string> = {amp: '&', lt: '<', gt: '>', quot: '"', apos: "'"};

/**
 * The scan reports each disk path, bridge and console once (where it first appears), and at
 * most this many of each: more than a definition can use (bhyve has 31 PCI slots; 32 disks
 * per AHCI controller), and few enough that checking each against the host stays cheap.
 */
const maxScannedPlaces = {files: 1024, bridges: 64, consoles: 64};

function decode(value: string): string {
  return value.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[\da-fA-F]+);/g, (reference, entity: string) => {
    if (!entity.startsWith('#')) {
      return entities[entity]!;
    }

    // A broken file may name a character that does not exist: keep the reference as written.
    const code = entity.startsWith('#x') ? Number.parseInt(entity.slice(2), 16) : Number(entity.slice(1));
    return code <= 0x10_ff_ff && (code < 0xd8_00 || code > 0xdf_ff) ? String.fromCodePoint(code) : reference;
  });
}

const isWordChar = (c: number) => (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f;
// The characters of a tag or attribute name: [\w:.-]
const isNameChar = (c: number) => isWordChar(c) || c === 0x3a || c === 0x2e || c === 0x2d;
const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0b || c === 0x0c;

/**
 * The attributes of a tag's text: each run of name characters followed by `=` and a quoted
 * value, wherever it is; anything else is skipped. Linear: every character is looked at a
 * bounded number of times, and a quote without its closing quote is known at once.
 */
function attributes(text: string): Map<string, string> {
  const found = new Map<string, string>();
  const lastQuote = {'"': text.lastIndexOf('"'), "'": text.lastIndexOf("'")};
  let i = 0;
  while (i < text.length) {
    if (!isNameChar(text.charCodeAt(i))) {
      i++;
      continue;
    }

    const nameStart = i;
    while (i < text.length && isNameChar(text.charCodeAt(i))) {
      i++;
    }

    const nameEnd = i;
    let k = i;
    while (k < text.length && isSpace(text.charCodeAt(k))) {
      k++;
    }

    if (text[k] !== '=') {
      continue;
    }

    k++;
    while (k < text.length && isSpace(text.charCodeAt(k))) {
      k++;
    }

    const quote = text[k];
    if ((quote !== '"' && quote !== "'") || lastQuote[quote] <= k) {
      continue;
    }

    const close = text.indexOf(quote, k + 1);
    found.set(text.slice(nameStart, nameEnd), decode(text.slice(k + 1, close)));
    i = close + 1;
  }

  return found;
}

/**
 * A tag's end, for the tag text that starts at `from` (after its name): the first '>' outside
 * a quoted value, or -1 when a quote is never closed or no '>' follows. What is found from a
 * position is remembered, so the many tags of a broken file that all run to its end are
 * followed once, not once each.
 */
class TagEnds {
  private readonly memo = new Map<number, number>();
  /** For each offset, the first '>', '"' or '\'' at or after it (-1: none); made on first use. */
  private stops: Int32Array | undefined;

  constructor(private readonly text: string) {}

  find(from: number): number {
    const {text, memo} = this;
    const visited: number[] = [];
    let at = from;
    let end: number;
    for (;;) {
      const known = memo.get(at);
      if (known !== undefined) {
        end = known;
        break;
      }

      visited.push(at);
      const next = this.nextStop(at);
      if (next < 0 || text.charCodeAt(next) === 0x3e) {
        end = next;
        break;
      }

      // A quote: its value runs to the matching quote.
      const close = text.indexOf(text[next]!, next + 1);
      if (close < 0) {
        end = -1;
        break;
      }

      at = close + 1;
    }

    for (const position of visited) {
      memo.set(position, end);
    }

    return end;
  }

  private nextStop(from: number): number {
    const {text} = this;
    if (this.stops === undefined) {
      const stops = new Int32Array(text.length + 1);
      let next = -1;
      stops[text.length] = -1;
      for (let i = text.length - 1; i >= 0; i--) {
        const c = text.charCodeAt(i);
        if (c === 0x3e || c === 0x22 || c === 0x27) {
          next = i;
        }

        stops[i] = next;
      }

      this.stops = stops;
    }

    return from >= text.length ? -1 : this.stops[from]!;
  }
}

export function scanDefinition(text: string): DefinitionScan {
  const scan: DefinitionScan = {files: [], bridges: [], consoles: []};
  // Line and column (1-based, columns in code points, as the XML parser's) of increasing
  // offsets, counted from the previous one.
  let line = 1;
  let column = 1;
  let counted = 0;
  const place = (offset: number): ScannedPlace => {
    for (; counted < offset; counted++) {
      const c = text.charCodeAt(counted);
      if (c === 0x0a) {
        line++;
        column = 1;
      } else if (c < 0xdc_00 || c > 0xdf_ff) {
        column++;
      }
    }

    return {line, column};
  };

  // The open elements that matter for what a <source> means: disk, interface, serial/console.
  // Each name's positions in the stack make closing an element cost what it removes.
  const open: Array<{name: string; attrs: Map<string, string>}> = [];
  const openAt = new Map<string, number[]>();
  const close = (name: string) => {
    const at = openAt.get(name)?.at(-1);
    if (at === undefined) {
      return;
    }

    while (open.length > at) {
      openAt.get(open.pop()!.name)!.pop();
    }
  };

  const ends = new TagEnds(text);
  let i = text.indexOf('<');
  while (i >= 0 && i < text.length) {
    if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i + 4);
      i = end < 0 ? -1 : text.indexOf('<', end + 3);
      continue;
    }

    if (text.startsWith('<![CDATA[', i)) {
      const end = text.indexOf(']]>', i + 9);
      i = end < 0 ? -1 : text.indexOf('<', end + 3);
      continue;
    }

    const closing = text.charCodeAt(i + 1) === 0x2f;
    const nameStart = i + (closing ? 2 : 1);
    let nameEnd = nameStart;
    while (nameEnd < text.length && isNameChar(text.charCodeAt(nameEnd))) {
      nameEnd++;
    }

    const end = nameEnd > nameStart ? ends.find(nameEnd) : -1;
    if (end < 0) {
      // Not a tag: the next '<' may start one.
      i = text.indexOf('<', i + 1);
      continue;
    }

    const name = text.slice(nameStart, nameEnd);
    const selfClosing = end > nameEnd && text.charCodeAt(end - 1) === 0x2f;
    const tagStart = i;
    i = text.indexOf('<', end + 1);
    if (closing) {
      close(name);
      continue;
    }

    const attrs = attributes(text.slice(nameEnd, selfClosing ? end - 1 : end));
    const parent = open.at(-1);
    if (name === 'source' && parent !== undefined) {
      const type = parent.attrs.get('type');
      if (parent.name === 'disk' && (type === 'file' || type === 'block' || type === undefined)) {
        const path = attrs.get('file') ?? attrs.get('dev');
        if (path !== undefined && scan.files.length < maxScannedPlaces.files) {
          scan.files.push({path, what: parent.attrs.get('device') === 'cdrom' ? 'ISO image' : 'disk image', ...place(tagStart)});
        }
      } else if (parent.name === 'interface' && type === 'bridge' && attrs.has('bridge')) {
        const name = attrs.get('bridge')!;
        if (scan.bridges.length < maxScannedPlaces.bridges) {
          scan.bridges.push({name, ...place(tagStart)});
        }
      } else if ((parent.name === 'serial' || parent.name === 'console') && type === 'nmdm' && attrs.has('master') && attrs.has('slave')) {
        if (scan.consoles.length < maxScannedPlaces.consoles) {
          scan.consoles.push({master: attrs.get('master')!, slave: attrs.get('slave')!, ...place(tagStart)});
        }
      }
    }

    if (name === 'vcpu' && !selfClosing && scan.vcpus === undefined) {
      // <vcpu>, blanks, digits, blanks, '<'
      let k = end + 1;
      while (k < text.length && isSpace(text.charCodeAt(k))) {
        k++;
      }

      const digits = k;
      while (k < text.length && text.charCodeAt(k) >= 0x30 && text.charCodeAt(k) <= 0x39) {
        k++;
      }

      const value = text.slice(digits, k);
      while (k < text.length && isSpace(text.charCodeAt(k))) {
        k++;
      }

      if (value !== '' && text[k] === '<') {
        scan.vcpus = {value: Number(value), ...place(tagStart)};
      }
    }

    if (!selfClosing) {
      open.push({name, attrs});
      const positions = openAt.get(name);
      if (positions === undefined) {
        openAt.set(name, [open.length - 1]);
      } else {
        positions.push(open.length - 1);
      }
    }
  }

  return scan;
}
