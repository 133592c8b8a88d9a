// Attaching to a running guest's console through real processes (built CLI, daemon,
// simulated guest) on real terminals: the banner, the replay of what the guest printed
// before anyone was attached, the escape key (default, -e, the host config), and
// `start NAME --console`.
import test from 'ava';
import {ESC_DEFAULT, attached, consoleLog, domState, hostWithGuest, loginRoot, ptyClient, shell} from './helpers.js';
import {eventually, fastSimHost} from '../../helpers/sim-dir.js';

test('boot output printed before anyone attached is replayed, then the session is live; Ctrl-] leaves the guest running', async (t) => {
  const dir = await hostWithGuest(t, 'con-replay');
  const pid = domState(dir, 'web1').pid;
  const c = ptyClient(t, dir, ['console', 'web1']);
  const after = await attached(c, 'web1');
  t.regex(c.text(), /^Connected to domain 'web1'\r+\nEscape character is \^\] \(Ctrl \+ \]\)\r+\n/);
  // The whole boot is there: loader, kernel, rc, the login prompt.
  await c.waitFor(/login: $/, after);
  const replay = c.text(after);
  for (const line of ['---<<BOOT>>---', 'FreeBSD 14.2-RELEASE', 'Starting sshd.', 'FreeBSD/amd64 (web1) (ttyu0)']) t.true(replay.includes(line), line);
  await loginRoot(c, 'web1');
  t.regex(await shell(c, 'web1', 'uname -n'), /\r\nweb1\r\n/);
  c.send(ESC_DEFAULT);
  t.is(await c.exit(), 0);
  const st = domState(dir, 'web1');
  t.is(st.state, 'running', 'detaching does not disturb the guest');
  t.is(st.pid, pid);
});

test('-e ^a: Ctrl-] goes to the guest, Ctrl-A leaves; keys before the escape in the same read still arrive', async (t) => {
  const dir = await hostWithGuest(t, 'con-esc');
  const c = ptyClient(t, dir, ['console', 'web1', '-e', '^a']);
  await attached(c, 'web1');
  t.regex(c.text(), /Escape character is \^A \(Ctrl \+ A\)\r+\n/);
  await loginRoot(c, 'web1');
  // cat in cooked mode echoes control characters as ^X and copies the line back.
  let m = c.mark();
  c.send('cat\r');
  await c.waitFor('cat\r\n', m);
  m = c.mark();
  c.send('x\x1dy\r');
  await c.waitFor((b) => b.includes(Buffer.from('x\x1dy\r\n', 'latin1')), m);
  t.true(c.text(m).startsWith('x^]y\r\n'), 'the guest echoed the Ctrl-] it received');
  m = c.mark();
  c.send('\x04');
  await c.waitFor('root@web1:~ # ', m);
  // "echo late" and the escape in one write: the command reaches the guest, then we leave.
  c.send('echo late\r\x01');
  t.is(await c.exit(), 0);
  await eventually('the command typed before the escape to run', () => /echo late\r\nlate\r\n/.test(consoleLog(dir, 'web1')));
});

test("the host config's console.escape is the default escape; -e overrides it", async (t) => {
  const dir = await hostWithGuest(t, 'con-cfgesc', {console: {escape: '^b'}});
  const c = ptyClient(t, dir, ['console', 'web1']);
  await attached(c, 'web1');
  t.regex(c.text(), /Escape character is \^B \(Ctrl \+ B\)\r+\n/);
  await loginRoot(c, 'web1');
  let m = c.mark();
  c.send('cat\r');
  await c.waitFor('cat\r\n', m);
  m = c.mark();
  c.send('\x1d\r'); // not the escape here: it reaches cat, which echoes ^] and copies it back
  await c.waitFor((b) => b.includes(Buffer.from('^]\r\n\x1d\r\n', 'latin1')), m);
  c.send('\x04');
  await c.waitFor('root@web1:~ # ', m);
  c.send('\x02');
  t.is(await c.exit(), 0);

  const d = ptyClient(t, dir, ['console', 'web1', '-e', '^]']);
  await attached(d, 'web1');
  t.regex(d.text(), /Escape character is \^\] \(Ctrl \+ \]\)\r+\n/);
  d.send(ESC_DEFAULT);
  t.is(await d.exit(), 0);
});

test('start NAME --console attaches from the first byte: the loader and the whole boot are shown', async (t) => {
  const dir = fastSimHost(t, 'con-start');
  const c = ptyClient(t, dir, ['start', 'web1', '--console']);
  await c.waitFor("Domain 'web1' started");
  await c.waitFor(/Connected to domain 'web1'\r+\nEscape character is \^\] \(Ctrl \+ \]\)\r+\n/);
  const m = c.text().indexOf('Escape character');
  await c.waitFor(/login: $/, m);
  const shown = c.text(m);
  t.regex(shown, /FreeBSD\/amd64 User boot/i, 'the loader text is there');
  t.true(shown.indexOf('---<<BOOT>>---') > 0);
  await loginRoot(c, 'web1');
  c.send(ESC_DEFAULT);
  t.is(await c.exit(), 0);
  t.is(domState(dir, 'web1').state, 'running');
});
