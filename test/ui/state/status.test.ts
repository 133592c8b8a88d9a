import test from 'ava';
import {DriverError} from '../../../driver/client/connection.js';
import {errorStatus, statusHeight, trimDetail} from '../../../ui/state/status.js';

test('a DriverError gives its message, exit code and stderr, without a stack', (t) => {
  const status = errorStatus(new DriverError('bhyveload failed for web1', 'could not open disk\n', 2));
  t.deepEqual(status, {tone: 'error', text: 'bhyveload failed for web1 (exit code 2)', detail: ['could not open disk']});
  t.false(JSON.stringify(status).includes(' at '));
  t.is(statusHeight(status), 2);
});

test('the action is put in front when the message does not name the domain', (t) => {
  t.is(errorStatus(new Error('EACCES'), {prefix: 'Cannot start web1', name: 'web1'}).text, 'Cannot start web1: EACCES');
  t.is(errorStatus(new Error('web1 is locked'), {prefix: 'Cannot start web1', name: 'web1'}).text, 'web1 is locked');
  t.is(errorStatus('weird').text, 'weird');
});

test('an error shaped like DriverError from another module copy is read the same way', (t) => {
  const foreign = Object.assign(new Error('bhyve died'), {detail: 'oops', exitCode: 4});
  t.deepEqual(errorStatus(foreign), {tone: 'error', text: 'bhyve died (exit code 4)', detail: ['oops']});
});

test('long stderr keeps its last lines and says how many were left out', (t) => {
  const detail = Array.from({length: 10}, (_, i) => `line ${i}`).join('\n');
  t.deepEqual(trimDetail(detail), ['… 8 earlier lines', 'line 8', 'line 9']);
  t.deepEqual(trimDetail('\n\n  \nonly\n'), ['only']);
  t.deepEqual(trimDetail(undefined), []);
});

test('a multi-line message keeps its first line as the text', (t) => {
  const status = errorStatus(new Error('first\nsecond'));
  t.is(status.text, 'first');
  t.deepEqual(status.detail, ['second']);
});
