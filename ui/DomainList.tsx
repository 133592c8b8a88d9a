// The domain table. Only the rows in the window around the selection are rendered, and
// each row is memoised on its (reconciled) domain object, so with 1,000 domains a key
// press re-renders the two rows whose highlight changed. Columns that do not fit are
// dropped right to left (AUTO, RSS, CPU%, VCPUS, MEMORY); NAME and STATE always stay.
import {Box, Text} from 'ink';
import {memo} from 'react';
import type {DomainSummary} from '../driver/connection.js';
import type {TableState} from './domain-table-state.js';
import {formatMemory, formatPercent, formatVcpus, padEnd, padStart, secondsLeft, stateStyle, tint, truncate} from './format.js';
import {visibleWindow} from './list-state.js';
import {errorStatus} from './status.js';

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
	return {name, shown: order.filter(column => shown.includes(column))};
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

function Header(props: {columns: Columns; sort: TableState['sort']; descending: boolean}) {
	const {columns, sort, descending} = props;
	const arrow = descending ? '↓' : '↑';
	const title = (text: string) => (sortColumn[sort] === text ? text + arrow : text);
	let line = `    ${padEnd(title('NAME'), columns.name)} ${padEnd(title('STATE'), STATE_WIDTH)}`;
	for (const column of columns.shown) {
		line += ' ' + padStart(title(columnTitle[column]), columnWidth[column]);
	}

	return (
		<Text bold dimColor wrap="truncate-end">
			{line}
		</Text>
	);
}

export const Row = memo(function Row(props: {domain: DomainSummary; selected: boolean; columns: Columns}) {
	const {domain, selected, columns} = props;
	const style = stateStyle(domain.state);
	let rest = '';
	for (const column of columns.shown) {
		rest += ' ' + padStart(cell(domain, column), columnWidth[column]);
	}

	const marked = domain.problemCount > 0;
	return (
		<Text inverse={selected} wrap="truncate-end">
			{selected ? '› ' : '  '}
			<Text color={marked ? tint('red') : undefined} bold>
				{marked ? '! ' : '  '}
			</Text>
			{padEnd(domain.name, columns.name)}{' '}
			<Text color={style.color} dimColor={style.dimColor} bold={style.bold}>
				{padEnd(domain.state, STATE_WIDTH)}
			</Text>
			{rest}
		</Text>
	);
}, (before, after) =>
	before.domain === after.domain
	&& before.selected === after.selected
	&& before.columns.name === after.columns.name
	&& before.columns.shown.join() === after.columns.shown.join());

/** One line about the selected domain: what is wrong with it, its countdown, or where it lives. */
export function detailText(domain: DomainSummary | undefined, error: unknown, now: number): {text: string; color?: string; dim?: boolean} {
	if (error !== undefined) {
		return {text: `✘ Cannot list domains: ${errorStatus(error).text}`, color: 'red'};
	}

	if (domain === undefined) {
		return {text: ''};
	}

	if (domain.state === 'in shutdown' && domain.shutdownDeadline !== undefined) {
		return {text: `Forced power-off in ${secondsLeft(domain.shutdownDeadline, now)} s: ${domain.name} is shutting down (ACPI); D powers off now`, color: 'yellow'};
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

function DetailLine(props: {domain: DomainSummary | undefined; error: unknown; position: string; inner: number; now: number}) {
	const {domain, error, position, inner, now} = props;
	const room = Math.max(0, inner - position.length - 1);
	const detail = detailText(domain, error, now);
	return (
		<Box width={inner} height={1}>
			<Box flexGrow={1}>
				<Text color={detail.color === undefined ? undefined : tint(detail.color)} dimColor={detail.dim} wrap="truncate-end">
					{truncate(detail.text, room)}
				</Text>
			</Box>
			<Text dimColor>{position}</Text>
		</Box>
	);
}

export function DomainList(props: {
	table: TableState;
	/** domain rows that fit */
	viewport: number;
	width: number;
	height: number;
	/** the last listDomains() failure, if the latest call failed */
	error: unknown;
	/** longest domain name, for the NAME column */
	longestName: number;
	/** clock for the shutdown countdown */
	now: number;
}) {
	const {table, viewport, width, height, error} = props;
	const list = table.list;
	const inner = Math.max(1, width - 2);
	const columns = fitColumns(inner, props.longestName);
	const window = visibleWindow(list, viewport);
	const selected = list.index >= 0 ? list.items[list.index] : undefined;
	let position = list.items.length > 0 ? `${list.index + 1}/${list.items.length}` : '';
	if (table.filter !== '') {
		position = `/${table.filter}  ${list.items.length > 0 ? position : '0'} of ${table.all.length}`;
	}

	let body;
	if (!list.loaded) {
		body = <Text dimColor>{error === undefined ? 'Loading domains…' : ''}</Text>;
	} else if (table.all.length === 0) {
		body = <Text dimColor>No domains defined.</Text>;
	} else if (list.items.length === 0) {
		body = <Text dimColor>{`No domain name contains '${table.filter}'. Esc clears the filter.`}</Text>;
	} else {
		body = window.items.map((domain, row) => (
			<Row key={domain.name} domain={domain} selected={window.offset + row === list.index} columns={columns} />
		));
	}

	return (
		<Box
			flexDirection="column"
			width={width}
			height={height}
			flexShrink={0}
			borderStyle="round"
			borderDimColor
			overflow="hidden"
		>
			<Header columns={columns} sort={table.sort} descending={table.descending} />
			<Box flexDirection="column" height={Math.max(1, viewport)} flexShrink={0} overflow="hidden">
				{body}
			</Box>
			<DetailLine domain={selected} error={error} position={position} inner={inner} now={props.now} />
		</Box>
	);
}
