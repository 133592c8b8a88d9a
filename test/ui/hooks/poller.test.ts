import test from 'ava';
import {createPoller, type PollResult} from '../../../ui/hooks/poller.js';

const sleep = async (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('polls on a timer, never two fetches at once, and stops', async (t) => {
  let inFlight = 0;
  let maxInFlight = 0;
  let calls = 0;
  const results: Array<PollResult<number>> = [];
  const poller = createPoller({
    async fetch() {
      calls++;
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await sleep(15);
      inFlight--;
      return calls;
    },
    intervalMs: 5,
    onResult(result) {
      results.push(result);
    },
  });
  void poller.refresh();
  void poller.refresh();
  void poller.refresh();
  // Until the timer has fetched twice more (a busy machine only makes that slower).
  for (const deadline = Date.now() + 10_000; calls < 3 && Date.now() < deadline; ) await sleep(10);
  poller.stop();
  const stoppedAt = calls;
  await sleep(60);
  t.is(maxInFlight, 1);
  t.true(calls >= 3, `${calls} calls`);
  t.true(calls <= stoppedAt + 1);
  t.true(results.every((result) => result.ok));
});

test('refresh during a fetch runs once more afterwards and resolves after fresh data', async (t) => {
  let value = 0;
  const seen: number[] = [];
  const poller = createPoller({
    async fetch() {
      const now = value;
      await sleep(10);
      return now;
    },
    intervalMs: 0,
    onResult(result) {
      if (result.ok) {
        seen.push(result.data);
      }
    },
  });
  const first = poller.refresh();
  value = 1;
  const second = poller.refresh();
  const third = poller.refresh();
  t.is(second, third, 'coalesced');
  await first;
  await second;
  t.deepEqual(seen, [0, 1]);
  poller.stop();
});

test('errors are delivered, not thrown', async (t) => {
  const results: Array<PollResult<never>> = [];
  const poller = createPoller<never>({
    async fetch() {
      throw new Error('boom');
    },
    intervalMs: 0,
    onResult(result) {
      results.push(result);
    },
  });
  await poller.refresh();
  t.is(results.length, 1);
  t.false(results[0]?.ok);
  poller.stop();
});
