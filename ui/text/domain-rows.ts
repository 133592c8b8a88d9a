// The domain table's content as plain data: which columns fit, the header line, each
// row's styled segments, the line under the table and the position. DomainList draws them
// with Ink; the first frame (first-frame.ts) draws the same data before Ink has loaded.
import type {DomainSummary} from '../../driver/client/connection.js';
import {isHostRow, type TableState} from '../state/domain-table-state.js';
import {formatMemory, formatPercent, formatVcpus, padEnd, padStart, secondsLeft, stateStyle, tint, truncate} from './format.js';
import type {Segment} from './styled-segment.js';
import {errorStatus} from '../state/status.js';

/** Rows of the list box that are not domain rows: frame (2), header (1), detail line (1). */
export const LIST_CHROME_ROWS = 4;

const STATE_WIDTH = 11; // 'in shutdown'
const MIN_NAME = 10;

type Column = 'vcpus' | 'memory' | 'cpu' | 'rss' | 'auto';
const columnWidth: Record<Column, number> = {memory: 7, vcpus: 5, cpu: 5, rss: 7, auto: 4};
/** in the order they are given up when space runs out (last first) */
const columnOrder: Column[] = ['memory', 'vcpus', 'cpu', 'rss', 'auto'];
const columnTitle: Record<Column, string> = {vcpus: 'VCPUS', memory: 'MEMORY', cpu: 'CPU%', rss: 'RSS', auto: 'AUTO'};

export interface Columns {
  name: number;
  shown: Column[];
}

/** marker (2) + problem mark (2) + name + space + state */
export function fitColumns(inner: number, longestName: number): Columns {
  const fixed = 4 + 1 + STATE_WIDTH;
  const shown: Column[] = [];
  let used = fixed + MIN_NAME;
  for (const column of columnOrder) {
    const width = columnWidth[column] + 1;
    if (used + width > inner) {
      break;
    }

    shown.push(column);
    used += width;
  }

  const rest = inner - fixed - shown.reduce((sum, column) => sum + columnWidth[column] + 1, 0);
  const name = Math.max(4, Math.min(rest, Math.max(MIN_NAME, longestName + 1)));
  // Columns stay in table order, whatever order they were given space in.
  const order: Column[] = ['vcpus', 'memory', 'cpu', 'rss', 'auto'];
  return {name, shown: order.filter((column) => shown.includes(column))};
}

function cell(domain: DomainSummary, column: Column): string {
  switch (column) {
    case 'vcpus': {
      return formatVcpus(domain.vcpus);
    }

    case 'memory': {
      return formatMemory(domain.memoryKiB);
    }

    case 'cpu': {
      return formatPercent(domain.cpuPercent);
    }

    case 'rss': {
      return domain.rssKiB === undefined ? '' : formatMemory(domain.rssKiB);
    }

    case 'auto': {
      return domain.autostart ? 'yes' : '';
    }
  }
}

const sortColumn = {name: 'NAME', state: 'STATE', memory: 'MEMORY'} as const;

/** The column titles, the sort column marked with its direction. */
export function headerText(columns: Columns, sort: TableState['sort'], descending: boolean): string {
  const arrow = descending ? '↓' : '↑';
  const title = (text: string) => (sortColumn[sort] === text ? text + arrow : text);
  let line = `    ${padEnd(title('NAME'), columns.name)} ${padEnd(title('STATE'), STATE_WIDTH)}`;
  for (const column of columns.shown) {
    line += ' ' + padStart(title(columnTitle[column]), columnWidth[column]);
  }

  return line;
}

/** One table row; the selected row is drawn inverse as a whole. */
export function rowSegments(domain: DomainSummary, columns: Columns): Segment[] {
  const style = stateStyle(domain.state);
  let rest = '';
  for (const column of columns.shown) {
    rest += ' ' + padStart(cell(domain, column), columnWidth[column]);
  }

  const marked = domain.problemCount > 0;
  return [
    {text: marked ? '! ' : '  ', color: marked ? tint('red') : undefined, bold: true},
    {text: padEnd(domain.name, columns.name) + ' '},
    {text: padEnd(domain.state, STATE_WIDTH), color: style.color, dim: style.dimColor, bold: style.bold},
    {text: rest},
  ];
}

export function selectionMarker(selected: boolean): string {
  return selected ? '› ' : '  ';
}

/** One line about the selected domain: what is wrong with it, its countdown, or where it lives. */
export function detailText(domain: DomainSummary | undefined, error: unknown, now: number): {text: string; color?: string; dim?: boolean} {
  if (error !== undefined) {
    return {text: `✘ Cannot list domains: ${errorStatus(error).text}`, color: 'red'};
  }

  if (domain === undefined) {
    return {text: ''};
  }

  if (domain.state === 'in shutdown' && domain.shutdownDeadline !== undefined) {
    return {
      text: `Forced power-off in ${secondsLeft(domain.shutdownDeadline, now)} s: ${domain.name} is shutting down (ACPI); D powers off now`,
      color: 'yellow',
    };
  }

  if (domain.state === 'invalid') {
    return {text: `✘ ${domain.name}: ${domain.error ?? 'invalid definition'} — e: errors, E: edit`, color: 'red'};
  }

  if (domain.lastError !== undefined) {
    return {text: `Last start failed: ${domain.lastError} — e: errors`, color: 'yellow'};
  }

  if (domain.problemCount > 0) {
    return {text: `! ${domain.problemCount} problem${domain.problemCount === 1 ? '' : 's'} — press e to see them`, color: 'red'};
  }

  return {text: domain.file + (domain.pid === undefined ? '' : `  pid ${domain.pid}`) + (domain.reason === undefined ? '' : `  (${domain.reason})`), dim: true};
}

/** Where the selection is, and the filter when one is set: `3/40`, `/web  2/3 of 40`. */
export function listPosition(table: TableState): string {
  const list = table.list;
  let position = list.items.length > 0 ? `${list.index + 1}/${list.items.length}` : '';
  let shown = list.items.length;
  if (table.hosts.length > 0) {
    // Several hosts: the domain's place among the domains; the host headers do not count.
    const domains = list.items.filter((item) => !isHostRow(item));
    const selected = list.items[list.index];
    const at = selected === undefined || isHostRow(selected) ? -1 : domains.indexOf(selected);
    shown = domains.length;
    position = shown === 0 ? '' : at < 0 ? `${shown}` : `${at + 1}/${shown}`;
  }

  // A long filter is shown by its start: the line has room for little else.
  return table.filter === '' ? position : `/${truncate(table.filter, 30)}  ${shown > 0 ? position : '0'} of ${table.all.length}`;
}

/** The status line's text while no action has reported anything. */
export function listSummary(domains: readonly DomainSummary[], loaded: boolean): string {
  if (!loaded) {
    return 'Loading…';
  }

  const running = domains.filter((domain) => domain.state === 'running').length;
  const marked = domains.filter((domain) => domain.problemCount > 0).length;
  return `${domains.length} domain${domains.length === 1 ? '' : 's'}, ${running} running${marked > 0 ? `, ${marked} with problems (!)` : ''}  ·  ? help`;
}
