import test from 'ava';
import {backoffMs, hostLinkReducer, initialHostLinkState, retryInSeconds, type HostLinkAction, type HostLinkState} from '../../../ui/state/host-link.js';

const run = (state: HostLinkState, ...actions: HostLinkAction[]) => actions.reduce((current, action) => hostLinkReducer(current, action), state);

test('back-off doubles from 1 s and stops at 60 s', (t) => {
  t.deepEqual(
    [1, 2, 3, 4, 5, 6, 7, 8, 50].map((failures) => backoffMs(failures)),
    [1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000],
  );
  t.is(backoffMs(3, {baseMs: 100, maxMs: 250}), 250);
  t.is(backoffMs(10_000), 60_000, 'no overflow for a host down for days');
});

test('connecting → ready; a failure becomes an error with its message and the time of the retry', (t) => {
  const start = initialHostLinkState(1000);
  t.is(start.phase, 'connecting');
  const ready = run(start, {type: 'connected', now: 1500});
  t.deepEqual(ready, {phase: 'ready', failures: 0, since: 1500});

  const failed = run(start, {type: 'failed', message: 'connection refused', now: 2000});
  t.deepEqual(failed, {phase: 'error', failures: 1, error: 'connection refused', retryAt: 3000, since: 2000});
  t.is(retryInSeconds(failed, 2000), 1);
  t.is(retryInSeconds(failed, 2999), 1);
  t.is(retryInSeconds(failed, 5000), 0);
});

test('each failure in a row waits twice as long; success resets the back-off', (t) => {
  let state = initialHostLinkState(0);
  const waits: number[] = [];
  for (let attempt = 0; attempt < 4; attempt++) {
    state = run(state, {type: 'failed', message: 'no answer', now: 100}, {type: 'attempt', now: 200});
    t.is(state.phase, 'connecting');
    state = run(state, {type: 'failed', message: 'no answer', now: 300});
    waits.push((state.retryAt ?? 0) - 300);
    state = run(state, {type: 'attempt', now: 400});
  }

  // Two failures per round: the second of each round waits 2, 8, 32, 60 s.
  t.deepEqual(waits, [2000, 8000, 32_000, 60_000]);
  state = run(state, {type: 'connected', now: 500});
  t.is(state.failures, 0);
  state = run(state, {type: 'lost', message: 'the connection to the bhyve-tui daemon was lost', now: 600});
  t.deepEqual(state, {phase: 'error', failures: 1, error: 'the connection to the bhyve-tui daemon was lost', retryAt: 1600, since: 600});
});

test('late answers change nothing: a failure when ready, a loss while connecting, a second connect', (t) => {
  const connecting = initialHostLinkState(0);
  t.is(hostLinkReducer(connecting, {type: 'lost', message: 'x', now: 1}), connecting);
  const ready = run(connecting, {type: 'connected', now: 1});
  t.is(hostLinkReducer(ready, {type: 'failed', message: 'x', now: 2}), ready);
  t.is(hostLinkReducer(ready, {type: 'connected', now: 3}), ready);
  t.is(hostLinkReducer(connecting, {type: 'attempt', now: 4}), connecting);
  const failed = run(connecting, {type: 'failed', message: 'x', now: 5});
  t.is(hostLinkReducer(failed, {type: 'connected', now: 6}), failed, 'an attempt given up on does not make the host ready');
});
