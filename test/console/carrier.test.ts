// The console against FreeBSD's tty rules as the simulator models them (driver/sim/README.md,
// "nmdm pairs"): the daemon's opens of the user side never wait for carrier, the console
// survives the loader's exit and guest reboots (bhyve's side closing drops the carrier).
import test from 'ava';
import {simViolations} from '../../driver/sim/sim-host.js';
import {ESC_DEFAULT, consoleLog, loginRoot, ptyClient, shell} from './helpers.js';
import {cli, eventually, fastSimHost} from '../helpers/sim-dir.js';

test('starting a guest: no open of its console would wait for carrier on FreeBSD', async (t) => {
  const dir = fastSimHost(t, 'carrier-open');
  const r = cli(dir, ['start', 'web1']);
  t.is(r.status, 0, r.stderr);
  // The loader opens its side after the daemon opened the console; once the loader's text
  // reached the console, the simulator has judged every open of the console before it.
  await eventually('the loader text in the console log', () => /User boot/i.test(consoleLog(dir, 'web1')), 20_000);
  t.deepEqual(simViolations(dir), []);
});

test('the console shows the loader, answers once the guest booted, and again after a reboot', async (t) => {
  const dir = fastSimHost(t, 'carrier-reboot');
  const c = ptyClient(t, dir, ['start', 'web1', '--console']);
  await c.waitFor(/Escape character is \^\] \(Ctrl \+ \]\)\r+\n/);
  const m = c.text().indexOf('Escape character');
  await c.waitFor(/User boot/i, m);
  // the loader exited (its side closed) and bhyve runs the guest
  await c.waitFor(/login: $/, m);
  await loginRoot(c, 'web1');
  t.regex(await shell(c, 'web1', 'uname'), /\r\nFreeBSD\r\n/);
  const before = c.mark();
  c.send('reboot\r');
  await c.waitFor(/---<<BOOT>>---[\s\S]*login: $/, before, 30_000);
  await loginRoot(c, 'web1');
  t.regex(await shell(c, 'web1', 'uname'), /\r\nFreeBSD\r\n/);
  c.send(ESC_DEFAULT);
  t.is(await c.exit(), 0);
  t.deepEqual(simViolations(dir), []);
});
