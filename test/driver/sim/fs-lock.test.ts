// The simulator's cross-process lock (driver/sim/fs-lock.ts) keeps its critical sections
// apart even when its holder was killed: sim tools are SIGKILLed and SIGTERMed mid-update
// (destroy, a loader stopped at its menu), and every waiter then finds the lock stale at
// once. Two waiters that both break it must not both hold it: a VM instance removed by
// bhyvectl --destroy and written back by a bhyve in the same instant is a VM nobody runs.
import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {spawn} from 'node:child_process';
import {fileURLToPath} from 'node:url';

const lockModule = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../driver/sim/fs-lock.ts');

// The workers live through all rounds (starting one costs more than a round). In round R
// each says it is ready, then takes the lock `times` times, then says it is done. Inside,
// it marks the critical section with a file only one process may create: finding it taken
// means two holders at once. The counter is a plain read-modify-write: two holders lose an
// update.
const worker = `
import fs from 'node:fs';
const {withLockSync} = await import(process.argv[1]);
const [lock, dir, times, rounds, id] = process.argv.slice(2);
const pause = new Int32Array(new SharedArrayBuffer(4));
for (let round = 1; round <= Number(rounds); round++) {
  while (!fs.existsSync(dir + '/go.' + round)) {
    if (!fs.existsSync(dir)) process.exit(2); // the test is gone
    Atomics.wait(pause, 0, 0, 2);
  }
  fs.writeFileSync(dir + '/ready.' + round + '.' + id, '');
  for (let i = 0; i < Number(times); i++) {
    withLockSync(lock, () => {
      try {
        fs.writeFileSync(dir + '/inside', id, {flag: 'wx'});
      } catch {
        fs.appendFileSync(dir + '/overlaps', 'round ' + round + ': ' + id + ' found ' + fs.readFileSync(dir + '/inside', 'utf8') + ' inside; ');
      }
      const n = Number(fs.readFileSync(dir + '/counter', 'utf8'));
      Atomics.wait(pause, 0, 0, 1);
      fs.writeFileSync(dir + '/counter', String(n + 1));
      fs.rmSync(dir + '/inside', {force: true});
    });
  }
  fs.writeFileSync(dir + '/done.' + round + '.' + id, '');
}
`;

const children = new Set<ReturnType<typeof spawn>>();

function runWorker(args: string[]): Promise<0 | string> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', worker, lockModule, ...args], {stdio: ['ignore', 'ignore', 'pipe']});
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    children.add(child);
    child.on('close', (code) => resolve(code === 0 ? 0 : `exit ${code}: ${stderr.trim().split('\n').slice(0, 6).join(' | ')}`));
  });
}

async function until(what: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 10))) if (what()) return true;
  return what();
}

test('waiters that all find the lock stale at once still take it one at a time', async (t) => {
  t.timeout(180_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bhyve-tui-fslock-'));
  t.teardown(() => {
    // A worker left waiting (a failed round) must not spin on after the test.
    for (const child of children) child.kill('SIGKILL');
    fs.rmSync(dir, {recursive: true, force: true});
  });
  const locks = path.join(dir, 'locks');
  fs.mkdirSync(locks);
  const lock = path.join(locks, 'host.lock');
  const workers = 8;
  const times = 3;
  const rounds = 30;
  const count = (prefix: string) => fs.readdirSync(dir).filter((f) => f.startsWith(prefix)).length;
  fs.writeFileSync(path.join(dir, 'counter'), '0');
  const done = Promise.all(Array.from({length: workers}, (_, i) => runWorker([lock, dir, String(times), String(rounds), String(i)])));
  for (let round = 1; round <= rounds; round++) {
    // A holder that will be killed mid-update, as destroy kills a bhyve or a loader.
    const holder = spawn('sleep', ['60'], {stdio: 'ignore'});
    fs.mkdirSync(lock);
    fs.writeFileSync(path.join(lock, 'owner'), String(holder.pid));
    fs.writeFileSync(path.join(dir, `go.${round}`), '');
    // Every worker waits on the live holder; then it dies and they all find it stale.
    t.true(await until(() => count(`ready.${round}.`) === workers, 60_000), `round ${round}: every worker waits for the lock`);
    await new Promise((r) => setTimeout(r, 30));
    holder.kill('SIGKILL');
    t.true(await until(() => count(`done.${round}.`) === workers, 60_000), `round ${round}: every worker got the lock ${times} times`);
    t.deepEqual(fs.readdirSync(locks), [], `round ${round}: the lock is released and nothing is left beside it`);
  }
  t.deepEqual(await done, Array(workers).fill(0), 'every worker exits 0');
  const overlaps = fs.existsSync(path.join(dir, 'overlaps')) ? fs.readFileSync(path.join(dir, 'overlaps'), 'utf8') : '';
  t.is(overlaps, '', 'never two holders at once');
  t.is(Number(fs.readFileSync(path.join(dir, 'counter'), 'utf8')), workers * times * rounds, 'no update was lost');
});
