import test from 'ava';
import type {DomainSummary} from '../../../driver/client/connection.js';
import {complete, domainArgument, parseArgv, withDefaultDomain} from '../../../ui/app/command-line.js';
import {
  initialTableState,
  reconcile,
  selectedDomain,
  tableReducer,
  visibleRows,
  type TableAction,
  type TableState,
} from '../../../ui/state/domain-table-state.js';
import {stripErrorHeader, withErrorHeader} from '../../../ui/state/edit-buffer.js';
import {initialScreenState, screenReducer, topEntry, type ScreenAction, type ScreenState} from '../../../ui/state/screen-state.js';
import {domain} from '../helpers/fake-connection.js';

const table = (state: TableState, ...actions: TableAction[]) => actions.reduce(tableReducer, state);
const screen = (state: ScreenState, ...actions: ScreenAction[]) => actions.reduce(screenReducer, state);
const names = (state: TableState) => state.list.items.map((item) => item.name);

const fleet: DomainSummary[] = [
  domain('web2', 'running', {memoryKiB: 1024 * 1024}),
  domain('db1', 'shut off', {memoryKiB: 4 * 1024 * 1024}),
  domain('web1', 'invalid'),
  domain('cache', 'bootloader', {memoryKiB: 512 * 1024}),
];

test('rows are sorted by name, state or memory, and reversed', (t) => {
  let state = table(initialTableState(), {type: 'data', domains: fleet});
  t.deepEqual(names(state), ['cache', 'db1', 'web1', 'web2']);
  state = table(state, {type: 'sort'});
  t.is(state.sort, 'state');
  t.deepEqual(names(state), ['web2', 'cache', 'web1', 'db1']);
  state = table(state, {type: 'sort'});
  t.is(state.sort, 'memory');
  t.deepEqual(names(state), ['db1', 'web2', 'cache', 'web1']);
  state = table(state, {type: 'reverse'});
  t.deepEqual(names(state), ['web1', 'cache', 'web2', 'db1']);
  state = table(state, {type: 'sort'});
  t.is(state.sort, 'name');
});

test('the filter matches names case-insensitively and keeps the selection when it still matches', (t) => {
  let state = table(initialTableState({selected: 'web2'}), {type: 'data', domains: fleet});
  t.is(selectedDomain(state)?.name, 'web2');
  state = table(state, {type: 'filter', text: 'WEB'});
  t.deepEqual(names(state), ['web1', 'web2']);
  t.is(selectedDomain(state)?.name, 'web2');
  state = table(state, {type: 'filter', text: 'nothing'});
  t.deepEqual(names(state), []);
  t.is(selectedDomain(state), undefined);
  state = table(state, {type: 'filter', text: ''});
  t.is(names(state).length, 4);
  t.deepEqual(
    visibleRows(fleet, 'db', 'name', false).map((item) => item.name),
    ['db1'],
  );
});

test('an unchanged listing keeps the state object; a changed row is the only new object', (t) => {
  const state = table(initialTableState(), {type: 'data', domains: fleet});
  const again = table(state, {type: 'data', domains: fleet.map((item) => ({...item}))});
  t.is(again, state);
  const changed = table(state, {type: 'data', domains: fleet.map((item) => (item.name === 'db1' ? {...item, state: 'running' as const} : {...item}))});
  t.not(changed, state);
  const before = new Map(state.all.map((item) => [item.name, item]));
  for (const item of changed.all) {
    t.is(item === before.get(item.name), item.name !== 'db1', item.name);
  }

  t.is(reconcile(state.all, state.all), state.all);
});

test('an event patch changes one row at once', (t) => {
  let state = table(initialTableState(), {type: 'data', domains: fleet});
  state = table(state, {type: 'patch', name: 'db1', patch: {state: 'running', reason: 'booted'}});
  t.is(state.all.find((item) => item.name === 'db1')?.state, 'running');
  const same = table(state, {type: 'patch', name: 'db1', patch: {state: 'running', reason: 'booted'}});
  t.is(same, state);
  state = table(state, {type: 'patch', name: 'db1', patch: {reason: undefined}});
  t.false('reason' in (state.all.find((item) => item.name === 'db1') ?? {}));
});

test('views stack; scrolling clamps to the bounds the view reported; the log follows at the bottom', (t) => {
  let state = initialScreenState();
  state = screen(state, {type: 'push', view: {kind: 'details', name: 'web1'}}, {type: 'scroll', delta: 5});
  t.is(topEntry(state).scroll, 5, 'unknown bounds: scroll freely');
  state = screen(state, {type: 'bounds', maxScroll: 3});
  t.is(topEntry(state).scroll, 3);
  state = screen(state, {type: 'scroll', delta: 10}, {type: 'scroll', delta: -1});
  t.is(topEntry(state).scroll, 2);
  state = screen(state, {type: 'replace', view: {kind: 'log', name: 'web1'}}, {type: 'bounds', maxScroll: 40});
  t.is(topEntry(state).scroll, 40);
  t.true(topEntry(state).follow);
  state = screen(state, {type: 'scroll', delta: -5});
  t.false(topEntry(state).follow);
  state = screen(state, {type: 'bounds', maxScroll: 50});
  t.is(topEntry(state).scroll, 35);
  state = screen(state, {type: 'scroll-to', line: 'bottom'}, {type: 'bounds', maxScroll: 60});
  t.is(topEntry(state).scroll, 60);
  state = screen(state, {type: 'pop'}, {type: 'pop'});
  t.is(state.stack.length, 1);
  t.is(screenReducer(state, {type: 'pop'}), state);
});

test('prompt editing and command history', (t) => {
  let state = screen(initialScreenState(), {type: 'open', dialog: {kind: 'prompt', purpose: 'command', value: '', history: 0}});
  state = screen(state, {type: 'prompt-input', text: 'start web1'}, {type: 'prompt-erase', what: 'word'});
  t.is(state.dialog?.kind === 'prompt' ? state.dialog.value : '', 'start ');
  state = screen(state, {type: 'prompt-erase', what: 'char'}, {type: 'prompt-input', text: '\u0007x'});
  t.is(state.dialog?.kind === 'prompt' ? state.dialog.value : '', 'startx');
  state = screen(state, {type: 'remember', command: 'start web1'}, {type: 'remember', command: 'log db1'});
  state = screen(state, {type: 'prompt-history', direction: -1});
  t.is(state.dialog?.kind === 'prompt' ? state.dialog.value : '', 'log db1');
  state = screen(state, {type: 'prompt-history', direction: -1}, {type: 'prompt-history', direction: -1});
  t.is(state.dialog?.kind === 'prompt' ? state.dialog.value : '', 'start web1');
  state = screen(state, {type: 'prompt-history', direction: 1}, {type: 'prompt-history', direction: 1});
  t.is(state.dialog?.kind === 'prompt' ? state.dialog.value : '', '');
});

test('command lines: quoting, the selected domain as default, completion', (t) => {
  t.deepEqual(parseArgv(`  start  'my vm' "x y" z `), ['start', 'my vm', 'x y', 'z']);
  t.deepEqual(withDefaultDomain(['start'], 'web1'), ['start', 'web1']);
  t.deepEqual(withDefaultDomain(['autostart', '--disable'], 'web1'), ['autostart', '--disable', 'web1']);
  t.deepEqual(withDefaultDomain(['start', 'db1'], 'web1'), ['start', 'db1']);
  t.deepEqual(withDefaultDomain(['list', '--all'], 'web1'), ['list', '--all']);
  t.is(domainArgument(['autostart', '--disable', 'web1']), 'web1');
  t.is(complete('sta', []), 'start ');
  t.is(complete('start w', ['web1', 'web2', 'db1']), 'start web');
  t.is(complete('start d', ['web1', 'web2', 'db1']), 'start db1 ');
  t.is(complete('start q', ['web1']), 'start q');
});

test('the error header goes on top of the buffer and comes off again, without --', (t) => {
  const xml = "<domain type='bhyve'>\n  <name>web1</name>\n</domain>\n";
  const buffer = withErrorHeader(xml, 'line 2: bad -- thing', 'more\ndetail');
  t.true(buffer.startsWith('<!-- bhyve-tui: NOT SAVED.'));
  t.true(buffer.includes('line 2: bad - - thing'));
  t.true(buffer.endsWith(xml));
  t.is(stripErrorHeader(buffer), xml);
  t.is(stripErrorHeader(withErrorHeader(buffer, 'again')), xml, 'a second round replaces the header');
  t.is(stripErrorHeader(xml), xml);
});
