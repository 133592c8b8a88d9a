// The console is byte for byte: all 256 byte values typed on the client's terminal reach
// the guest, and all 256 values the guest prints reach the terminal, unchanged and in
// order. The guest runs `stty raw -echo; cat` (no echo, no CR/NL mapping, no signals),
// so what comes back is exactly what went in. The escape byte itself cannot be typed
// through a session that uses it, so two sessions with different escapes cover all 256.
import test from 'ava';
import {attached, hostWithGuest, loginRoot, ptyClient} from './helpers.js';

function allBytesBut(escapeByte: number): Buffer {
  const up = Array.from({length: 256}, (_, i) => i).filter((b) => b !== escapeByte);
  return Buffer.from([...up, ...[...up].reverse()]);
}

test('all 256 byte values pass both ways unchanged (guest in stty raw -echo; cat)', async (t) => {
  const dir = await hostWithGuest(t, 'con-bin');

  const one = ptyClient(t, dir, ['console', 'web1']); // escape ^] (0x1d)
  await attached(one, 'web1');
  await loginRoot(one, 'web1');
  let m = one.mark();
  one.send('stty raw -echo; cat\r');
  await one.waitFor((b) => b.toString('latin1').endsWith('stty raw -echo; cat\r\n'), m);
  m = one.mark();
  const first = allBytesBut(0x1d);
  one.send(first);
  await one.waitFor((b) => b.length >= first.length, m);
  t.deepEqual(one.out.subarray(m), first, 'session 1: every byte but 0x1d, back unchanged');
  one.send(Buffer.from([0x1d]));
  t.is(await one.exit(), 0);

  // cat is still running in raw mode (Ctrl-C and Ctrl-D were ordinary bytes).
  const two = ptyClient(t, dir, ['console', 'web1', '-e', '^a']); // escape 0x01
  const after = await attached(two, 'web1');
  await two.waitFor((b) => b.subarray(b.length - first.length).equals(first), after); // the replay ends with it
  m = two.mark();
  const second = allBytesBut(0x01);
  two.send(second);
  await two.waitFor((b) => b.length >= second.length, m);
  t.deepEqual(two.out.subarray(m), second, 'session 2: every byte but 0x01 (0x1d included), back unchanged');
  two.send(Buffer.from([0x01]));
  t.is(await two.exit(), 0);
});
