// A destroy that comes at any moment of a start stops the guest and returns, in particular
// while a stage is being spawned: the daemon does not know its pid yet, and a UEFI guest has
// no VM yet either. The destroy is sent when the guest's log shows the daemon about to spawn
// the loader or bhyve (its `run:` line), and a few milliseconds later.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import {bhyvesOf, cli, defineUefi, eventually, fastSimHost, sttysOf, within} from '../../helpers/sim-dir.js';
import {updateHostStateSync} from '../../../driver/sim/host-state.js';
import {simViolations} from '../../../driver/sim/sim-host.js';
import {openConnection} from '../../../driver/client/daemon-client.js';

const settle = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: Error) => e.message,
  );

for (const name of ['uefi1', 'web1']) {
  test.serial(`a destroy at any moment of a start stops the guest and returns (${name === 'web1' ? 'bhyveload' : 'UEFI'})`, async (t) => {
    t.timeout(5 * 60_000);
    const dir = fastSimHost(t, `dst-start-${name}`);
    if (name === 'uefi1') defineUefi(dir);
    const starter = await openConnection(`sim://${dir}`);
    const destroyer = await openConnection(`sim://${dir}`);
    t.teardown(() => {
      starter.close();
      destroyer.close();
    });
    const logFile = path.join(dir, 'var/log/bhyve-tui', `${name}.log`);
    const size = () => (fs.existsSync(logFile) ? fs.statSync(logFile).size : 0);
    const outcomes = new Map<string, number>();
    const stages = name === 'web1' ? [' run: /usr/sbin/bhyveload ', ' run: /usr/sbin/bhyve '] : [' run: /usr/sbin/bhyve '];
    for (const stage of stages) {
      for (let delay = 0; delay <= 12; delay += 2) {
        const what = `destroy ${delay} ms after '${stage.trim()}'`;
        const offset = size();
        const start = settle(starter.start(name));
        // The daemon logs the line just before it spawns the stage.
        for (const until = Date.now() + 20_000; Date.now() < until; await new Promise((r) => setImmediate(r))) {
          if (size() > offset && fs.readFileSync(logFile, 'latin1').slice(offset).includes(stage)) break;
        }
        if (delay) await new Promise((r) => setTimeout(r, delay));
        const destroyed = await within(20_000, settle(destroyer.destroy(name)), what);
        const started = await within(20_000, start, `the start (${what})`);
        // Too late (the start had finished and the guest stopped): nothing to destroy.
        if (destroyed !== 'ok') await within(20_000, settle(destroyer.destroy(name)), `destroy after the start (${what})`);
        const key = `start ${started === 'ok' ? 'ok' : started.replace(/.*(cancelled).*/, '$1')}, destroy ${destroyed === 'ok' ? 'ok' : destroyed}`;
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
        const d = (await destroyer.listDomains()).find((x) => x.name === name)!;
        t.is(d.state, 'shut off', `${what}: ${JSON.stringify(d)}`);
        t.deepEqual(bhyvesOf(dir, name), [], `${what}: no bhyve is left`);
        t.false(fs.existsSync(path.join(dir, 'dev/vmm', name)), `${what}: no /dev/vmm/${name} is left`);
        if (d.state !== 'shut off') return;
      }
    }
    const log = cli(dir, ['log', name]).stdout;
    t.log(`outcomes: ${[...outcomes].map(([k, n]) => `${n} × ${k}`).join('; ')}`);
    t.log(`destroys that came while bhyve was being spawned: ${(log.match(/spawned while the destroy came/g) ?? []).length}`);
  });
}

test.serial('a start right after a destroy that came while the console was being set up: the two set-ups never hold it at once', async (t) => {
  t.timeout(60_000);
  const dir = fastSimHost(t, 'dst-console');
  defineUefi(dir);
  // stty is slow to start: the console's first descriptor is held 1.5 s before CLOCAL is set.
  updateHostStateSync(dir, (s) => {
    s.faults['*'] = {...s.faults['*'], sttyStartDelayMs: 1500};
  });
  const conn = await openConnection(`sim://${dir}`);
  t.teardown(() => conn.close());
  const stty = () => sttysOf(dir);
  const first = settle(conn.start('uefi1'));
  await eventually('the console set-up (stty) to run', () => stty().length > 0);
  const sent = Date.now();
  t.is(await within(20_000, settle(conn.destroy('uefi1')), 'the destroy'), 'ok');
  // The destroy ends the start's step first: the set-up has let go of the console (1.8 s measured).
  t.deepEqual(stty(), [], `the console set-up still runs after the destroy returned (${Date.now() - sent} ms)`);
  t.regex(await within(20_000, first, 'the first start'), /cancelled: the domain was destroyed/);
  // The next start opens the console again while the first set-up's stty may still hold it:
  // on FreeBSD that open would find a console without CLOCAL and no carrier.
  t.is(await within(20_000, settle(conn.start('uefi1')), 'the second start'), 'ok');
  t.deepEqual(simViolations(dir), [], 'no open of the console would have waited for carrier');
  t.is((await conn.listDomains()).find((d) => d.name === 'uefi1')?.state, 'running');
  t.is(await within(20_000, settle(conn.destroy('uefi1')), 'the last destroy'), 'ok');
});
