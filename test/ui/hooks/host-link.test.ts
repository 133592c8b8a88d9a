// The link driver with real (short) timers: a host that refuses, one that never answers,
// one that answers the connect but not the hello, one that comes back, one that is lost.
import test from 'ava';
import type {Connection} from '../../../driver/client/connection.js';
import {createHostLink, defaultTimings, type LinkTimings} from '../../../ui/hooks/host-link.js';
import {DriverError, FakeConnection, domain} from '../helpers/fake-connection.js';

const timings: LinkTimings = {...defaultTimings, connectMs: 150, requestMs: 150, actionMs: 150, backoff: {baseMs: 100, maxMs: 400}};

async function until(what: string, check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }

    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test('a host that refuses is an error with its one-line message, and is tried again with back-off', async (t) => {
  let attempts = 0;
  const link = createHostLink(
    {
      name: 'nyc4',
      uri: 'bhyve+ssh://root@nyc4/system',
      async connect() {
        attempts++;
        throw new DriverError('ssh: connect to host nyc4 port 22: Connection refused\nmore detail');
      },
    },
    timings,
  );
  t.teardown(() => link.stop());
  t.is(link.getState().phase, 'connecting');
  await until('the error', () => link.getState().phase === 'error');
  t.is(link.getState().error, 'ssh: connect to host nyc4 port 22: Connection refused');
  t.is(link.connection(), undefined);
  await until('two more attempts', () => attempts >= 3);
  t.true(link.getState().failures >= 2);
});

test('a host whose connect never settles is an error within the connect bound', async (t) => {
  const link = createHostLink({name: 'hang', uri: 'sim:///nowhere', connect: async () => new Promise<Connection>(() => {})}, timings);
  t.teardown(() => link.stop());
  const started = Date.now();
  await until('the error', () => link.getState().phase === 'error');
  const took = Date.now() - started;
  t.true(took >= 140 && took < 1000, `${took} ms`);
  t.is(link.getState().error, 'no answer within 150 ms');
});

test('a host that connects but never answers the first listing (the hello) is an error too; its connection is closed', async (t) => {
  const silent = new FakeConnection([domain('web1')]);
  silent.listDelayMs = 60_000;
  const link = createHostLink({name: 'mute', uri: 'sim:///mute', connect: async () => silent}, timings);
  t.teardown(() => link.stop());
  await until('the error', () => link.getState().phase === 'error');
  t.true(silent.closed);
});

test('a host that comes back is ready with its first listing; a lost one closes its connection and connects anew', async (t) => {
  let attempts = 0;
  const connections: FakeConnection[] = [];
  const link = createHostLink(
    {
      name: 'flaky',
      uri: 'sim:///flaky',
      async connect() {
        attempts++;
        if (attempts <= 2) {
          throw new Error('connect ECONNREFUSED /var/run/bhyve-tui/daemon.sock');
        }

        const connection = new FakeConnection([domain('web1', 'running'), domain('db1')]);
        connections.push(connection);
        return connection;
      },
    },
    timings,
  );
  t.teardown(() => link.stop());
  const phases: string[] = [];
  link.subscribe(() => phases.push(link.getState().phase));
  await until('ready', () => link.getState().phase === 'ready');
  t.deepEqual(phases, ['error', 'connecting', 'error', 'connecting', 'ready']);
  t.deepEqual(
    link.lastListing()?.map((entry) => entry.name),
    ['web1', 'db1'],
  );
  const bounded = link.connection();
  t.truthy(bounded);

  link.lost(new DriverError('flaky did not answer within 10 s'));
  t.is(link.getState().phase, 'error');
  t.is(link.getState().error, 'flaky did not answer within 10 s');
  t.true(connections[0]?.closed);
  t.is(link.connection(), undefined);
  await t.throwsAsync(async () => bounded?.listDomains(), {message: 'flaky is not connected: flaky did not answer within 10 s'});
  await until('ready again', () => link.getState().phase === 'ready');
  t.is(connections.length, 2);
});

test('requests on a ready host are bounded', async (t) => {
  const slow = new FakeConnection([domain('web1')]);
  const link = createHostLink({name: 'slow', uri: 'sim:///slow', connect: async () => slow}, timings);
  t.teardown(() => link.stop());
  await until('ready', () => link.getState().phase === 'ready');
  slow.listDelayMs = 60_000;
  const started = Date.now();
  await t.throwsAsync(async () => link.connection()?.listDomains(), {message: 'slow did not answer within 150 ms'});
  t.true(Date.now() - started < 1000);
});

test('stop closes the connection and ends the retries', async (t) => {
  let attempts = 0;
  const link = createHostLink(
    {
      name: 'gone',
      uri: 'sim:///gone',
      async connect() {
        attempts++;
        throw new Error('no');
      },
    },
    timings,
  );
  await until('the error', () => link.getState().phase === 'error');
  link.stop();
  const seen = attempts;
  await new Promise((resolve) => setTimeout(resolve, 400));
  t.is(attempts, seen);
});
