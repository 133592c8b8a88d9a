// npm run bench -- remote: a simulated host reached over ssh (a real sshd on 127.0.0.1,
// test/helpers/sshd.ts) against the same host through its local socket, in the same run.
//
//  * `bhyve-tui list --all` end to end: local; over ssh on a first call (a new ssh
//    connection: TCP, key exchange, login); over ssh once a connection is shared
//    (ControlMaster), as every later call of a session is;
//  * console keystroke → echo: a key written to an attached console (DaemonConnection.
//    openConsole), the guest's login prompt echoes it; p50/p99 over BENCH_KEYS keys, local
//    and over ssh.
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {openConnection} from '../driver/client/daemon-client.js';
import {cliBundle, eventually, fastSimHost} from '../test/helpers/sim-dir.js';
import {startSshd, sshdMissing} from '../test/helpers/sshd.js';

const runs = Number(process.env.BENCH_RUNS ?? 7);
const keys = Number(process.env.BENCH_KEYS ?? 200);

const missing = sshdMissing();
if (missing) {
  console.log(`remote: skipped, ${missing}`);
  process.exit(0);
}

const teardowns: (() => void | Promise<void>)[] = [];
const t = {teardown: (fn: () => void | Promise<void>) => teardowns.push(fn)};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]!;
const ms = (x: number) => `${x.toFixed(x < 10 ? 1 : 0)} ms`;

try {
  const dir = fastSimHost(t, 'bench-remote');
  const sshd = await startSshd(t);
  const local = `sim://${dir}`;
  const remote = sshd.simUri(dir);
  const list = (uri: string, env: NodeJS.ProcessEnv) => {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [cliBundle, '-c', uri, 'list', '--all'], {encoding: 'utf8', env, input: ''});
    if (r.status !== 0) throw new Error(`list over ${uri}: ${r.stderr}`);
    return performance.now() - t0;
  };
  list(local, sshd.env); // the daemon is up and warm for both
  const localMs = Array.from({length: runs}, () => list(local, sshd.env));
  // A first call: no shared connection yet (each in a runtime directory of its own).
  const firstMs = Array.from({length: Math.max(3, Math.ceil(runs / 2))}, (_, i) => {
    const runtime = fs.mkdtempSync(path.join(os.tmpdir(), `bt-first-${i}-`));
    t.teardown(() => fs.rmSync(runtime, {recursive: true, force: true}));
    return list(remote, {...sshd.env, XDG_RUNTIME_DIR: runtime});
  });
  list(remote, sshd.env); // opens the shared connection
  const sharedMs = Array.from({length: runs}, () => list(remote, sshd.env));
  console.log(`remote: a simulated host over a real sshd on 127.0.0.1 (OpenSSH ${spawnSync('ssh', ['-V'], {encoding: 'utf8'}).stderr.trim()})`);
  console.log(`list --all, end to end, median of ${runs}:`);
  console.log(`  local socket:                    ${ms(median(localMs))}`);
  console.log(`  over ssh, first call:            ${ms(median(firstMs))}   ratio ${(median(firstMs) / median(localMs)).toFixed(2)}`);
  console.log(`  over ssh, shared connection:     ${ms(median(sharedMs))}   ratio ${(median(sharedMs) / median(localMs)).toFixed(2)}`);

  // The console: web1 at its login prompt, one connection each way.
  const localConn = await openConnection(local);
  await localConn.start('web1');
  await eventually(
    'web1 running',
    () => spawnSync(process.execPath, [cliBundle, '-c', local, 'domstate', 'web1'], {encoding: 'utf8'}).stdout === 'running\n\n',
  );
  process.env.XDG_RUNTIME_DIR = sshd.runtimeDir; // this process's ssh shares the connection too
  const remoteConn = await openConnection(remote);
  const echo = async (conn: typeof localConn): Promise<number[]> => {
    const channel = await conn.openConsole('web1', {force: true});
    let seen = '';
    let wake = () => {};
    channel.onData((b) => {
      seen += b.toString('latin1');
      wake();
    });
    const until = (text: string) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no echo of ${JSON.stringify(text)}; got ${JSON.stringify(seen.slice(-200))}`)), 10_000);
        wake = () => {
          if (seen.includes(text)) {
            clearTimeout(timer);
            resolve();
          }
        };
        wake();
      });
    channel.write(Buffer.from('\r'));
    await until('login: ');
    const times: number[] = [];
    for (let i = 0; i < keys; i++) {
      seen = '';
      const t0 = performance.now();
      channel.write(Buffer.from('x'));
      await until('x');
      seen = '';
      channel.write(Buffer.from([0x7f]));
      await until('\b \b');
      times.push(performance.now() - t0);
    }
    channel.close();
    return times;
  };
  const localKeys = await echo(localConn);
  const remoteKeys = await echo(remoteConn);
  console.log(`console keystroke → echo (a key and its DEL), ${keys} round trips:`);
  console.log(`  local socket:   p50 ${ms(pct(localKeys, 50))}   p99 ${ms(pct(localKeys, 99))}`);
  console.log(
    `  over ssh:       p50 ${ms(pct(remoteKeys, 50))}   p99 ${ms(pct(remoteKeys, 99))}   ratio p50 ${(pct(remoteKeys, 50) / pct(localKeys, 50)).toFixed(2)}, p99 ${(pct(remoteKeys, 99) / pct(localKeys, 99)).toFixed(2)}`,
  );
  await localConn.destroy('web1');
  localConn.close();
  remoteConn.close();
} finally {
  for (const fn of teardowns.reverse()) await fn();
}
