// Every console.scrollbackKiB the settings accept can be replayed: a scrollback larger
// than one console frame may carry (1 MiB) reaches a new client whole, in several frames.
import test from 'ava';
import {ESC_DEFAULT, attached, hostWithGuest, loginRoot, ptyClient, shell} from './helpers.js';

test('a 2 MiB scrollback holding 1.5 MiB of output is replayed whole to a new client', async (t) => {
  const dir = await hostWithGuest(t, 'con-bigring', {console: {scrollbackKiB: 2048, logMaxKiB: 4096}});
  const c = ptyClient(t, dir, ['console', 'web1']);
  await attached(c, 'web1');
  await loginRoot(c, 'web1');
  const out = await shell(c, 'web1', 'dd if=/dev/zero bs=1k count=1536');
  t.regex(out, /1572864 bytes transferred in /);
  c.send(ESC_DEFAULT);
  t.is(await c.exit(), 0);

  const d = ptyClient(t, dir, ['console', 'web1', '--readonly']);
  const after = await attached(d, 'web1');
  await d.waitFor((b) => b.toString('latin1').endsWith('root@web1:~ # '), after, 60_000);
  const replay = d.text(after);
  t.true(replay.split('\0').length - 1 >= 1536 * 1024, `${replay.split('\0').length - 1} zeros replayed`);
  t.regex(replay, /1572864 bytes transferred/);
  d.send(ESC_DEFAULT);
  t.is(await d.exit(), 0);
});
