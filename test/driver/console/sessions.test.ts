// Who may use a console: one interactive client (a second one is told who holds it and
// exits 1, or takes it over with --force), any number of read-only watchers whose keys
// never reach the guest; and what an attached client sees when the guest powers off or
// reboots.
import test from 'ava';
import {ESC_DEFAULT, attached, consoleLog, domState, hostWithGuest, loginRoot, ptyClient, shell} from './helpers.js';
import {cli, eventually} from '../../helpers/sim-dir.js';
import os from 'node:os';

test('a second interactive client is told who holds the console (pid, user, since) and exits 1', async (t) => {
  const dir = await hostWithGuest(t, 'con-busy');
  const before = new Date(Date.now() - 1000);
  const a = ptyClient(t, dir, ['console', 'web1']);
  await attached(a, 'web1');
  const pid = await a.pid;
  const r = cli(dir, ['console', 'web1']);
  t.is(r.status, 1);
  const m = /in use by pid (\d+) \((\S+)\) since (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)/.exec(r.stderr);
  t.truthy(m, r.stderr);
  t.is(Number(m![1]), pid, 'the pid of the holding client');
  t.is(m![2], os.userInfo().username);
  const since = new Date(`${m![3]!.replace(' ', 'T')}Z`);
  t.true(since >= new Date(Math.floor(before.getTime() / 1000) * 1000) && since <= new Date(), m![3]);
  t.regex(r.stderr, /--force/);
  t.regex(r.stderr, /--readonly/);
  t.is(r.stdout, '', 'nothing was attached');
  // The holder was not disturbed.
  await loginRoot(a, 'web1');
  t.regex(await shell(a, 'web1', 'echo still-here'), /\r\nstill-here\r\n/);
  a.send(ESC_DEFAULT);
  t.is(await a.exit(), 0);
});

test('--force takes the console over: the old client is told and exits, the new one types', async (t) => {
  const dir = await hostWithGuest(t, 'con-force');
  const a = ptyClient(t, dir, ['console', 'web1']);
  await attached(a, 'web1');
  await loginRoot(a, 'web1');
  const b = ptyClient(t, dir, ['console', 'web1', '--force']);
  await attached(b, 'web1');
  t.is(await a.exit(), 0);
  t.regex(a.text(), /The console of 'web1' was taken over by another client/);
  t.regex(await shell(b, 'web1', 'echo from-b'), /\r\nfrom-b\r\n/);
  // The one that lost it can no longer take it without --force.
  const r = cli(dir, ['console', 'web1']);
  t.is(r.status, 1);
  t.regex(r.stderr, new RegExp(`in use by pid ${await b.pid} `));
  b.send(ESC_DEFAULT);
  t.is(await b.exit(), 0);
});

test('read-only watchers see the output; their keys never reach the guest', async (t) => {
  const dir = await hostWithGuest(t, 'con-ro');
  const holder = ptyClient(t, dir, ['console', 'web1']);
  await attached(holder, 'web1');
  const w1 = ptyClient(t, dir, ['console', 'web1', '--readonly']);
  const w2 = ptyClient(t, dir, ['console', 'web1', '--readonly']);
  const [m1, m2] = [await attached(w1, 'web1'), await attached(w2, 'web1')];
  await loginRoot(holder, 'web1');
  await shell(holder, 'web1', 'echo marker-1');
  await w1.waitFor('\r\nmarker-1\r\n', m1);
  await w2.waitFor('\r\nmarker-1\r\n', m2);
  // A watcher types a whole command line and leaves with the escape in the same write:
  // once it has exited it has handled every key before the escape (a writable client
  // would have sent them, and they come before its close on the same socket).
  w1.send('echo LEAKED\r\x1d');
  t.is(await w1.exit(), 0);
  const mark = holder.mark();
  await shell(holder, 'web1', 'echo marker-2');
  await w2.waitFor('\r\nmarker-2\r\n', m2); // one watcher leaving leaves the others be
  t.false(holder.text(mark).includes('LEAKED'));
  t.false(consoleLog(dir, 'web1').includes('LEAKED'), "the guest never saw the watcher's keys");
  holder.send(ESC_DEFAULT);
  t.is(await holder.exit(), 0);
  w2.send(ESC_DEFAULT);
  t.is(await w2.exit(), 0);
});

test('poweroff in the guest: every attached client says the domain stopped, with the reason, and exits', async (t) => {
  const dir = await hostWithGuest(t, 'con-off');
  const c = ptyClient(t, dir, ['console', 'web1']);
  const w = ptyClient(t, dir, ['console', 'web1', '--readonly']);
  await attached(c, 'web1');
  await attached(w, 'web1');
  await loginRoot(c, 'web1');
  c.send('poweroff\r');
  t.is(await c.exit(20_000), 0);
  t.is(await w.exit(), 0);
  await eventually('shut off', () => domState(dir, 'web1').state === 'shut off');
  const reason = domState(dir, 'web1').reason!;
  for (const client of [c, w]) {
    const shown = client.text();
    t.true(shown.indexOf('acpi0: Powering system off') >= 0, 'the guest output up to the end');
    t.regex(shown, new RegExp(`Domain 'web1' stopped \\(${reason}\\)\\r+\\n$`));
  }
  t.is(reason, 'shutdown');
});

test('reboot in the guest while attached: the session stays and shows the new boot', async (t) => {
  const dir = await hostWithGuest(t, 'con-reboot');
  const firstPid = domState(dir, 'web1').pid;
  const c = ptyClient(t, dir, ['console', 'web1']);
  const after = await attached(c, 'web1');
  await loginRoot(c, 'web1');
  const m = c.mark();
  c.send('reboot\r');
  await c.waitFor(/Rebooting\.\.\.[\s\S]*---<<BOOT>>---[\s\S]*login: $/, m, 30_000);
  t.is(c.text(after).split('---<<BOOT>>---').length - 1, 2, 'the first boot (replayed) and the second one');
  t.is(c.child.exitCode, null, 'still attached');
  const st = domState(dir, 'web1');
  t.is(st.state, 'running');
  t.not(st.pid, firstPid, 'a new bhyve');
  await loginRoot(c, 'web1');
  t.regex(await shell(c, 'web1', 'echo after-reboot'), /\r\nafter-reboot\r\n/);
  c.send(ESC_DEFAULT);
  t.is(await c.exit(), 0);
});
