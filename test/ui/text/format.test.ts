import test from 'ava';
import {formatMemory, padEnd, padStart, sanitizeLine, stateStyle, tint, truncate, wrapWords} from '../../../ui/text/format.js';

test('memory is shown the way configs write it', (t) => {
  t.is(formatMemory(512 * 1024), '512M');
  t.is(formatMemory(2 * 1024 * 1024), '2G');
  t.is(formatMemory(1536 * 1024), '1.5G');
  t.is(formatMemory(1000 * 1024), '1000M');
  t.is(formatMemory(768), '768K');
  t.is(formatMemory(null), '-');
  t.is(formatMemory(undefined), '-');
});

test('truncation and padding keep exact widths', (t) => {
  t.is(truncate('abcdef', 4), 'abc…');
  t.is(truncate('abc', 4), 'abc');
  t.is(truncate('abc', 0), '');
  t.is(padEnd('ab', 4), 'ab  ');
  t.is(padStart('ab', 4), '  ab');
  t.is(padEnd('abcdef', 4), 'abc…');
});

test('NO_COLOR drops colours but keeps dim', (t) => {
  t.is(tint('green', {}), 'green');
  t.is(tint('green', {NO_COLOR: '1'}), undefined);
  t.is(tint('green', {NO_COLOR: ''}), 'green');
  t.deepEqual(stateStyle('running', {}), {color: 'green', bold: false});
  t.is(stateStyle('running', {NO_COLOR: '1'}).color, undefined);
  t.is(stateStyle('bootloader', {}).color, 'yellow');
  t.is(stateStyle('orphaned', {}).color, 'magenta');
  t.is(stateStyle('invalid', {}).color, 'red');
  t.true(stateStyle('shut off', {}).dimColor);
});

test('tool output loses escape sequences and control characters', (t) => {
  t.is(sanitizeLine('\u001B[31merror\u001B[0m: bad\u0007'), 'error: bad');
  t.is(sanitizeLine('a\tb'), 'a  b');
});

test('word wrap gives the exact lines', (t) => {
  t.deepEqual(wrapWords('one two three', 7), ['one two', 'three']);
  t.deepEqual(wrapWords('abcdefghij', 4), ['abcd', 'efgh', 'ij']);
  t.deepEqual(wrapWords('', 4), ['']);
});
