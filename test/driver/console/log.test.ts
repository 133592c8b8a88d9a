// What the daemon keeps of a console: the log rotates past console.logMaxKiB (to
// NAME.console.log.1) and the scrollback a new client gets is the last
// console.scrollbackKiB of output, both from CONFIGDIR/bhyve-tui.json.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import {ESC_DEFAULT, attached, hostWithGuest, loginRoot, ptyClient, shell} from './helpers.js';

test('the console log rotates at logMaxKiB; a new client gets only the last scrollbackKiB', async (t) => {
  const dir = await hostWithGuest(t, 'con-log', {console: {logMaxKiB: 16, scrollbackKiB: 4}});
  const c = ptyClient(t, dir, ['console', 'web1']);
  await attached(c, 'web1');
  await loginRoot(c, 'web1');
  const out = await shell(c, 'web1', 'dd if=/dev/zero bs=1k count=40');
  t.regex(out, /40\+0 records in\r\n40\+0 records out\r\n40960 bytes transferred in /);
  t.is(out.split('\0').length - 1, 40960, 'the zeros themselves');
  c.send(ESC_DEFAULT);
  t.is(await c.exit(), 0);

  const log = path.join(dir, 'var/log/bhyve-tui/web1.console.log');
  const current = fs.readFileSync(log, 'latin1');
  const previous = fs.readFileSync(`${log}.1`, 'latin1');
  t.true(current.length <= 16 * 1024, `current log ${current.length} bytes`);
  t.true(previous.length <= 16 * 1024 && previous.length > 8 * 1024, `rotated log ${previous.length} bytes`);
  t.false(fs.existsSync(`${log}.2`), 'one old generation is kept');
  t.regex(current, /40960 bytes transferred in [\d.]+ secs \(\d+ bytes\/sec\)\r\nroot@web1:~ # $/, 'the log is current');
  t.false((previous + current).includes('---<<BOOT>>---'), 'the boot was rotated away (40 KiB came after it)');

  const d = ptyClient(t, dir, ['console', 'web1', '--readonly']);
  const after = await attached(d, 'web1');
  await d.waitFor((b) => b.toString('latin1').endsWith('root@web1:~ # '), after);
  const replay = d.text(after);
  t.true(replay.length <= 4096 && replay.length > 3000, `replay of ${replay.length} bytes`);
  t.true(replay.startsWith('\0'), 'it starts inside the zeros');
  t.regex(replay, /40960 bytes transferred/);
  t.false(replay.includes('login:'), 'nothing older than the scrollback');
  d.send(ESC_DEFAULT);
  t.is(await d.exit(), 0);
});
