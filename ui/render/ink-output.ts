// Drop-in replacement for Ink 6.8.0's build/output.js (the "virtual screen" each frame is
// drawn into), swapped in at bundle time by scripts/ink-output-plugin.mjs. Ink builds a new
// Output per frame, and its own one re-tokenizes, re-slices and re-serializes every row every
// time; on a full-screen frame that was most of the cost of a key press. This one produces the
// same string, but keeps its caches across frames and reuses a row's string when the row is
// made of exactly the same placements as last time, so only changed rows are rebuilt.
import sliceAnsi from 'slice-ansi';
import stringWidth from 'string-width';
import {type AnsiCode, type StyledChar, ansiCodesToString, diffAnsiCodes, styledCharsFromTokens, tokenize} from '@alcalzone/ansi-tokenize';

export type OutputTransformer = (line: string, index: number) => string;

type Clip = {
  x1: number | undefined;
  x2: number | undefined;
  y1: number | undefined;
  y2: number | undefined;
};

type Operation = {type: 'write'; x: number; y: number; text: string; transformers: OutputTransformer[]} | {type: 'clip'; clip: Clip} | {type: 'unclip'};

/** A line tokenized once: its styled chars and how many columns each one advances. */
type StyledLine = {
  readonly chars: readonly StyledChar[];
  readonly advances: readonly number[];
};

/** Per row, in drawing order: x, then the StyledLine drawn there (flat, to spare allocations). */
type Placements = Array<number | StyledLine>;

type RowMemo = {placements: Placements; text: string};

/**
 * A Map that starts over when full. The caches outlive frames, so they must be bounded;
 * starting over costs one frame's worth of recomputation and nothing else.
 */
class Cache<V> {
  private readonly entries = new Map<string, V>();
  private readonly limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  get(key: string): V | undefined {
    return this.entries.get(key);
  }

  set(key: string, value: V): V {
    if (this.entries.size >= this.limit) {
      this.entries.clear();
    }

    this.entries.set(key, value);
    return value;
  }
}

const widths = new Cache<number>(4000);

function widthOf(text: string): number {
  return widths.get(text) ?? widths.set(text, stringWidth(text));
}

const blockWidths = new Cache<number>(4000);

function widestLine(text: string): number {
  let widest = blockWidths.get(text);
  if (widest === undefined) {
    widest = 0;
    for (const line of text.split('\n')) {
      widest = Math.max(widest, widthOf(line));
    }

    blockWidths.set(text, widest);
  }

  return widest;
}

// A line is nearly always clipped the same way frame after frame.
const slices = new Cache<string>(4000);

function slice(line: string, from: number, to: number): string {
  const key = `${from}:${to}:${line}`;
  return slices.get(key) ?? slices.set(key, sliceAnsi(line, from, to));
}

// An entry holds an object per character, hence the lower limit (still a dozen full screens).
// The identity of a StyledLine stands for its line's text in the row memo below.
const styledLines = new Cache<StyledLine>(1000);

function styledLine(line: string): StyledLine {
  let styled = styledLines.get(line);
  if (styled === undefined) {
    const chars = styledCharsFromTokens(tokenize(line));
    // A character covers at least one column, wide ones more (as string-width measures them).
    styled = styledLines.set(line, {chars, advances: chars.map((char) => Math.max(1, widthOf(char.value)))});
  }

  return styled;
}

// Each frame is a new Output, so the previous frame's rows live here, keyed by the Output's
// size: Ink's static output (another Output in the same frame) rarely shares both with the
// main one, and when it does the two only evict each other, as every use is fully checked.
const rowMemos = new Map<string, RowMemo[]>();
const sizeLimit = 8;

function memosFor(width: number, height: number): RowMemo[] {
  const key = `${width}x${height}`;
  let memos = rowMemos.get(key);
  if (memos === undefined) {
    if (rowMemos.size >= sizeLimit) {
      rowMemos.clear();
    }

    memos = [];
    rowMemos.set(key, memos);
  }

  return memos;
}

function samePlacements(a: Placements, b: Placements): boolean {
  if (a.length !== b.length) {
    return false;
  }

  for (let index = 0; index < a.length; index++) {
    if (a[index] !== b[index]) {
      return false;
    }
  }

  return true;
}

const blank: StyledChar = {type: 'char', value: ' ', fullWidth: false, styles: []};

function renderRow(width: number, placements: Placements): string {
  const cells: StyledChar[] = [];
  for (let x = 0; x < width; x++) {
    cells.push(blank);
  }

  for (let index = 0; index < placements.length; index += 2) {
    let x = placements[index] as number;
    const {chars, advances} = placements[index + 1] as StyledLine;
    for (let at = 0; at < chars.length; at++) {
      const char = chars[at]!;
      cells[x] = char;
      const advance = advances[at]!;
      // The columns a wide character covers hold empty cells, so nothing is printed over it.
      for (let column = 1; column < advance; column++) {
        cells[x + column] = {type: 'char', value: '', fullWidth: false, styles: char.styles};
      }

      x += advance;
    }
  }

  // A write past the right edge grows the row and can leave holes; Ink drops the holes
  // (so such text ends up right after the last column) and so must we.
  return cellsToString(cells.filter((cell) => cell !== undefined)).trimEnd();
}

function sameStyles(a: readonly AnsiCode[], b: readonly AnsiCode[]): boolean {
  if (a === b) {
    return true;
  }

  if (a.length !== b.length) {
    return false;
  }

  for (let index = 0; index < a.length; index++) {
    if (a[index]!.code !== b[index]!.code || a[index]!.endCode !== b[index]!.endCode) {
      return false;
    }
  }

  return true;
}

/**
 * What styledCharsToString returns, at a fraction of the cost: it diffs the styles of every
 * pair of neighbouring cells (building sets each time), and that diff is empty whenever the two
 * carry the same codes, which is the case for nearly all neighbours in a row.
 */
function cellsToString(cells: readonly StyledChar[]): string {
  let text = '';
  let previous: AnsiCode[] | undefined;
  for (const {styles, value} of cells) {
    if (previous === undefined) {
      text += ansiCodesToString(styles);
    } else if (!sameStyles(previous, styles)) {
      text += ansiCodesToString(diffAnsiCodes(previous, styles));
    }

    text += value;
    previous = styles;
  }

  return previous === undefined ? text : text + ansiCodesToString(diffAnsiCodes(previous, []));
}

export default class Output {
  /** Shows in a bundle that this class, not Ink's, is the one drawing frames. */
  static readonly implementation = 'bhyve-tui ink-output';

  width: number;
  height: number;
  private readonly operations: Operation[] = [];

  constructor(options: {width: number; height: number}) {
    const {width, height} = options;
    this.width = width;
    this.height = height;
  }

  write(x: number, y: number, text: string, options: {transformers: OutputTransformer[]}): void {
    const {transformers} = options;
    if (!text) {
      return;
    }

    this.operations.push({type: 'write', x, y, text, transformers});
  }

  clip(clip: Clip): void {
    this.operations.push({type: 'clip', clip});
  }

  unclip(): void {
    this.operations.push({type: 'unclip'});
  }

  get(): {output: string; height: number} {
    const rows: Placements[] = [];
    for (let y = 0; y < this.height; y++) {
      rows.push([]);
    }

    const clips: Clip[] = [];
    for (const operation of this.operations) {
      if (operation.type === 'clip') {
        clips.push(operation.clip);
      } else if (operation.type === 'unclip') {
        clips.pop();
      } else {
        place(rows, operation, clips.at(-1));
      }
    }

    const memos = memosFor(this.width, this.height);
    const lines = rows.map((placements, y) => {
      const memo = memos[y];
      if (memo !== undefined && samePlacements(memo.placements, placements)) {
        return memo.text;
      }

      const text = renderRow(this.width, placements);
      memos[y] = {placements, text};
      return text;
    });
    return {output: lines.join('\n'), height: rows.length};
  }
}

/** Clips one write like Ink does and records where each of its lines lands. */
function place(rows: Placements[], operation: Extract<Operation, {type: 'write'}>, clip: Clip | undefined): void {
  const {text, transformers} = operation;
  let {x, y} = operation;
  let lines = text.split('\n');
  if (clip) {
    const {x1, x2, y1, y2} = clip;
    const clipHorizontally = typeof x1 === 'number' && typeof x2 === 'number';
    const clipVertically = typeof y1 === 'number' && typeof y2 === 'number';
    // Outside the clip altogether. The comparisons are Ink's: a write that ends exactly at
    // x1 or starts exactly at x2 is kept, clipped to empty lines that still go through the
    // transformers (which may give them content).
    if (clipHorizontally && (x + widestLine(text) < x1 || x > x2)) {
      return;
    }

    if (clipVertically && (y + lines.length < y1 || y > y2)) {
      return;
    }

    if (clipHorizontally) {
      const from = x < x1 ? x1 - x : 0;
      lines = lines.map((line) => {
        const width = widthOf(line);
        return slice(line, from, x + width > x2 ? x2 - x : width);
      });
      if (x < x1) {
        x = x1;
      }
    }

    if (clipVertically) {
      const from = y < y1 ? y1 - y : 0;
      lines = lines.slice(from, y + lines.length > y2 ? y2 - y : lines.length);
      if (y < y1) {
        y = y1;
      }
    }
  }

  // Ink moves down only after a line lands on an existing row: once one line falls outside
  // the screen (or y is negative or fractional), the rest of the write is dropped too.
  let offsetY = 0;
  for (let [index, line] of lines.entries()) {
    const row = rows[y + offsetY];
    if (row === undefined) {
      continue;
    }

    for (const transformer of transformers) {
      line = transformer(line, index);
    }

    row.push(x, styledLine(line));
    offsetY++;
  }
}
