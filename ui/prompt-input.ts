// Keys → edits for the one-line prompts (filter, command line, typed confirmation). A
// chunk can hold text and Enter together (a paste, tmux), so it maps to a list of edits.
import type {Key} from 'ink';

export type PromptEdit =
	| {type: 'text'; text: string}
	| {type: 'enter'}
	| {type: 'escape'}
	| {type: 'erase'; what: 'char' | 'word' | 'all'}
	| {type: 'history'; direction: -1 | 1}
	| {type: 'complete'};

export function promptEdits(input: string, key: Key): PromptEdit[] {
	if (key.escape) {
		return [{type: 'escape'}];
	}

	if (key.return) {
		return [{type: 'enter'}];
	}

	if (key.backspace || key.delete) {
		return [{type: 'erase', what: 'char'}];
	}

	if (key.upArrow) {
		return [{type: 'history', direction: -1}];
	}

	if (key.downArrow) {
		return [{type: 'history', direction: 1}];
	}

	if (key.tab) {
		return [{type: 'complete'}];
	}

	if (key.ctrl) {
		if (input === 'u') {
			return [{type: 'erase', what: 'all'}];
		}

		if (input === 'w') {
			return [{type: 'erase', what: 'word'}];
		}

		if (input === 'h') {
			return [{type: 'erase', what: 'char'}];
		}

		return [];
	}

	if (key.meta || key.leftArrow || key.rightArrow || key.pageUp || key.pageDown || key.home || key.end) {
		return [];
	}

	const edits: PromptEdit[] = [];
	for (const [index, piece] of input.split(/\r\n|\r|\n/).entries()) {
		if (index > 0) {
			edits.push({type: 'enter'});
		}

		if (piece !== '') {
			edits.push({type: 'text', text: piece.replace(/\u007F/g, '')});
		}
	}

	return edits;
}
