// The domain table. Only the rows in the window around the selection are rendered, so a
// host with hundreds of domains costs the same per frame as one with ten.
import {Box, Text} from 'ink';
import type {DomainSummary} from '../driver/connection.js';
import {formatMemory, formatVcpus, padEnd, padStart, stateStyle, tint, truncate} from './format.js';
import {visibleWindow, type ListState} from './list-state.js';
import {errorStatus} from './status.js';

/** Rows of the list box that are not domain rows: frame (2), header (1), detail line (1). */
export const LIST_CHROME_ROWS = 4;

const STATE_WIDTH = 10; // 'bootloader'
const VCPUS_WIDTH = 5;
const MEMORY_WIDTH = 7;
/** marker + spaces between columns */
const FIXED_WIDTH = 2 + 1 + STATE_WIDTH + 1 + VCPUS_WIDTH + 1 + MEMORY_WIDTH;

function nameWidth(inner: number): number {
	return Math.max(4, inner - FIXED_WIDTH);
}

function Header(props: {inner: number}) {
	const line = `  ${padEnd('NAME', nameWidth(props.inner))} ${padEnd('STATE', STATE_WIDTH)} ${padStart('VCPUS', VCPUS_WIDTH)} ${padStart('MEMORY', MEMORY_WIDTH)}`;
	return (
		<Text bold dimColor wrap="truncate-end">
			{line}
		</Text>
	);
}

function Row(props: {domain: DomainSummary; selected: boolean; inner: number}) {
	const {domain, selected, inner} = props;
	const style = stateStyle(domain.state);
	return (
		<Text inverse={selected} wrap="truncate-end">
			{selected ? '› ' : '  '}
			{padEnd(domain.name, nameWidth(inner))}{' '}
			<Text color={style.color} dimColor={style.dimColor} bold={style.bold}>
				{padEnd(domain.state, STATE_WIDTH)}
			</Text>{' '}
			{padStart(formatVcpus(domain.vcpus), VCPUS_WIDTH)}{' '}
			{padStart(formatMemory(domain.memoryKiB), MEMORY_WIDTH)}
		</Text>
	);
}

/** The line under the table: a listing failure, or facts about the selected domain. */
function DetailLine(props: {domain: DomainSummary | undefined; error: unknown; position: string; inner: number}) {
	const {domain, error, position, inner} = props;
	const room = Math.max(0, inner - position.length - 1);
	let text = '';
	let color: string | undefined;
	let dim = false;
	if (error !== undefined) {
		text = `✘ Cannot list domains: ${errorStatus(error).text}`;
		color = 'red';
	} else if (domain?.state === 'invalid') {
		text = `✘ ${domain.name}: ${domain.error ?? 'invalid definition'}`;
		color = 'red';
	} else if (domain?.lastError !== undefined) {
		text = `Last start failed: ${domain.lastError}`;
		color = 'yellow';
	} else if (domain !== undefined) {
		text = domain.file + (domain.pid === undefined ? '' : `  pid ${domain.pid}`);
		dim = true;
	}

	return (
		<Box width={inner} height={1}>
			<Box flexGrow={1}>
				<Text color={color === undefined ? undefined : tint(color)} dimColor={dim} wrap="truncate-end">
					{truncate(text, room)}
				</Text>
			</Box>
			<Text dimColor>{position}</Text>
		</Box>
	);
}

export function DomainList(props: {
	list: ListState<DomainSummary>;
	/** domain rows that fit */
	viewport: number;
	width: number;
	height: number;
	/** the last listDomains() failure, if the latest call failed */
	error: unknown;
}) {
	const {list, viewport, width, height, error} = props;
	const inner = Math.max(1, width - 2);
	const window = visibleWindow(list, viewport);
	const selected = list.index >= 0 ? list.items[list.index] : undefined;
	const position = list.items.length > 0 ? `${list.index + 1}/${list.items.length}` : '';

	let body;
	if (!list.loaded) {
		body = <Text dimColor>{error === undefined ? 'Loading domains…' : ''}</Text>;
	} else if (list.items.length === 0) {
		body = <Text dimColor>No domains defined.</Text>;
	} else {
		body = window.items.map((domain, row) => (
			<Row key={domain.name} domain={domain} selected={window.offset + row === list.index} inner={inner} />
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
			<Header inner={inner} />
			<Box flexDirection="column" height={Math.max(1, viewport)} flexShrink={0} overflow="hidden">
				{body}
			</Box>
			<DetailLine domain={selected} error={error} position={position} inner={inner} />
		</Box>
	);
}
