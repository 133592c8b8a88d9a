import test from 'ava';
import type {Key} from 'ink';
import {answerFor} from '../../ui/ConfirmDialog.js';
import {listCommands} from '../../ui/keymap.js';

const none: Key = {
	upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false,
	home: false, end: false, return: false, escape: false, ctrl: false, shift: false, tab: false,
	backspace: false, delete: false, meta: false, super: false, hyper: false, capsLock: false, numLock: false,
};

test('a chunk of several keys gives one command per key', t => {
	t.deepEqual(listCommands('jjj', none), [
		{type: 'move', delta: 1},
		{type: 'move', delta: 1},
		{type: 'move', delta: 1},
	]);
	t.deepEqual(listCommands('kGs', none).map(command => command.type), ['move', 'last', 'start']);
	t.deepEqual(listCommands('xyz', none), []);
});

test('special keys', t => {
	t.deepEqual(listCommands('', {...none, upArrow: true}), [{type: 'move', delta: -1}]);
	t.deepEqual(listCommands('', {...none, pageDown: true}), [{type: 'page', direction: 1}]);
	t.deepEqual(listCommands('', {...none, return: true}), [{type: 'console'}]);
	t.deepEqual(listCommands('c', {...none, ctrl: true}), [{type: 'quit'}]);
	t.deepEqual(listCommands('', {...none, escape: true, meta: true}), []);
	t.deepEqual(listCommands('d', {...none, ctrl: true}), []);
});

test('only y answers yes; Ctrl-C is not an answer', t => {
	t.is(answerFor('y', none), 'yes');
	t.is(answerFor('Y', {...none, shift: true}), 'yes');
	t.is(answerFor('n', none), 'no');
	t.is(answerFor('', {...none, escape: true, meta: true}), 'no');
	t.is(answerFor('', {...none, return: true}), 'no');
	t.is(answerFor('c', {...none, ctrl: true}), undefined);
});
