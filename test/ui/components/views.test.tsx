// Component tests for each view: filter, sort, details, errors, log, help, command output,
// host panel, events and the shutdown countdown.
import test from 'ava';
import {FakeConnection, domain, missingModule, noFileModule} from '../helpers/fake-connection.js';
import {ESC, keys, press, renderApp, resize, sleep} from '../helpers/helpers.js';
import type {HostCheck} from '../../../driver/client/connection.js';

function fleet(count: number): FakeConnection {
  const domains = Array.from({length: count}, (_, i) =>
    domain(`dom${String(i).padStart(4, '0')}`, i % 3 === 0 ? 'running' : 'shut off', {memoryKiB: ((i % 7) + 1) * 512 * 1024}),
  );
  return new FakeConnection(domains);
}

function small(): FakeConnection {
  return new FakeConnection([
    domain('web1', 'running', {memoryKiB: 512 * 1024, vcpus: 1, cpuPercent: 12.5, rssKiB: 300 * 1024, autostart: true}),
    domain('web2', 'shut off', {memoryKiB: 8 * 1024 * 1024}),
    domain('db1', 'shut off', {problemCount: 2, lastError: 'bhyve exited with code 4'}),
    domain('broken', 'invalid', {error: 'line 4: <memory> is missing'}),
  ]);
}

test('/ filters by name as you type; Enter keeps the filter, Esc in the list clears it', async (t) => {
  const app = renderApp(fleet(1000));
  await app.waitForText('dom0000');
  app.write('/');
  await app.waitForText('1000 of 1000');
  app.write('99');
  let frame = await app.waitForText('19 of 1000');
  t.true(frame.includes('dom0099'));
  t.false(frame.includes('dom0000'));
  app.write('9');
  frame = await app.waitForText('1 of 1000');
  t.regex(frame, /dom0999/);
  app.write(keys.backspace);
  await app.waitForText('19 of 1000');
  app.write(keys.enter);
  // The selection stayed on dom0999, the last match of '999'.
  frame = await app.waitFor((current) => current.includes('/99  19/19 of 1000') && current.includes('⏎ details'));
  // The list keys work on the filtered rows.
  app.write('g');
  await app.waitFor(() => app.selected() === 'dom0099');
  await press(app, ESC);
  frame = await app.waitForText('Filter cleared');
  t.true(frame.includes('100/1000'));
  t.is(app.selected(), 'dom0099');
  app.unmount();
});

test('/ typed with the text in one chunk filters at once; Esc in the prompt clears and closes it', async (t) => {
  const app = renderApp(small());
  await app.waitForText('web1');
  app.write('/web');
  const frame = await app.waitForText('2 of 4');
  t.false(frame.includes('db1'));
  await press(app, ESC);
  await app.waitFor((current) => current.includes('db1') && !current.includes('2 of 4'));
  t.pass();
  app.unmount();
});

test('a filter that matches nothing says so', async (t) => {
  const app = renderApp(small());
  await app.waitForText('web1');
  app.write('/zzz\r');
  await app.waitForText("No domain name contains 'zzz'. Esc clears the filter.");
  app.write('s');
  await app.waitForText('No domain matches the filter');
  t.pass();
  app.unmount();
});

test('o cycles the sort: name, state, memory; O reverses', async (t) => {
  const app = renderApp(small());
  await app.waitForText('web1');
  const order = (frame: string) => [...frame.matchAll(/│[› ] [! ] (\S+)\s+(?:running|shut off|invalid)/g)].map((match) => match[1]);
  t.deepEqual(order(app.frame()), ['broken', 'db1', 'web1', 'web2']);
  app.write('o');
  let frame = await app.waitForText('Sorted by state');
  t.deepEqual(order(frame), ['web1', 'broken', 'db1', 'web2']);
  t.true(frame.includes('STATE↑'));
  app.write('o');
  frame = await app.waitForText('Sorted by memory');
  t.deepEqual(order(frame), ['web2', 'db1', 'web1', 'broken']);
  app.write('O');
  frame = await app.waitForText('Sorted by memory, reversed');
  t.deepEqual(order(frame), ['broken', 'web1', 'db1', 'web2']);
  t.true(frame.includes('MEMORY↓'));
  app.unmount();
});

test('states are coloured, CPU% and RSS shown for running guests, ! marks domains with problems', async (t) => {
  const app = renderApp(small());
  await app.waitForText('web1');
  const frame = app.frame();
  t.regex(frame, /web1\s+running\s+1\s+512M\s+13\s+300M\s+yes/);
  t.regex(frame, /! db1/);
  t.regex(frame, /! broken/);
  t.regex(frame, / {2}web1/);
  t.true(frame.includes('2 with problems (!)'));
  app.unmount();
});

test('1,000 domains: a key press re-renders a window, not the list', async (t) => {
  const connection = fleet(1000);
  const app = renderApp(connection);
  await app.waitForText('dom0000');
  const started = performance.now();
  for (let i = 1; i <= 20; i++) {
    app.write('j');
    // eslint-disable-next-line no-await-in-loop
    await app.waitFor(() => app.selected() === `dom${String(i).padStart(4, '0')}`);
  }

  const perKey = (performance.now() - started) / 20;
  // Timing is measured by `npm run bench -- tui`; here only what is drawn is checked.
  t.log(`${perKey.toFixed(1)} ms per key press, including the test's polling`);
  const frame = app.frame();
  t.is(frame.split('\n').length, 23);
  t.true([...frame.matchAll(/dom\d{4}/g)].length < 30, 'a window of rows, not the list');
  app.unmount();
});

test('Enter opens details: devices, boot, autostart, VNC warning and the command lines; Esc goes back', async (t) => {
  const app = renderApp(small(), {initialSelection: 'web1'});
  await app.waitFor(() => app.selected() === 'web1');
  app.write(keys.enter);
  let frame = await app.waitForText('Boot');
  t.regex(frame, /Details: web1 {2}running/);
  t.regex(frame, /Boot\s+bhyveload/);
  t.regex(frame, /Autostart\s+yes/);
  t.regex(frame, /vda\s+virtio\s+disk\s+\/vm\/web1\/disk0.img/);
  t.regex(frame, /hdc.*✘ missing/);
  t.regex(frame, /virtio\s+bridge bridge0 ← tap tap3/);
  // Scroll to the end: console, VNC and the command lines.
  app.write('G');
  frame = await app.waitForText('A start would run');
  t.true(frame.includes('/dev/nmdm-web1.1B'));
  t.true(frame.includes('0.0.0.0:5900  no password'));
  t.true(frame.includes('⚠ VNC listens on 0.0.0.0 without a password'));
  t.true(frame.includes('$ bhyveload -c /dev/nmdm-web1.1A'));
  t.true(frame.includes('$ bhyve -c 2 -m 2048M'));
  app.write('g');
  await app.waitForText('Boot');
  await press(app, ESC);
  await app.waitFor((current) => current.includes('NAME') && !current.includes('Details:'));
  t.is(app.selected(), 'web1');
  app.unmount();
});

test('details of a domain whose preview cannot be built say why', async (t) => {
  const connection = small();
  const details = await connection.domainDetails('web2');
  connection.details.set('web2', {...details, vnc: undefined, commands: undefined, commandsError: 'disk /vm/web2/disk0.img does not exist'});
  const app = renderApp(connection, {initialSelection: 'web2'});
  await app.waitFor(() => app.selected() === 'web2');
  app.write('\rG');
  const frame = await app.waitForText('✘ disk /vm/web2/disk0.img does not exist');
  t.false(frame.includes('VNC'));
  app.unmount();
});

test('e opens the errors view: every problem with where it is, what to do, exit code and stderr', async (t) => {
  const connection = small();
  connection.problems.set('db1', [
    {
      severity: 'error',
      source: 'xml-syntax',
      message: 'Opening and ending tag mismatch: vcpu line 5 and domain',
      file: '/usr/local/etc/bhyve-tui/domains/db1.xml',
      line: 9,
      column: 3,
      hint: 'close <vcpu> on line 5',
    },
    {severity: 'error', source: 'host', message: 'bridge0 does not exist', hint: 'ifconfig bridge0 create'},
    {severity: 'warning', source: 'host', message: 'db1 asks for 8 vCPUs; the host has 4', hint: 'lower <vcpu> to 4 or less'},
    {
      severity: 'error',
      source: 'last-start',
      message: 'bhyve exited while starting db1',
      detail: 'vm_create: Device busy\n',
      exitCode: 4,
      exitMeaning: 'bhyve: exited due to an error',
    },
  ]);
  const app = renderApp(connection, {initialSelection: 'db1'});
  await app.waitFor(() => app.selected() === 'db1');
  app.write('e');
  const frame = await app.waitForText('3 errors, 1 warning');
  t.true(frame.includes('3 errors, 1 warning'));
  t.true(frame.includes('✘ XML syntax  /usr/local/etc/bhyve-tui/domains/db1.xml:9:3'));
  t.true(frame.includes('Opening and ending tag mismatch'));
  t.true(frame.includes('→ close <vcpu> on line 5'));
  t.true(frame.includes('✘ Host'));
  t.true(frame.includes('→ ifconfig bridge0 create'));
  t.true(frame.includes('! Host'));
  t.true(frame.includes('✘ Last start'));
  t.true(frame.includes('exit code 4: bhyve: exited due to an error'));
  t.true(frame.includes('│ vm_create: Device busy'));
  app.unmount();
});

test('the errors view of a healthy domain says so; E from it starts an edit', async (t) => {
  const connection = small();
  const edits: string[] = [];
  const app = renderApp(connection, {
    initialSelection: 'web2',
    async editText(text) {
      edits.push(text);
      return null;
    },
  });
  await app.waitFor(() => app.selected() === 'web2');
  app.write('e');
  await app.waitForText('✔ No problems: the definition of web2 is valid');
  app.write('E');
  await app.waitFor(() => edits.length === 1);
  t.true(edits[0]?.includes('<name>web2</name>'));
  app.unmount();
});

test('the errors view refreshes on an event about its domain', async (t) => {
  const connection = small();
  const app = renderApp(connection, {initialSelection: 'web2', pollIntervalMs: 0});
  await app.waitFor(() => app.selected() === 'web2');
  app.write('e');
  await app.waitForText('No problems');
  connection.problems.set('web2', [{severity: 'error', source: 'host', message: 'nmdm is not loaded', hint: 'kldload nmdm'}]);
  connection.emit({type: 'host'});
  await app.waitForText('nmdm is not loaded');
  t.pass();
  app.unmount();
});

test('l shows the log and follows it; g goes to the top and stops following', async (t) => {
  const connection = small();
  connection.logs.set('web1', Array.from({length: 60}, (_, i) => `2026-11-29 01:00:${String(i).padStart(2, '0')} line ${i}`).join('\n') + '\n');
  const app = renderApp(connection, {initialSelection: 'web1', pollIntervalMs: 0});
  await app.waitFor(() => app.selected() === 'web1');
  app.write('l');
  let frame = await app.waitForText('line 59');
  t.true(frame.includes('following'));
  t.false(frame.includes('line 0\n'));
  app.write('g');
  frame = await app.waitForText('line 0');
  t.true(frame.includes('G follows'));
  app.write('G');
  await app.waitForText('line 59');
  connection.logs.set('web1', `${connection.logs.get('web1') ?? ''}2026-11-29 01:01:00 destroyed by the operator\n`);
  connection.emit({type: 'domain', name: 'web1', state: 'shut off', reason: 'destroyed'});
  frame = await app.waitForText('destroyed by the operator');
  t.true(frame.includes('following'));
  app.unmount();
});

test('? lists every key of the current view, and closes with ? or Esc', async (t) => {
  const app = renderApp(small());
  await app.waitForText('web1');
  app.write('?');
  let frame = await app.waitForText('Keys: Domain list');
  t.regex(frame, /\/\s+filter by name/);
  t.regex(frame, /s\s+start \(virsh start\)/);
  app.write('G');
  frame = await app.waitForText('Command line (:)');
  t.true(frame.includes('NO_COLOR') || frame.includes(':start NAME'));
  app.write('?');
  await app.waitFor((current) => !current.includes('Keys:'));
  app.write('\r?');
  frame = await app.waitForText('Keys: Details');
  t.regex(frame, /c\s+serial console/);
  await press(app, ESC);
  await app.waitForText('Details: broken');
  t.pass();
  app.unmount();
});

test('at 80x24 the list, the host strip and the hints fit; nothing is wider than the terminal', async (t) => {
  const connection = small();
  connection.modules[3] = missingModule('nmdm');
  const app = renderApp(connection);
  resize(app, 80, 24);
  const frame = await app.waitFor((current) => current.includes('nmdm missing') && current.split('\n').length === 23);
  for (const line of frame.split('\n')) {
    t.true([...line].length <= 80, line);
  }

  t.true(frame.includes('? help'));
  t.true(frame.includes('q quit'));
  t.regex(frame, /web1\s+running/);
  app.write('\r');
  const details = await app.waitForText('Details: broken');
  t.true(details.split('\n').every((line) => [...line].length <= 80));
  app.unmount();
});

test('a large terminal shows the side panel with tap and CPU virtualization facts', async (t) => {
  const connection = small();
  connection.tapUpOnOpen = false;
  connection.modules[0] = {name: 'vmm', label: 'vmm', loaded: true, detail: 'failed'};
  const app = renderApp(connection);
  resize(app, 200, 60);
  const frame = await app.waitFor((current) => current.includes('tap up_on_open=0') && current.split('\n').length === 59);
  t.regex(frame, /✘ vmm +failed/);
  t.true(frame.includes('no hardware virtualization'));
  t.true(frame.includes('sysctl net.link.tap.up_on_open=1'));
  t.true(frame.includes('VT-x with EPT'));
  app.unmount();
});

test('a module with no file to load: the side panel and the strip say so and give the fix, not a kldload', async (t) => {
  const connection = small();
  connection.modules[3] = noFileModule('nmdm');
  const app = renderApp(connection);
  resize(app, 200, 60);
  let frame = await app.waitFor((current) => current.includes('no module file') && current.split('\n').length === 59);
  t.regex(frame, /✘ nmdm +no module file/);
  t.regex(frame, /│ {3}no nmdm\.ko in +│/);
  t.regex(frame, /│ {3}\/boot\/kernel;\/boot\/modules +│/);
  t.regex(frame, /\/usr\/src\/sys\/modules\/nmdm/);
  t.false(frame.includes('kldload nmdm'), frame);
  resize(app, 80, 24);
  frame = await app.waitFor((current) => current.includes('nmdm missing: no nmdm.ko') && current.split('\n').length === 23);
  t.false(frame.includes('(K)'), frame);
  app.unmount();
});

const checks = (): HostCheck[] => [
  {id: 'cpu', title: 'CPU virtualization', status: 'PASS', detail: 'VT-x, vmm initialised'},
  {id: 'module:vmm', title: 'vmm module', status: 'PASS', detail: 'loaded'},
  {id: 'tap-up-on-open', title: 'net.link.tap.up_on_open', status: 'PASS', detail: '1'},
  {
    id: 'uefi-firmware',
    title: 'UEFI firmware',
    status: 'FAIL',
    detail: '/usr/local/share/uefi-firmware/BHYVE_UEFI.fd is missing and web1 boots with UEFI',
    fix: 'pkg install bhyve-firmware',
  },
  {id: 'node', title: 'Node.js', status: 'PASS', detail: 'v22.12.0'},
  {id: 'rc.d', title: 'rc.d service', status: 'WARN', detail: 'installed but not enabled', fix: 'sysrc bhyve_tui_enable=YES'},
];

test("the side panel shows host-validate's findings: each problem with its fix, the rest counted", async (t) => {
  const connection = small();
  connection.checks = checks();
  const app = renderApp(connection);
  resize(app, 200, 60);
  const frame = await app.waitFor((current) => current.includes('rc.d service') && current.split('\n').length === 59);
  t.regex(frame, /✘ UEFI firmware/);
  t.true(frame.includes('pkg install bhyve-firmware'));
  t.regex(frame, /! rc\.d service/);
  t.true(frame.includes('installed but not enabled'));
  t.true(frame.includes('sysrc bhyve_tui_enable=YES'));
  t.true(frame.includes('✔ 2 more checks pass'));
  t.true(frame.includes('VT-x, vmm initialised'));
  t.false(frame.includes('up_on_open'), 'a passing check is only counted');
  app.unmount();
});

test("the narrow host strip lists host-validate's problems with their fixes", async (t) => {
  const connection = small();
  connection.checks = checks();
  const app = renderApp(connection);
  resize(app, 72, 30);
  const frame = await app.waitFor((current) => current.includes('2 to fix'));
  t.true(frame.includes('✘ UEFI firmware: pkg install bhyve-firmware'));
  t.true(frame.includes('! rc.d service: sysrc bhyve_tui_enable=YES'));
  app.unmount();
});

const paused = (): NonNullable<FakeConnection['loggingPaused']> => [
  {file: '/var/log/bhyve-tui/web1.console.log', cause: 'no space left on device (ENOSPC)', since: '2026-12-01T10:00:00.000Z'},
  {file: '/var/log/bhyve-tui/web1.log', cause: 'no space left on device (ENOSPC)', since: '2026-12-01T10:00:00.000Z'},
];

test('the side panel says when logging is paused (a full log disk), and where to free space', async (t) => {
  const connection = small();
  connection.loggingPaused = paused();
  const app = renderApp(connection);
  resize(app, 200, 60);
  const frame = await app.waitFor((current) => current.includes('Logging paused') && current.split('\n').length === 59);
  t.true(frame.includes('! Logging paused: 2 logs'));
  t.true(frame.includes('no space left on device (ENOSPC)'));
  t.true(frame.includes('free space in /var/log/bhyve-tui'));
  t.true(frame.includes('the consoles keep working'));
  app.unmount();
});

test('the narrow host strip says when logging is paused', async (t) => {
  const connection = small();
  connection.loggingPaused = paused().slice(0, 1);
  const app = renderApp(connection);
  resize(app, 72, 30);
  const frame = await app.waitFor((current) => current.includes('logging paused'));
  t.true(frame.includes('! logging paused (ENOSPC): free space in /var/log/bhyve-tui'));
  app.unmount();
});

test('events update a row at once, without waiting for the safety poll', async (t) => {
  const connection = small();
  const app = renderApp(connection, {pollIntervalMs: 0});
  await app.waitFor((current) => /web2\s+shut off/.test(current));
  const calls = connection.listCalls;
  // The daemon's listing agrees with its events.
  connection.setState('web2', 'bootloader');
  connection.emit({type: 'domain', name: 'web2', state: 'bootloader'});
  await app.waitFor((current) => /web2\s+bootloader/.test(current));
  connection.setState('web2', 'running');
  connection.emit({type: 'domain', name: 'web2', state: 'running', reason: 'booted'});
  await app.waitFor((current) => /web2\s+running/.test(current));
  t.true(connection.listCalls > calls, 'an event brings a fresh listing');
  // A new definition appears on domains-changed.
  connection.domains = [...connection.domains, domain('new1')];
  connection.emit({type: 'domains-changed'});
  await app.waitForText('new1');
  app.unmount();
});

test('no polling storm: an idle screen lists domains once per safety period', async (t) => {
  const connection = new FakeConnection([domain('a'), domain('b')]);
  const app = renderApp(connection, {pollIntervalMs: 200});
  await app.waitForText('a');
  await sleep(500);
  t.true(connection.listCalls <= 4, `${connection.listCalls} listings in ~0.5 s`);
  app.unmount();
});

test('t shuts down with a live countdown to the forced power-off', async (t) => {
  const connection = small();
  const app = renderApp(connection, {initialSelection: 'web1', shutdownTimeoutS: 30});
  await app.waitFor(() => app.selected() === 'web1');
  app.write('t');
  let frame = await app.waitFor((current) => /power-off in \d+ s/.test(current));
  t.deepEqual(connection.calls, ['shutdown web1']);
  t.regex(frame, /web1\s+in shutdown/);
  const first = Number(/power-off in (\d+) s/.exec(frame)?.[1]);
  t.true(first <= 30 && first >= 28, String(first));
  frame = await app.waitFor((current) => Number(/power-off in (\d+) s/.exec(current)?.[1]) < first, 3000);
  t.pass();
  // Shutdown again explains; D powers off now.
  app.write('t');
  await app.waitForText('already shutting down — D powers it off now');
  app.unmount();
});

test('a resize follows in every view', async (t) => {
  const app = renderApp(small());
  await app.waitForText('web1');
  app.write('?');
  await app.waitForText('Keys: Domain list');
  resize(app, 60, 15);
  const frame = await app.waitFor((current) => current.split('\n').length === 14);
  t.true(frame.split('\n').every((line) => [...line].length <= 60));
  app.unmount();
});
