// A guest that stops reading its console input (hung; on FreeBSD also a UART FIFO the
// guest does not drain, so bhyve stops reading the nmdm side) must not stop the daemon
// when a client keeps typing or pastes: the daemon writes to the console without blocking.
import test from 'ava';
import {ESC_DEFAULT, attached, domState, hostWithGuest, loginRoot, ptyClient} from './helpers.js';
import {cliAsync} from '../../helpers/sim-dir.js';

test('a paste into a guest that stopped reading does not block the daemon', async (t) => {
  const dir = await hostWithGuest(t, 'con-stuck');
  const c = ptyClient(t, dir, ['console', 'web1']);
  await attached(c, 'web1');
  await loginRoot(c, 'web1');
  const bhyve = domState(dir, 'web1').pid!;
  process.kill(bhyve, 'SIGSTOP'); // the guest reads nothing from now on
  t.teardown(() => {
    try {
      process.kill(bhyve, 'SIGCONT');
    } catch {
      // gone
    }
  });
  c.send(Buffer.alloc(2 * 1024 * 1024, 0x61)); // far more than the tty and the relay hold
  // Another client asks the daemon something while the paste is pending.
  const started = Date.now();
  const r = await Promise.race([cliAsync(dir, ['list']), new Promise<null>((resolve) => setTimeout(() => resolve(null), 20_000))]);
  t.not(r, null, 'the daemon answered while the guest was stuck');
  t.is(r?.status, 0);
  t.log(`list answered in ${Date.now() - started} ms`);
  // Leaving works while the guest is still stopped, and the guest is not disturbed.
  c.send(ESC_DEFAULT);
  t.is(await c.exit(), 0);
  process.kill(bhyve, 'SIGCONT');
  const after = await cliAsync(dir, ['domstate', 'web1']);
  t.is(after.stdout.trim(), 'running');
});
