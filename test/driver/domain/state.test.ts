// The rules for a domain's state facts, shared by the daemon, the CLI and the TUI: checked
// for every state, so a new state cannot slip through unruled.
import test from 'ava';
import type {DomainState} from '../../../driver/client/connection.js';
import {canStart, isActive, isRunning, isTransient, needsCleanup} from '../../../driver/domain/state.js';

// Every state, by a record the compiler checks is complete.
const every: Record<DomainState, true> = {running: true, bootloader: true, 'in shutdown': true, 'shut off': true, crashed: true, orphaned: true, invalid: true};
const states = Object.keys(every) as DomainState[];
const holding = (rule: (s: DomainState) => boolean) => states.filter(rule).sort();

test('active: a loader or bhyve runs, or an orphan still holds the VM', (t) => {
  t.deepEqual(holding(isActive), ['bootloader', 'in shutdown', 'orphaned', 'running']);
});

test('an orphaned guest is active but not running: it holds the VM, with no process to ask', (t) => {
  t.true(isActive('orphaned'));
  t.false(isRunning('orphaned'));
});

test('running: the states with a supervised loader or bhyve', (t) => {
  t.deepEqual(holding(isRunning), ['bootloader', 'in shutdown', 'running']);
});

test('every running domain is active', (t) => {
  for (const s of states) if (isRunning(s)) t.true(isActive(s), s);
});

test('cleanup: an orphan and a crash, which destroy clears without a running guest', (t) => {
  t.deepEqual(holding(needsCleanup), ['crashed', 'orphaned']);
});

test('startable: shut off or crashed; neither active nor invalid', (t) => {
  t.deepEqual(holding(canStart), ['crashed', 'shut off']);
  for (const s of states) t.is(canStart(s), !isActive(s) && s !== 'invalid', s);
});

test('transient: the loader and a shutdown under way, both running', (t) => {
  t.deepEqual(holding(isTransient), ['bootloader', 'in shutdown']);
  for (const s of states) if (isTransient(s)) t.true(isRunning(s), s);
});

test('nothing is true of an invalid definition but that it is not startable', (t) => {
  for (const rule of [isActive, isRunning, needsCleanup, canStart, isTransient]) t.false(rule('invalid'), rule.name);
});
