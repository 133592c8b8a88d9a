// The protocol's one typed definition (driver/protocol/methods.ts) at work: `tsc -p .`
// (which covers test/) fails if any line marked @ts-expect-error below compiles, i.e. if a
// misspelled method, a wrong parameter or a wrong use of a result got through.
import test from 'ava';
import type {DaemonConnection} from '../../../driver/client/daemon-client.js';
import {PROTOCOL, type Params, type Result} from '../../../driver/protocol/methods.js';

// Never called: only compiled (exported so that the compiler keeps it).
// biome-ignore lint/suspicious/noExportsInTest: the point is the compile-time errors, not a test
export async function misuses(conn: DaemonConnection): Promise<void> {
  // @ts-expect-error a method the daemon does not have
  await conn.request('listDomain', []);
  // @ts-expect-error a name must be a string
  await conn.request('start', [42]);
  // @ts-expect-error setAutostart needs whether to enable it
  await conn.request('setAutostart', ['web1']);
  // @ts-expect-error the list is an array of summaries, not a string
  const text: string = await conn.request('listDomains', []);
  void text;
  const ok: Result<'dumpXml'> = await conn.request('dumpXml', ['web1', true]);
  void ok;
}

test('the hello carries the protocol number and the build', (t) => {
  const hello: Params<'hello'> = [{protocol: PROTOCOL, build: 'x'}];
  t.is(hello[0].protocol, 2);
});
