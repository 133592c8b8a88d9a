// The App on several hosts: three that answer (two with a domain called web1), one whose
// connect is refused, one whose connect never settles. The good hosts stay usable, the
// broken ones show their error within the bound, keys are handled meanwhile, actions go to
// the selected domain's host and say which, and a host that comes back is listed.
import test from 'ava';
import type {Connection} from '../../../driver/client/connection.js';
import {createHostLinks, type HostLinks, type TuiHost} from '../../../ui/app/hosts.js';
import type {LinkTimings} from '../../../ui/hooks/host-link.js';
import {DriverError, FakeConnection, domain} from '../helpers/fake-connection.js';
import {ESC, keys, press, renderHosts, resize, sleep, type Rendered} from '../helpers/helpers.js';

const fast: Partial<LinkTimings> = {connectMs: 400, requestMs: 400, backoff: {baseMs: 300, maxMs: 1200}};

function fakeHost(name: string, connection: Connection): TuiHost {
  return {name, uri: `sim:///tmp/${name}`, connect: async () => connection};
}

const refusing: TuiHost = {
  name: 'down',
  uri: 'bhyve+ssh://root@down/system',
  async connect() {
    throw new DriverError('ssh: connect to host down port 22: Connection refused');
  },
};

const hanging: TuiHost = {name: 'stuck', uri: 'bhyve+ssh://root@stuck/system', connect: async () => new Promise<Connection>(() => {})};

function fiveHosts(): {links: HostLinks; a: FakeConnection; b: FakeConnection; c: FakeConnection} {
  const a = new FakeConnection([domain('web1', 'running'), domain('db1')], {uri: 'sim:///tmp/alpha'});
  a.hostname = 'alpha.example';
  const b = new FakeConnection([domain('web1'), domain('mail')], {uri: 'sim:///tmp/bravo'});
  b.hostname = 'bravo.example';
  const c = new FakeConnection([domain('cache')], {uri: 'sim:///tmp/charlie'});
  const links = createHostLinks([fakeHost('alpha', a), fakeHost('bravo', b), fakeHost('charlie', c), refusing, hanging], fast);
  return {links, a, b, c};
}

/** The selected line (marked ›). */
function selectedLine(app: Rendered): string {
  return (
    app
      .frame()
      .split('\n')
      .find((line) => line.includes('›')) ?? ''
  );
}

/** Presses j until the selected line matches. */
async function selectLine(app: Rendered, pattern: RegExp): Promise<void> {
  for (let i = 0; i < 20; i++) {
    if (pattern.test(selectedLine(app))) {
      return;
    }

    const before = selectedLine(app);
    app.write('j');
    // eslint-disable-next-line no-await-in-loop
    await app.waitFor(() => selectedLine(app) !== before);
  }

  throw new Error(`no line matches ${pattern}:\n${app.frame()}`);
}

test('five hosts: the three that answer are listed in groups, the refused and the hung one show their errors in bounded time', async (t) => {
  const {links} = fiveHosts();
  t.teardown(() => links.stop());
  const started = Date.now();
  const app = renderHosts(links);
  t.teardown(() => app.unmount());
  resize(app, 160, 30);
  let frame = await app.waitFor((current) => current.includes('cache') && current.includes('mail'));
  // Headers in the hosts' order, each host's domains under it.
  const order = ['alpha', 'db1', 'web1', 'bravo', 'mail', 'web1', 'charlie', 'cache', 'down', 'stuck'].map((word, index, words) => {
    const from = words.slice(0, index).reduce((at, previous) => frame.indexOf(previous, at) + previous.length, 0);
    return frame.indexOf(word, from);
  });
  t.false(order.includes(-1), frame);
  t.deepEqual(
    order,
    [...order].sort((x, y) => x - y),
    frame,
  );
  t.regex(frame, /alpha {2}2 domains, 1 running {2}sim:\/\/\/tmp\/alpha/);
  t.regex(frame, /bravo {2}2 domains, 0 running {2}sim:\/\/\/tmp\/bravo/);

  frame = await app.waitFor((current) => current.includes('Connection refused') && /stuck .*no answer within 400 ms/.test(current), 5000);
  // Bounded by the 400 ms connect bound, with room for a loaded machine.
  t.true(Date.now() - started < 5000);
  t.regex(frame, /down {2}✘ ssh: connect to host down port 22: Connection refused — retry in \d s {2}bhyve\+ssh:\/\/root@down\/system/);
  t.regex(frame, /5 domains, 1 running on 3 of 5 hosts, 2 unreachable/);
});

test('keys are handled while a host hangs, and s starts web1 on the selected host only, saying which', async (t) => {
  const {links, a, b} = fiveHosts();
  t.teardown(() => links.stop());
  const app = renderHosts(links);
  t.teardown(() => app.unmount());
  await app.waitForText('mail');
  // The hung host is still connecting: keys move the selection at once.
  t.regex(app.frame(), /stuck .*connecting/);
  await selectLine(app, /› {3}web1 .*shut off/);
  // The panel and the title follow the selected row's host.
  await app.waitForText('bravo.example');
  app.write('s');
  await app.waitForText('Started web1 on bravo');
  t.deepEqual(b.calls, ['start web1']);
  t.false(a.calls.some((call) => call.startsWith('start')));
  await app.waitFor((current) => /bravo {2}2 domains, 1 running/.test(current));

  // D on alpha's web1: the question names the host; n leaves it alone.
  app.write('gj');
  await app.waitFor(() => /› {3}db1/.test(selectedLine(app)));
  app.write('jD');
  await app.waitForText("Destroy domain 'web1' on alpha?");
  app.write('n');
  await app.waitForText('Left web1 alone');
  t.deepEqual(a.calls, []);
});

test('a header row is the host: its panel, its error under the list, and domain keys explain', async (t) => {
  const {links} = fiveHosts();
  t.teardown(() => links.stop());
  const app = renderHosts(links);
  t.teardown(() => app.unmount());
  resize(app, 160, 30);
  await app.waitForText('Connection refused');
  await selectLine(app, /› down/);
  let frame = app.frame();
  // The panel shows why there is no host status.
  t.regex(frame, /down: ssh: connect to host down/);
  app.write('s');
  frame = await app.waitForText('down is a host: select one of its domains');
  app.write('c');
  await sleep(30);
  t.deepEqual(app.consoles, []);
});

test('the filter works within the groups; Enter opens details on the right host; c names the host', async (t) => {
  const {links, a, b} = fiveHosts();
  t.teardown(() => links.stop());
  const app = renderHosts(links);
  t.teardown(() => app.unmount());
  await app.waitForText('mail');
  await press(app, '/web');
  await app.waitForText('2 of 5');
  await press(app, keys.enter);
  let frame = app.frame();
  t.false(frame.includes('mail'));
  t.false(frame.includes('cache'));
  t.true(frame.includes('charlie'), 'every host keeps its header');
  await selectLine(app, /› {3}web1 .*running/);
  app.write(keys.enter);
  frame = await app.waitForText('bhyveload');
  t.true(a.detailsCalls > 0);
  t.is(b.detailsCalls, 0);
  await press(app, ESC);
  await app.waitFor(() => /› {3}web1 .*running/.test(selectedLine(app)));
  app.write('c');
  await app.waitFor(() => app.consoles.length === 1);
  t.deepEqual(app.consoles, ['web1']);
  t.deepEqual(app.consoleHosts, ['alpha']);
});

test('events from one host update only its rows', async (t) => {
  const {links, a, b} = fiveHosts();
  t.teardown(() => links.stop());
  const app = renderHosts(links);
  t.teardown(() => app.unmount());
  await app.waitForText('mail');
  b.setState('web1', 'running');
  b.emit({type: 'domain', name: 'web1', state: 'running'});
  await app.waitFor((current) => /bravo {2}2 domains, 1 running/.test(current));
  t.regex(app.frame(), /alpha {2}2 domains, 1 running/);
  a.setState('db1', 'crashed');
  a.emit({type: 'domain', name: 'db1', state: 'crashed'});
  await app.waitFor((current) => /db1\s+crashed/.test(current));
  t.notRegex(app.frame(), /mail\s+crashed/);
});

test('a host that comes back after failing is listed after its retry; one that stops answering is shown lost and retried', async (t) => {
  let attempts = 0;
  const late = new FakeConnection([domain('late1', 'running')], {uri: 'sim:///tmp/late'});
  const flaky: TuiHost = {
    name: 'late',
    uri: 'sim:///tmp/late',
    async connect() {
      attempts++;
      if (attempts === 1) {
        throw new Error('connect ECONNREFUSED /tmp/late/var/run/bhyve-tui/daemon.sock');
      }

      return late;
    },
  };
  const good = new FakeConnection([domain('web1')]);
  const links = createHostLinks([fakeHost('good', good), flaky], fast);
  t.teardown(() => links.stop());
  const app = renderHosts(links, {pollIntervalMs: 100});
  t.teardown(() => app.unmount());
  resize(app, 160, 30);
  await app.waitForText('ECONNREFUSED');
  t.regex(app.frame(), /late {2}✘ connect ECONNREFUSED .* — retry in \d s/);
  await app.waitForText('late1', 3000);
  t.is(attempts, 2);

  // The host stops answering: its rows go, its header says so and counts down, the other host stays.
  late.listDelayMs = 60_000;
  await app.waitForText('late did not answer within 400 ms', 3000);
  t.false(app.frame().includes('late1'));
  t.true(app.frame().includes('web1'));
  late.listDelayMs = 0;
  await app.waitForText('late1', 5000);
  t.true(late.closed, 'the lost connection was closed before connecting again');
});
