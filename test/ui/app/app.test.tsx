import test from 'ava';
import {DriverError, FakeConnection, domain, gate} from '../helpers/fake-connection.js';
import {ESC, keys, press, renderApp, sleep} from '../helpers/helpers.js';

function fleet(count: number): FakeConnection {
  const domains = Array.from({length: count}, (_, i) => domain(`dom${String(i).padStart(3, '0')}`, i % 2 === 0 ? 'running' : 'shut off'));
  return new FakeConnection(domains);
}

function small(): FakeConnection {
  return new FakeConnection([
    domain('web1', 'running', {memoryKiB: 512 * 1024, vcpus: 1}),
    domain('db1', 'shut off'),
    domain('broken', 'invalid', {error: 'line 4: <memory> is missing'}),
    domain('stale', 'orphaned'),
    domain('loader', 'bootloader'),
  ]);
}

test('renders the title, the table with human memory sizes, the host panel and the key hints', async (t) => {
  const app = renderApp(small());
  const frame = await app.waitForText('web1');
  t.regex(frame, /^bhyve-tui {2}bhyve:\/\/\/system {2}/);
  await app.waitForText('fakehost');
  t.regex(frame, /NAME↑\s+STATE\s+VCPUS\s+MEMORY\s+CPU%\s+RSS\s+AUTO/);
  t.regex(frame, /web1\s+running\s+1\s+512M/);
  t.regex(frame, /db1\s+shut off\s+2\s+2G/);
  t.regex(frame, /broken\s+invalid\s+-\s+-/);
  t.regex(frame, /stale\s+orphaned/);
  t.regex(frame, /loader\s+bootloader/);
  t.true(frame.includes('↑↓ select  ⏎ details  / filter  o sort  s start  t shutdown  D destroy  c console  ? help  q quit'));
  t.true(frame.includes('5 domains, 1 running, 1 with problems (!)'));
  t.false(frame.includes('SIMULATED HOST'));
  // Sorted by name; the invalid domain carries the problem mark.
  t.is(app.selected(), 'broken');
  t.regex(frame, /› ! broken/);
  // The frame is one row shorter than the (default 24-row) terminal.
  t.is(frame.split('\n').length, 23);
  app.unmount();
});

test('j/k and the arrow keys move the selection; jjj in one write moves three times', async (t) => {
  const app = renderApp(small());
  await app.waitForText('web1');
  app.write('j');
  await app.waitFor(() => app.selected() === 'db1');
  app.write('jjj');
  await app.waitFor(() => app.selected() === 'web1');
  t.pass();
  app.write('j'); // already at the bottom
  await sleep(30);
  t.is(app.selected(), 'web1');
  app.write(keys.up);
  await app.waitFor(() => app.selected() === 'stale');
  app.write('kk');
  await app.waitFor(() => app.selected() === 'db1');
  app.write(keys.up);
  await app.waitFor(() => app.selected() === 'broken');
  // The selected invalid domain shows its error under the list.
  await app.waitForText('✘ broken: line 4: <memory> is missing');
  app.write('G');
  await app.waitFor(() => app.selected() === 'web1');
  app.write('g');
  await app.waitFor(() => app.selected() === 'broken');
  t.pass();
  app.unmount();
});

test('200 domains: only a window of rows is drawn and it follows the selection', async (t) => {
  const app = renderApp(fleet(200));
  let frame = await app.waitForText('dom000');
  const rows = (text: string) => text.split('\n').filter((line) => /^│[› ] [! ] dom\d{3}/.test(line));
  const initial = rows(frame);
  t.true(initial.length > 5 && initial.length < 30, `${initial.length} rows drawn`);
  t.false(frame.includes('dom199'));
  t.true(frame.includes('1/200'));

  app.write('G');
  frame = await app.waitFor(() => app.selected() === 'dom199');
  t.false(frame.includes('dom000'));
  t.is(rows(frame).length, initial.length);
  t.true(frame.includes('200/200'));

  app.write('g');
  frame = await app.waitFor(() => app.selected() === 'dom000');
  t.true(frame.includes('dom000'));

  // Moving past the bottom edge scrolls by one row at a time.
  const visible = initial.length;
  app.write('j'.repeat(visible));
  frame = await app.waitFor(() => app.selected() === `dom${String(visible).padStart(3, '0')}`);
  t.false(frame.includes('dom000'));
  t.true(frame.includes('dom001'));

  app.write(keys.pageDown);
  frame = await app.waitFor(() => app.selected() !== `dom${String(visible).padStart(3, '0')}`);
  t.true(Number(app.selected()?.slice(3)) > visible);
  app.write(keys.pageUp);
  await app.waitFor(() => app.selected() === `dom${String(visible).padStart(3, '0')}`);
  app.unmount();
});

test('initialSelection selects that domain once the list has loaded', async (t) => {
  const app = renderApp(fleet(200), {initialSelection: 'dom150'});
  const frame = await app.waitFor(() => app.selected() === 'dom150');
  t.true(frame.includes('151/200'));
  t.false(frame.includes('dom000'));
  app.unmount();
});

test('s starts the selected domain, shows progress, then the outcome and the new state', async (t) => {
  const connection = small();
  connection.actionGate = gate();
  const app = renderApp(connection);
  await app.waitForText('db1');
  app.write('js');
  await app.waitForText('Starting db1…');
  t.deepEqual(connection.calls, ['start db1']);
  connection.actionGate.open();
  const frame = await app.waitFor((current) => current.includes('Started db1') && /db1\s+running/.test(current));
  t.true(frame.includes('2 running') || frame.includes('Started db1'));
  app.unmount();
});

test('a failed start shows the message, exit code and stderr lines, never a stack trace', async (t) => {
  const connection = small();
  connection.startError = new DriverError('bhyve exited while starting db1', 'bhyve: warning: something\nvm_create: Device busy\n\n', 1);
  const app = renderApp(connection);
  await app.waitForText('db1');
  app.write('j');
  await app.waitFor(() => app.selected() === 'db1');
  app.write('s');
  const frame = await app.waitForText('✘ bhyve exited while starting db1 (exit code 1)');
  t.true(frame.includes('vm_create: Device busy'));
  t.true(frame.includes('bhyve: warning: something'));
  t.false(/\bat .*\.(ts|js):\d+/.test(frame), 'no stack frames');
  t.false(frame.includes('DriverError'));
  app.unmount();
});

test('a failure that does not name the domain gets the action in front; plain Errors too', async (t) => {
  const connection = small();
  connection.startError = new Error('permission denied');
  const app = renderApp(connection);
  await app.waitForText('db1');
  app.write('js');
  const frame = await app.waitForText('Cannot start db1: permission denied');
  t.false(frame.includes('exit code'));
  app.unmount();
});

test('start on a running domain explains instead of acting', async (t) => {
  const connection = small();
  const app = renderApp(connection);
  await app.waitForText('web1');
  app.write('Gs');
  await app.waitForText('web1 is already running');
  t.deepEqual(connection.calls, []);
  app.unmount();
});

test('start on an invalid domain shows its definition error', async (t) => {
  const connection = small();
  const app = renderApp(connection);
  await app.waitForText('broken');
  app.write('s');
  await app.waitForText('broken cannot start: line 4: <memory> is missing');
  t.deepEqual(connection.calls, []);
  app.unmount();
});

test('D asks for confirmation and y destroys', async (t) => {
  const connection = small();
  const app = renderApp(connection, {initialSelection: 'web1'});
  await app.waitForText('web1');
  app.write('D');
  let frame = await app.waitForText("Destroy domain 'web1'? This stops it immediately, like pulling the plug. [y/N]");
  t.true(frame.includes('y confirm  n/Esc cancel'));
  t.deepEqual(connection.calls, []);
  app.write('y');
  frame = await app.waitFor((current) => current.includes('Destroyed web1') && /web1\s+shut off/.test(current));
  t.deepEqual(connection.calls, ['destroy web1']);
  t.false(frame.includes('Destroy domain'));
  app.unmount();
});

test('D then n cancels; D then any other key cancels', async (t) => {
  const connection = small();
  const app = renderApp(connection, {initialSelection: 'web1'});
  await app.waitForText('web1');
  app.write('D');
  await app.waitForText('[y/N]');
  app.write('n');
  await app.waitFor((current) => !current.includes('[y/N]'));
  await app.waitForText('Left web1 alone');
  app.write('D');
  await app.waitForText('[y/N]');
  app.write('x');
  await app.waitFor((current) => !current.includes('[y/N]'));
  t.deepEqual(connection.calls, []);
  // The list has the keys again.
  app.write('k');
  await app.waitFor(() => app.selected() === 'stale');
  app.unmount();
});

test("D then Esc cancels (after Ink's lone-Esc delay)", async (t) => {
  const connection = small();
  const app = renderApp(connection, {initialSelection: 'web1'});
  await app.waitForText('web1');
  app.write('D');
  await app.waitForText('[y/N]');
  app.write(ESC);
  await app.waitFor((current) => !current.includes('[y/N]'));
  t.deepEqual(connection.calls, []);
  app.unmount();
});

test('keys typed after D in the same chunk do not answer the question', async (t) => {
  const connection = small();
  const app = renderApp(connection, {initialSelection: 'web1'});
  await app.waitForText('web1');
  app.write('Dy');
  await app.waitForText('[y/N]');
  await sleep(50);
  t.deepEqual(connection.calls, []);
  t.true(app.frame().includes('[y/N]'));
  app.unmount();
});

test('D on a shut-off domain says it is not running', async (t) => {
  const connection = small();
  const app = renderApp(connection);
  await app.waitForText('db1');
  app.write('jD');
  await app.waitForText('db1 is not running');
  t.false(app.frame().includes('[y/N]'));
  app.unmount();
});

test('a failed destroy is reported', async (t) => {
  const connection = small();
  connection.destroyError = new DriverError('bhyvectl --destroy failed for web1', 'bhyvectl: vm_destroy: Operation not permitted', 1);
  const app = renderApp(connection, {initialSelection: 'web1'});
  await app.waitForText('web1');
  app.write('D');
  await app.waitForText('[y/N]');
  app.write('y');
  const frame = await app.waitForText('bhyvectl --destroy failed for web1 (exit code 1)');
  t.true(frame.includes('vm_destroy: Operation not permitted'));
  app.unmount();
});

test('c hands the selected running domain to onConsole, with the filter and sort to resume', async (t) => {
  const connection = small();
  let app = renderApp(connection, {initialSelection: 'web1'});
  await app.waitFor(() => app.selected() === 'web1');
  app.write('c');
  await app.waitFor(() => app.consoles.length > 0);
  t.deepEqual(app.consoles, ['web1']);
  t.deepEqual(app.resumes, [{filter: '', sort: 'name', descending: false}]);
  // Keys after leaving for the console are ignored.
  app.write('c');
  await sleep(30);
  t.deepEqual(app.consoles, ['web1']);
  app.unmount();

  app = renderApp(connection, {initialSelection: 'loader'});
  await app.waitFor(() => app.selected() === 'loader');
  app.write('c');
  await app.waitFor(() => app.consoles.length > 0);
  t.deepEqual(app.consoles, ['loader']);
  app.unmount();
});

test("Enter opens the details view; c there attaches to that domain's console and keeps the view to resume", async (t) => {
  const connection = small();
  const app = renderApp(connection, {initialSelection: 'web1'});
  await app.waitFor(() => app.selected() === 'web1');
  app.write(keys.enter);
  await app.waitForText('Details: web1');
  app.write('c');
  await app.waitFor(() => app.consoles.length > 0);
  t.deepEqual(app.consoles, ['web1']);
  t.deepEqual(app.resumes[0]?.view, {kind: 'details', name: 'web1'});
  app.unmount();
});

test('resume restores the filter, the sort and the view after the console', async (t) => {
  const app = renderApp(small(), {initialSelection: 'web1', resume: {filter: 'web', sort: 'state', descending: false, view: {kind: 'details', name: 'web1'}}});
  await app.waitForText('Details: web1');
  await press(app, ESC);
  const frame = await app.waitForText('/web');
  t.true(frame.includes('NAME') && frame.includes('STATE↑'));
  t.is(app.selected(), 'web1');
  t.false(frame.includes('stale'), 'filtered out');
  app.unmount();
});

test('console on a shut-off domain is refused with a hint', async (t) => {
  const connection = small();
  const app = renderApp(connection);
  await app.waitForText('db1');
  app.write('jc');
  await app.waitForText('db1 is not running — press s to start it');
  t.deepEqual(app.consoles, []);
  app.unmount();
});

test('q and Ctrl-C call onQuit', async (t) => {
  let app = renderApp(small());
  await app.waitForText('web1');
  app.write('q');
  await app.waitFor(() => app.quits === 1);
  app.unmount();

  app = renderApp(small(), {initialSelection: 'web1'});
  await app.waitFor(() => app.selected() === 'web1');
  app.write('D');
  await app.waitForText('[y/N]');
  app.write(keys.ctrlC);
  await app.waitFor(() => app.quits === 1);
  t.pass();
  app.unmount();
});

test('the host panel shows a missing module with its fix, and the CPU count', async (t) => {
  const connection = small();
  connection.modules = connection.modules.map((module) => (module.name === 'vmm' ? {name: 'vmm', label: 'vmm', loaded: false, fix: 'kldload vmm'} : module));
  connection.ncpu = 8;
  const app = renderApp(connection);
  const frame = await app.waitForText('kldload vmm');
  t.regex(frame, /✘ vmm +missing/);
  t.regex(frame, /✔ nmdm +loaded/);
  t.true(frame.includes('sysrc kld_list+=vmm'), 'the line that makes it persistent');
  t.true(frame.includes('CPUs  8'));
  app.unmount();
});

test('a simulated connection shows the SIMULATED HOST badge', async (t) => {
  const connection = new FakeConnection([domain('web1', 'running')], {simulated: true, uri: 'bhyve+sim:///tmp/host'});
  const app = renderApp(connection);
  const frame = await app.waitForText('SIMULATED HOST');
  t.true(frame.split('\n')[0]?.includes('bhyve+sim:///tmp/host'));
  t.true(frame.split('\n')[0]?.includes('SIMULATED HOST'));
  app.unmount();
});

test('initialStatus is shown until the first action', async (t) => {
  let app = renderApp(small(), {initialStatus: {text: 'Console closed'}});
  await app.waitFor((current) => current.includes('Console closed') && current.includes('web1'));
  app.write('Gs');
  await app.waitForText('web1 is already running');
  t.false(app.frame().includes('Console closed'));
  app.unmount();

  app = renderApp(small(), {initialStatus: {text: 'Cannot open /dev/nmdm0B', error: true}});
  await app.waitForText('✘ Cannot open /dev/nmdm0B');
  t.pass();
  app.unmount();
});

test('changes on the host appear on the next poll; polls never overlap and stop on unmount', async (t) => {
  const connection = small();
  connection.listDelayMs = 30;
  const app = renderApp(connection, {pollIntervalMs: 10});
  await app.waitFor((current) => /db1\s+shut off/.test(current));
  connection.setState('db1', 'running');
  await app.waitFor((current) => /db1\s+running/.test(current));
  // Actions add refreshes on top of the timer.
  app.write('j');
  await app.waitFor(() => app.selected() === 'db1');
  app.write('D');
  await app.waitForText('[y/N]');
  app.write('y');
  await app.waitForText('Destroyed db1');
  t.is(connection.maxListInFlight, 1);
  app.unmount();
  await sleep(60);
  const calls = connection.listCalls;
  await sleep(100);
  t.is(connection.listCalls, calls);
});

test('a failing listDomains is shown and the last list is kept', async (t) => {
  const connection = small();
  const app = renderApp(connection, {pollIntervalMs: 10});
  await app.waitForText('web1');
  connection.listError = new DriverError('cannot read the domain directory', 'EACCES');
  const frame = await app.waitForText('✘ Cannot list domains: cannot read the domain directory');
  t.true(frame.includes('web1'));
  connection.listError = undefined;
  await app.waitFor((current) => !current.includes('Cannot list domains'));
  app.unmount();
});

test('follows terminal resizes', async (t) => {
  const app = renderApp(fleet(200));
  let frame = await app.waitForText('dom000');
  t.is(frame.split('\n').length, 23);
  Object.defineProperty(app.stdout, 'rows', {value: 12, configurable: true});
  app.stdout.emit('resize');
  frame = await app.waitFor((current) => current.split('\n').length === 11);
  t.true(frame.includes('dom000'));
  t.true(frame.includes('q quit'));
  // Selection stays visible in the smaller window.
  app.write('G');
  frame = await app.waitFor(() => app.selected() === 'dom199');
  t.is(frame.split('\n').length, 11);
  app.unmount();
});

test('a terminal under 100 columns puts the host strip under the list', async (t) => {
  const connection = small();
  connection.modules = connection.modules.map((module) =>
    module.name === 'nmdm' ? {name: 'nmdm', label: 'nmdm', loaded: false, fix: 'kldload nmdm'} : module,
  );
  const app = renderApp(connection);
  Object.defineProperty(app.stdout, 'columns', {value: 60, configurable: true});
  Object.defineProperty(app.stdout, 'rows', {value: 30, configurable: true});
  app.stdout.emit('resize');
  const frame = await app.waitFor((current) => current.includes('kldload nmdm') && current.split('\n').length === 29);
  const lines = frame.split('\n');
  const tableRow = lines.findIndex((line) => line.includes('web1'));
  const hostRow = lines.findIndex((line) => line.includes('kldload nmdm'));
  t.regex(frame, /✘ nmdm missing: kldload nmdm \(K\)/);
  t.true(hostRow > tableRow);
  t.true(
    lines.every((line) => [...line].length <= 60),
    'nothing wider than the terminal',
  );
  app.unmount();
});
