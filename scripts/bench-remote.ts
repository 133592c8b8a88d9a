// npm run bench -- remote: a simulated host reached over ssh (a real sshd on 127.0.0.1,
// test/helpers/sshd.ts) against the same host through its local socket, in the same run.
//
//  * `bhyve-tui list --all` end to end: local; over ssh on a first call (a new ssh
//    connection: TCP, key exchange, login); over ssh once a connection is shared
//    (ControlMaster), as every later call of a session is;
//  * console keystroke → echo: a key written to an attached console (DaemonConnection.
//    openConsole), the guest's login prompt echoes it; p50/p99 over BENCH_KEYS keys, local
//    and over ssh;
//  * the TUI's first frame with five hosts of 200 domains each against one host of 1,000,
//    all over ssh (shared connections, daemons running): from the command typed in a
//    shell in tmux to every host's rows on the screen. One host draws its first frame
//    before Ink (early-start.ts); several hosts are drawn by Ink as each one answers.
//  * for reference, the remote login itself: `ssh HOST true` over the shared connection
//    (the remote user's shell starts; a heavy ~/.bashrc shows here, not in bhyve-tui).
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {openConnection} from '../driver/client/daemon-client.js';
import {cli, cliBundle, eventually, fastSimHost, makeSimDir, removeSimDir} from '../test/helpers/sim-dir.js';
import {TmuxSession, tmuxAvailable} from '../test/helpers/tmux.js';
import {benchDomainName, benchDomainXml} from './bench-domains.js';
import {startSshd, sshdMissing} from '../test/helpers/sshd.js';

const runs = Number(process.env.BENCH_RUNS ?? 7);
const keys = Number(process.env.BENCH_KEYS ?? 200);

const missing = sshdMissing();
if (missing) {
  console.log(`remote: skipped, ${missing}`);
  process.exit(0);
}

const teardowns: (() => void | Promise<void>)[] = [];

/** A simulated host with exactly `count` benchmark domains, numbered from `from`, its daemon running. */
function benchHost(label: string, from: number, count: number): string {
  const dir = makeSimDir(label);
  teardowns.push(() => removeSimDir(dir));
  cli(dir, ['list']);
  const domainsDir = path.join(dir, 'usr/local/etc/bhyve-tui/domains');
  for (const file of fs.readdirSync(domainsDir)) fs.rmSync(path.join(domainsDir, file));
  for (let i = from; i < from + count; i++) fs.writeFileSync(path.join(domainsDir, `${benchDomainName(i)}.xml`), benchDomainXml('bhyve', i));
  return dir;
}

async function tuiFirstFrame(sshd: Awaited<ReturnType<typeof startSshd>>): Promise<void> {
  if (!tmuxAvailable()) {
    console.log('TUI first frame: skipped (needs tmux)');
    return;
  }
  const five = Array.from({length: 5}, (_, k) => ({name: `host${k + 1}`, dir: benchHost(`bench-five-${k + 1}`, 1 + k * 200, 200)}));
  const one = benchHost('bench-one', 1, 1000);
  const config = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-remote-config-'));
  teardowns.push(() => fs.rmSync(config, {recursive: true, force: true}));
  fs.mkdirSync(path.join(config, 'bhyve-tui'));
  fs.writeFileSync(path.join(config, 'bhyve-tui', 'bhyve-tui.json'), JSON.stringify({connections: five.map((h) => ({name: h.name, uri: sshd.simUri(h.dir)}))}));
  // Every host's daemon is up and its shared ssh connection open, as in a session's later runs.
  for (const dir of [...five.map((h) => h.dir), one])
    spawnSync(process.execPath, [cliBundle, '-c', sshd.simUri(dir), 'list'], {env: sshd.env, stdio: 'ignore'});
  const tmux = new TmuxSession('bench-remote');
  teardowns.push(() => tmux.kill());
  tmux.start(['sh'], {cols: 120, rows: 40});
  await tmux.waitFor(/[$#] *$/m, 10_000);
  const env = `env -u CI XDG_RUNTIME_DIR=${sshd.runtimeDir} XDG_CONFIG_HOME=${config}`;
  // The status line as it changes (how many hosts are in, which failed), for the last run.
  let trace: string[] = [];
  const time = async (command: string, shown: (screen: string) => boolean): Promise<number> => {
    tmux.keys('clear', 'Enter');
    await tmux.waitFor((screen) => !/NAME/.test(screen) && /[$#] *$/m.test(screen), 10_000);
    const t0 = performance.now();
    tmux.type(command);
    tmux.keys('Enter');
    trace = [];
    let last = '';
    await tmux.waitFor((screen) => {
      const status =
        screen
          .split('\n')
          .find((line) => / on \d+ of \d+ hosts|domains, \d+ running|Loading/.test(line))
          ?.trim() ?? '';
      if (status !== last) trace.push(`+${(performance.now() - t0).toFixed(0)} ms  ${(last = status)}`);
      return shown(screen);
    }, 60_000);
    const took = performance.now() - t0;
    tmux.keys('q');
    await tmux.waitFor((screen) => /[$#] *$/m.test(screen.trimEnd()) && !/NAME\s+STATE/.test(screen), 15_000);
    return took;
  };
  // Only the first host's rows fit on the screen; the status line counts every host's.
  const fiveShown = (screen: string) => /1000 domains, 0 running on 5 of 5 hosts/.test(screen) && screen.includes(benchDomainName(1));
  const oneShown = (screen: string) => /NAME/.test(screen) && screen.includes(benchDomainName(1));
  const frameRuns = Math.max(3, Math.ceil(runs / 2));
  const fiveMs: number[] = [];
  const oneMs: number[] = [];
  for (let i = 0; i <= frameRuns; i++) {
    const a = await time(`${env} ${process.execPath} ${cliBundle}`, fiveShown);
    const fiveTrace = trace;
    const b = await time(`${env} ${process.execPath} ${cliBundle} -c '${sshd.simUri(one)}'`, oneShown);
    if (i === 0) continue; // warms the page cache
    fiveMs.push(a);
    oneMs.push(b);
    if (i === frameRuns) console.log(`five hosts, the last run's status line:\n${fiveTrace.map((l) => `    ${l}`).join('\n')}`);
  }
  console.log(`TUI first frame over ssh, from the command to every host's rows, median of ${frameRuns}:`);
  console.log(`  one host × 1000 domains:         ${ms(median(oneMs))}`);
  console.log(`  five hosts × 200 domains:        ${ms(median(fiveMs))}   ratio ${(median(fiveMs) / median(oneMs)).toFixed(2)}`);
}
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

  // The remote login alone, over the shared connection.
  const sshTrue = Array.from({length: runs}, () => {
    const t0 = performance.now();
    spawnSync(
      'ssh',
      [
        '-T',
        '-o',
        'BatchMode=yes',
        '-o',
        `ControlPath=${sshd.runtimeDir}/%C`,
        '-o',
        'ControlMaster=auto',
        '-i',
        sshd.key,
        '-o',
        `UserKnownHostsFile=${sshd.knownHosts}`,
        '-p',
        String(sshd.port),
        'root@127.0.0.1',
        'true',
      ],
      {stdio: 'ignore'},
    );
    return performance.now() - t0;
  });
  console.log(`for reference, ssh root@127.0.0.1 true over the shared connection: ${ms(median(sshTrue))}`);

  await tuiFirstFrame(sshd);
} finally {
  for (const fn of teardowns.reverse()) await fn();
}
