// The hint line: as many hints as fit, in order; help and quit/back are always kept.
import {Text} from 'ink';
import {Fragment} from 'react';
import type {Hint} from './keymap.js';

const kept = new Set(['help', 'quit', 'back']);

export function fitHints(hints: readonly Hint[], width: number): Hint[] {
	const size = (list: readonly Hint[]) => list.reduce((sum, [key, label], index) => sum + (index > 0 ? 2 : 0) + key.length + 1 + label.length, 0);
	const shown = [...hints];
	for (let index = shown.length - 1; index >= 0 && size(shown) > width; index--) {
		const hint = shown[index];
		if (hint !== undefined && !kept.has(hint[1])) {
			shown.splice(index, 1);
		}
	}

	return shown;
}

export function KeyHints(props: {hints: readonly Hint[]; width?: number}) {
	const hints = props.width === undefined ? props.hints : fitHints(props.hints, props.width);
	return (
		<Text wrap="truncate-end">
			{hints.map(([key, label], index) => (
				<Fragment key={key + label}>
					{index > 0 ? '  ' : ''}
					<Text bold>{key}</Text>
					<Text dimColor> {label}</Text>
				</Fragment>
			))}
		</Text>
	);
}
