// The list screen's first frame, drawn without Ink or React. Loading those takes longer
// than listing 1,000 domains, so the launcher paints this frame as soon as the daemon has
// answered; Ink then mounts with the same data and draws the same screen over it. Every
// line comes from the same pure functions the Ink views use (layout, domain rows, host
// lines, hints); test/ui/render/first-frame.test.ts checks the two agree cell by cell.
import chalk, {type ForegroundColorName} from 'chalk';
import type {DomainSummary, HostStatus} from '../../driver/client/connection.js';
import {detailText, fitColumns, headerText, listPosition, listSummary, rowSegments, selectionMarker} from '../text/domain-rows.js';
import {initialTableState, isHostRow, selectedDomain, tableReducer} from '../state/domain-table-state.js';
import {tint, truncate} from '../text/format.js';
import {hostLines, hostStripLines} from '../text/host-lines.js';
import {fitHints, hintSegments, hintsFor} from '../state/keymap.js';
import {computeLayout} from './layout.js';
import {visibleWindow} from '../state/list-state.js';
import type {Segment} from '../text/styled-segment.js';
import {statusHeight} from '../state/status.js';
import {SIMULATED_BADGE, TITLE_NAME, titleInfo} from '../text/title-text.js';

export interface FirstFrameInput {
  uri: string;
  simulated: boolean;
  domains: readonly DomainSummary[];
  /** undefined while the daemon has not answered yet (the panel says "Checking…") */
  host: HostStatus | undefined;
  columns: number;
  rows: number;
  now: number;
}

type Style = Omit<Segment, 'text'>;

/** Turns a run of equally styled text into what the terminal gets (chalk in the product). */
export type Stylist = (text: string, style: Style) => string;

/** chalk, as Ink's <Text> uses it: no escape codes at all when chalk finds no colour support. */
export const chalkStylist: Stylist = (text, style) => {
  let paint = chalk;
  if (style.color !== undefined) paint = paint[style.color as ForegroundColorName];
  if (style.bold === true) paint = paint.bold;
  if (style.dim === true) paint = paint.dim;
  if (style.inverse === true) paint = paint.inverse;
  return paint(text);
};

const plain: Style = {};

function sameStyle(a: Style, b: Style): boolean {
  return a.color === b.color && Boolean(a.bold) === Boolean(b.bold) && Boolean(a.dim) === Boolean(b.dim) && Boolean(a.inverse) === Boolean(b.inverse);
}

/** A grid of cells, written the way Ink's output writes: later text replaces earlier cells. */
class Canvas {
  private readonly cells: Array<Array<{char: string; style: Style}>>;

  constructor(
    readonly width: number,
    height: number,
  ) {
    this.cells = Array.from({length: height}, () => Array.from({length: width}, () => ({char: ' ', style: plain})));
  }

  /** Writes segments from (x, y), cut at `width` cells with `…` as Ink's truncate-end does. */
  text(x: number, y: number, segments: readonly Segment[], width: number, extra: Style = plain): void {
    const row = this.cells[y];
    if (row === undefined || width <= 0) {
      return;
    }

    const chars: Array<{char: string; style: Style}> = [];
    for (const segment of segments) {
      const style = {...extra, ...withoutText(segment), inverse: Boolean(segment.inverse) || Boolean(extra.inverse)};
      for (const char of segment.text) {
        chars.push({char, style});
      }
    }

    if (chars.length > width) {
      const last = chars[width - 1]!;
      chars.length = width - 1;
      chars.push({char: '…', style: last.style});
    }

    for (const [index, cell] of chars.entries()) {
      if (x + index < this.width) {
        row[x + index] = cell;
      }
    }
  }

  /** Ink's round border, dimmed (borderDimColor). */
  box(x: number, y: number, width: number, height: number): void {
    const dim: Style = {dim: true};
    const line = (left: string, fill: string, right: string) => [{text: left + fill.repeat(Math.max(0, width - 2)) + right, ...dim}];
    this.text(x, y, line('╭', '─', '╮'), width);
    for (let row = y + 1; row < y + height - 1; row++) {
      this.text(x, row, [{text: '│', ...dim}], 1);
      this.text(x + width - 1, row, [{text: '│', ...dim}], 1);
    }

    this.text(x, y + height - 1, line('╰', '─', '╯'), width);
  }

  toLines(stylist: Stylist): string[] {
    return this.cells.map((row) => {
      let end = row.length;
      while (end > 0 && row[end - 1]!.char === ' ' && sameStyle(row[end - 1]!.style, plain)) {
        end--;
      }

      let out = '';
      let index = 0;
      while (index < end) {
        const style = row[index]!.style;
        let text = '';
        while (index < end && sameStyle(row[index]!.style, style)) {
          text += row[index]!.char;
          index++;
        }

        out += sameStyle(style, plain) ? text : stylist(text, style);
      }

      return out;
    });
  }
}

function withoutText(segment: Segment): Style {
  const {text: _text, ...style} = segment;
  return style;
}

/** The list screen as App draws it on mount with these domains: first row selected, no filter. */
export function firstFrameLines(input: FirstFrameInput, stylist: Stylist): string[] {
  const {columns, rows} = input;
  const wide = columns >= 100;
  const hostContent = wide ? hostLines(input.host, undefined) : hostStripLines(input.host, undefined, Math.max(1, columns - 4));
  const layout = computeLayout({columns, rows, bottomRows: statusHeight(null), hostLines: hostContent.length});
  const canvas = new Canvas(layout.width, layout.height);

  // Title: name, connection and host, the simulated-host badge at the right edge.
  canvas.text(0, 0, [{text: TITLE_NAME, bold: true, color: tint('cyan')}], layout.width);
  canvas.text(TITLE_NAME.length, 0, [{text: titleInfo(input.uri, input.host?.hostname, layout.width, input.simulated)}], layout.width);
  if (input.simulated) {
    canvas.text(layout.width - SIMULATED_BADGE.length, 0, [{text: SIMULATED_BADGE, bold: true, inverse: true, color: tint('yellow')}], SIMULATED_BADGE.length);
  }

  // The domain table.
  const table = tableReducer(initialTableState(), {type: 'data', domains: input.domains});
  const inner = Math.max(1, layout.listWidth - 2);
  const longestName = input.domains.reduce((longest, domain) => Math.max(longest, [...domain.name].length), 0);
  const tableColumns = fitColumns(inner, longestName);
  canvas.box(0, 1, layout.listWidth, layout.listHeight);
  canvas.text(1, 2, [{text: headerText(tableColumns, table.sort, table.descending), bold: true}], inner);
  const list = table.list;
  if (table.all.length === 0) {
    canvas.text(1, 3, [{text: 'No domains defined.', dim: true}], inner);
  } else {
    const window = visibleWindow(list, layout.viewport);
    for (const [row, domain] of window.items.entries()) {
      // One host: no header rows.
      if (isHostRow(domain)) {
        continue;
      }

      const selected = window.offset + row === list.index;
      canvas.text(1, 3 + row, [{text: selectionMarker(selected)}, ...rowSegments(domain, tableColumns)], inner, selected ? {inverse: true} : plain);
    }
  }

  const position = listPosition(table);
  const detail = detailText(selectedDomain(table), undefined, input.now);
  const detailRow = 1 + layout.listHeight - 2;
  canvas.text(
    1,
    detailRow,
    [
      {
        text: truncate(detail.text, Math.max(0, inner - position.length - 1)),
        color: detail.color === undefined ? undefined : tint(detail.color),
        dim: detail.dim,
      },
    ],
    inner - position.length,
  );
  canvas.text(1 + inner - position.length, detailRow, [{text: position, dim: true}], position.length);

  // The host panel: beside the list, or a strip under it.
  if (layout.hostHeight > 0) {
    const [x, y] = layout.hostBeside ? [layout.listWidth, 1] : [0, 1 + layout.listHeight];
    canvas.box(x, y, layout.hostWidth, layout.hostHeight);
    const hostInner = Math.max(1, layout.hostWidth - 4);
    const content = layout.hostBeside ? hostLines(input.host, undefined, hostInner) : hostStripLines(input.host, undefined, hostInner);
    for (const [index, line] of content.slice(0, Math.max(0, layout.hostHeight - 2)).entries()) {
      canvas.text(
        x + 2,
        y + 1 + index,
        [{text: truncate(line.text, hostInner), bold: line.bold, dim: line.dim, color: line.color === undefined ? undefined : tint(line.color)}],
        hostInner,
      );
    }
  }

  // The status line (the summary until an action reports) and the key hints.
  canvas.text(0, 1 + layout.mainHeight, [{text: truncate(listSummary(table.all, true), layout.width), dim: true}], layout.width);
  canvas.text(0, 2 + layout.mainHeight, hintSegments(fitHints(hintsFor('list'), layout.width)), layout.width);
  return canvas.toLines(stylist);
}
