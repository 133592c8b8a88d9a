// A destroy that comes at any moment of a start stops the guest and returns, in particular
// while a stage is being spawned: the daemon does not know its pid yet, and a UEFI guest has
// no VM yet either. The destroy is sent when the guest's log shows the daemon about to spawn
// the loader or bhyve (its `run:` line), and a few milliseconds later.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import {bhyvesOf, cli, defineUefi, fastSimHost, within} from '../../helpers/sim-dir.js';
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
