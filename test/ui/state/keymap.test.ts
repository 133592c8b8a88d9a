import test from 'ava';
import type {Key} from 'ink';
import {answerFor} from '../../../ui/components/ConfirmDialog.js';
import {fitHints} from '../../../ui/state/keymap.js';
import {bindings, commandsFor, hintsFor} from '../../../ui/state/keymap.js';
import {promptEdits} from '../../../ui/state/prompt-input.js';

const none: Key = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageDown: false,
  pageUp: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
  meta: false,
  super: false,
  hyper: false,
  capsLock: false,
  numLock: false,
};

const types = (view: Parameters<typeof commandsFor>[0], input: string, key: Key = none) => commandsFor(view, input, key).map((entry) => entry.command.type);

test('a chunk of several keys gives one command per key', (t) => {
  t.deepEqual(
    commandsFor('list', 'jjj', none).map((entry) => entry.command),
    [
      {type: 'move', delta: 1},
      {type: 'move', delta: 1},
      {type: 'move', delta: 1},
    ],
  );
  t.deepEqual(types('list', 'kGs'), ['move', 'last', 'start']);
  t.deepEqual(types('list', 'xyz'), []);
});

test('a command that opens a prompt gets the rest of the chunk', (t) => {
  const [first] = commandsFor('list', '/web', none);
  t.deepEqual(first, {command: {type: 'filter'}, rest: 'web'});
  t.is(commandsFor('list', ':start web1', none)[0]?.rest, 'start web1');
});

test('the list keys (virsh verbs on letters)', (t) => {
  t.deepEqual(types('list', 'stDRUaclEeK:?oO/q'), [
    'start',
    'shutdown',
    'destroy',
    'reboot',
    'undefine',
    'autostart',
    'console',
    'log',
    'edit',
    'errors',
    'kldload',
    'command-line',
    'help',
    'sort',
    'reverse',
    'filter',
    'quit',
  ]);
  t.deepEqual(types('list', '', {...none, return: true}), ['details']);
  t.deepEqual(types('list', '\r'), ['details']);
  t.deepEqual(types('list', '', {...none, escape: true, meta: true}), ['clear-filter']);
});

test('special keys', (t) => {
  t.deepEqual(types('list', '', {...none, upArrow: true}), ['move']);
  t.deepEqual(commandsFor('list', '', {...none, pageDown: true})[0]?.command, {type: 'page', direction: 1});
  t.deepEqual(types('list', 'c', {...none, ctrl: true}), ['quit']);
  t.deepEqual(types('details', 'c', {...none, ctrl: true}), ['quit']);
  t.deepEqual(types('list', 'd', {...none, ctrl: true}), []);
  t.deepEqual(types('list', 'r', {...none, ctrl: true}), ['refresh']);
  t.deepEqual(types('details', 'f', {...none, ctrl: true}), ['page']);
});

test('sub-views: Esc and q go back; q quits only from the list', (t) => {
  for (const view of ['details', 'errors', 'log', 'help', 'output', 'edit-failed'] as const) {
    t.deepEqual(types(view, '', {...none, escape: true, meta: true}), ['back'], view);
    t.deepEqual(types(view, 'q'), ['back'], view);
  }

  t.deepEqual(types('help', '?'), ['back']);
  t.deepEqual(types('edit-failed', 'rEd'), ['reedit', 'reedit', 'discard']);
  t.deepEqual(types('details', 'c'), ['console']);
  t.deepEqual(types('editing', 'jq'), []);
});

test('every view has help and every binding a label; no key is bound twice in a view', (t) => {
  for (const [view, table] of Object.entries(bindings)) {
    const seen = new Set<string>();
    for (const binding of table) {
      t.true(binding.label.length > 0);
      for (const char of binding.chars ?? '') {
        t.false(seen.has(char), `${view}: ${char} bound twice`);
        seen.add(char);
      }

      for (const special of binding.special ?? []) {
        t.false(seen.has(special), `${view}: ${special} bound twice`);
        seen.add(special);
      }
    }
  }
});

test('hints fit the width and keep help and quit', (t) => {
  const hints = hintsFor('list');
  const fitted = fitHints(hints, 60);
  const text = fitted.map(([key, label]) => `${key} ${label}`).join('  ');
  t.true(text.length <= 60, text);
  t.true(text.includes('? help'));
  t.true(text.includes('q quit'));
});

test('only y answers yes; Ctrl-C is not an answer', (t) => {
  t.is(answerFor('y', none), 'yes');
  t.is(answerFor('Y', {...none, shift: true}), 'yes');
  t.is(answerFor('n', none), 'no');
  t.is(answerFor('', {...none, escape: true, meta: true}), 'no');
  t.is(answerFor('', {...none, return: true}), 'no');
  t.is(answerFor('c', {...none, ctrl: true}), undefined);
});

test('prompt keys: text and Enter in one chunk, erase, history, completion', (t) => {
  t.deepEqual(promptEdits('web\r', none), [{type: 'text', text: 'web'}, {type: 'enter'}]);
  t.deepEqual(promptEdits('', {...none, delete: true}), [{type: 'erase', what: 'char'}]);
  t.deepEqual(promptEdits('u', {...none, ctrl: true}), [{type: 'erase', what: 'all'}]);
  t.deepEqual(promptEdits('w', {...none, ctrl: true}), [{type: 'erase', what: 'word'}]);
  t.deepEqual(promptEdits('', {...none, upArrow: true}), [{type: 'history', direction: -1}]);
  t.deepEqual(promptEdits('', {...none, tab: true}), [{type: 'complete'}]);
  t.deepEqual(promptEdits('', {...none, escape: true}), [{type: 'escape'}]);
  t.deepEqual(promptEdits('x', {...none, ctrl: true}), []);
});
