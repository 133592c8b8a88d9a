// Keys → commands for the domain list. One input chunk can hold several keys (`jjj` from a
// fast typist or tmux), so it maps to a list of commands applied in order.
import type {Key} from 'ink';

export type Command =
	| {type: 'move'; delta: number}
	| {type: 'first'}
	| {type: 'last'}
	| {type: 'page'; direction: 1 | -1}
	| {type: 'start'}
	| {type: 'destroy'}
	| {type: 'console'}
	| {type: 'quit'};

const byChar: Record<string, Command> = {
	j: {type: 'move', delta: 1},
	k: {type: 'move', delta: -1},
	g: {type: 'first'},
	G: {type: 'last'},
	s: {type: 'start'},
	D: {type: 'destroy'},
	c: {type: 'console'},
	q: {type: 'quit'},
	'\r': {type: 'console'},
	'\n': {type: 'console'},
};

export function isInterrupt(input: string, key: Pick<Key, 'ctrl'>): boolean {
	return key.ctrl && input === 'c';
}

export function listCommands(input: string, key: Key): Command[] {
	if (isInterrupt(input, key)) {
		return [{type: 'quit'}];
	}

	if (key.upArrow) {
		return [{type: 'move', delta: -1}];
	}

	if (key.downArrow) {
		return [{type: 'move', delta: 1}];
	}

	if (key.pageUp) {
		return [{type: 'page', direction: -1}];
	}

	if (key.pageDown) {
		return [{type: 'page', direction: 1}];
	}

	if (key.home) {
		return [{type: 'first'}];
	}

	if (key.end) {
		return [{type: 'last'}];
	}

	if (key.return) {
		return [{type: 'console'}];
	}

	if (key.ctrl || key.meta || key.escape) {
		return [];
	}

	const commands: Command[] = [];
	for (const char of input) {
		const command = byChar[char];
		if (command !== undefined) {
			commands.push(command);
		}
	}

	return commands;
}

/** The key hint line, in the order shown. */
export const listHints: ReadonlyArray<readonly [key: string, label: string]> = [
	['↑↓/jk', 'select'],
	['s', 'start'],
	['c/⏎', 'console'],
	['D', 'destroy'],
	['q', 'quit'],
];

export const confirmHints: ReadonlyArray<readonly [key: string, label: string]> = [
	['y', 'confirm'],
	['n/Esc', 'cancel'],
];
