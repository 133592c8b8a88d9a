import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {attachConsole, bhyveArgs, loadVm, simHost, startTool, within} from './helpers.js';

const relayPid = (dir: string, base = 'nmdm0'): number => Number(fs.readFileSync(path.join(dir, 'var', 'run', 'bhyve-sim', 'nmdm', `${base}.pid`), 'utf8'));

/** utime + stime of a process, in clock ticks. */
function cpuTicks(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

async function until(ms: number, cond: () => boolean, what: string): Promise<void> {
  await within(
    ms,
    (async () => {
      while (!cond()) await new Promise((r) => setTimeout(r, 50));
    })(),
    what,
  );
}

test('both nmdm names appear on first open and vanish once both sides are closed', async (t) => {
  const dir = await simHost(t);
  await loadVm(t, dir, 'n1');
  // bhyveload opened nmdm0A; both names exist while... nobody holds either side now
  t.true(fs.existsSync(path.join(dir, 'dev', 'nmdm0B')));
  t.true(fs.lstatSync(path.join(dir, 'dev', 'nmdm0A')).isSymbolicLink());
  const pid = relayPid(dir);
  await until(10000, () => !fs.existsSync(path.join(dir, 'dev', 'nmdm0A')), 'pair torn down');
  t.false(fs.existsSync(path.join(dir, 'dev', 'nmdm0B')));
  await until(5000, () => !fs.existsSync(`/proc/${pid}`) || fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z '), 'relay exit');
  t.pass();
});

test('relay and guest are idle when nothing happens (no busy loop)', async (t) => {
  const dir = await simHost(t);
  await loadVm(t, dir, 'idle1');
  const bhyve = startTool(t, dir, 'bhyve', bhyveArgs('idle1'));
  const con = await attachConsole(t, dir);
  await con.waitFor(/login: $/, 15000, '\r');
  const relay = relayPid(dir);
  const pid = bhyve.child.pid!;
  const measure = async (): Promise<[number, number]> => {
    const r0 = cpuTicks(relay);
    const b0 = cpuTicks(pid);
    await new Promise((r) => setTimeout(r, 2000));
    return [cpuTicks(relay) - r0, cpuTicks(pid) - b0];
  };
  // both sides open: the relay sleeps in poll()
  const [relayBoth, bhyveIdle] = await measure();
  // only the A side open: the relay re-checks B every 200 ms
  con.close();
  const [relayOne] = await measure();
  t.log(`ticks in 2 s: relay both-open ${relayBoth}, relay one-open ${relayOne}, bhyve ${bhyveIdle}`);
  // a busy loop would burn ~200 ticks (100 Hz) in 2 s
  t.true(relayBoth <= 20);
  t.true(relayOne <= 20);
  t.true(bhyveIdle <= 20);
});

test('guest output with no client attached is dropped, the guest never blocks', async (t) => {
  const dir = await simHost(t, (s) => {
    s.bootDelayMs = 0;
  });
  await loadVm(t, dir, 'drop1');
  const bhyve = startTool(t, dir, 'bhyve', bhyveArgs('drop1'));
  // the simulator records the guest's progress in the VM instance file
  const stage = (): string | undefined => {
    try {
      return (JSON.parse(fs.readFileSync(path.join(dir, 'dev', 'vmm', 'drop1'), 'utf8')) as {guestStage?: string}).guestStage;
    } catch {
      return undefined;
    }
  };
  await until(10000, () => stage() === 'login', 'guest at the login prompt');
  // attach late: the boot text is gone, a fresh prompt comes after Enter
  const con = await attachConsole(t, dir);
  await con.waitFor(/login: $/, 10000, '\r');
  t.notRegex(con.text, /Copyright/);
  bhyve.child.kill('SIGTERM');
  t.is((await within(10000, bhyve.done, 'bhyve exit')).code, 1);
});
