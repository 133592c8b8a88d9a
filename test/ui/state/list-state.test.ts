import test from 'ava';
import {createListReducer, fitOffset, initialListState, visibleWindow, type ListAction, type ListState} from '../../../ui/state/list-state.js';

type Item = {name: string};
const reducer = createListReducer<Item>((item) => item.name);
const items = (...names: string[]): Item[] => names.map((name) => ({name}));
const apply = (state: ListState<Item>, ...actions: Array<ListAction<Item>>) => actions.reduce(reducer, state);
const numbered = (count: number) => items(...Array.from({length: count}, (_, i) => `d${i}`));

test('selects the first item on the first load, or the one asked for', (t) => {
  let state = apply(initialListState<Item>(), {type: 'items', items: items('a', 'b', 'c')});
  t.is(state.index, 0);
  t.is(state.selectedKey, 'a');
  state = apply(initialListState<Item>('c'), {type: 'items', items: items('a', 'b', 'c')});
  t.is(state.index, 2);
  state = apply(initialListState<Item>('gone'), {type: 'items', items: items('a', 'b')});
  t.is(state.selectedKey, 'a');
});

test('an empty first load keeps the requested key for a later load', (t) => {
  const state = apply(initialListState<Item>('b'), {type: 'items', items: []}, {type: 'items', items: items('a', 'b')});
  t.is(state.selectedKey, 'b');
  t.is(state.index, 1);
});

test('keeps the selection by name across reorders and insertions', (t) => {
  let state = apply(initialListState<Item>(), {type: 'items', items: items('a', 'b', 'c')}, {type: 'move', delta: 1});
  t.is(state.selectedKey, 'b');
  state = apply(state, {type: 'items', items: items('0', 'c', 'b', 'a')});
  t.is(state.index, 2);
  t.is(state.selectedKey, 'b');
});

test('a vanished selection falls to its neighbour', (t) => {
  let state = apply(initialListState<Item>(), {type: 'items', items: items('a', 'b', 'c')}, {type: 'last'});
  state = apply(state, {type: 'items', items: items('a', 'b')});
  t.is(state.selectedKey, 'b');
  state = apply(state, {type: 'items', items: []});
  t.is(state.index, -1);
});

test('moves are clamped at both ends', (t) => {
  let state = apply(initialListState<Item>(), {type: 'items', items: items('a', 'b', 'c')});
  state = apply(state, {type: 'move', delta: -5});
  t.is(state.index, 0);
  state = apply(state, {type: 'move', delta: 99});
  t.is(state.index, 2);
});

test('unchanged input returns the same state object (no re-render)', (t) => {
  const state = apply(initialListState<Item>(), {type: 'items', items: items('a', 'b')});
  t.is(reducer(state, {type: 'items', items: items('a', 'b')}), state);
  t.is(reducer(state, {type: 'move', delta: -1}), state);
  t.is(reducer(state, {type: 'viewport', rows: state.viewport}), state);
});

test('the window scrolls only when the selection leaves it', (t) => {
  let state = apply(initialListState<Item>(undefined, 5), {type: 'items', items: numbered(100)});
  state = apply(state, {type: 'move', delta: 4});
  t.is(state.offset, 0);
  state = apply(state, {type: 'move', delta: 1});
  t.is(state.offset, 1);
  state = apply(state, {type: 'move', delta: -1});
  t.is(state.offset, 1);
  state = apply(state, {type: 'last'});
  t.is(state.offset, 95);
  t.deepEqual(
    visibleWindow(state, 5).items.map((item) => item.name),
    ['d95', 'd96', 'd97', 'd98', 'd99'],
  );
  state = apply(state, {type: 'page', direction: -1});
  t.is(state.index, 95);
  state = apply(state, {type: 'page', direction: -1});
  t.is(state.index, 91);
  t.is(state.offset, 91);
});

test('a taller viewport pulls the window up so no rows are left empty', (t) => {
  let state = apply(initialListState<Item>(undefined, 5), {type: 'items', items: numbered(20)}, {type: 'last'});
  t.is(state.offset, 15);
  state = apply(state, {type: 'viewport', rows: 10});
  t.is(state.offset, 10);
  state = apply(state, {type: 'viewport', rows: 3});
  t.is(state.offset, 17);
  t.is(fitOffset(0, 0, 0, 5), 0);
});

test('select jumps to a key', (t) => {
  let state = apply(initialListState<Item>(undefined, 5), {type: 'items', items: numbered(50)});
  state = apply(state, {type: 'select', key: 'd40'});
  t.is(state.index, 40);
  t.true(state.offset <= 40 && state.offset + 5 > 40);
  t.is(reducer(state, {type: 'select', key: 'nope'}), state);
});
