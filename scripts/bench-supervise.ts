// npm run bench -- supervise: 50 simulated guests under one daemon. Reports the daemon's
// idle CPU and memory (total and per guest, against the same daemon with no guests) and
// how long a guest's exit takes to reach a subscribed client, against the time Node needs
// to see its own child exit in the same run (the floor for any supervisor).
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {cli, cliAsync, daemonPid, fastSimHost, removeSimDir} from '../test/helpers/sim-dir.js';
import {DaemonConnection} from '../driver/client/daemon-client.js';

const guests = Number(process.env.BENCH_GUESTS ?? 50);
const idleSeconds = Number(process.env.BENCH_IDLE_S ?? 10);
const clkTck = 100; // USER_HZ on Linux

function cpuTicks(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime
}

function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

async function idleCpuPercent(pid: number, seconds: number): Promise<number> {
  const t0 = cpuTicks(pid);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  return ((cpuTicks(pid) - t0) / clkTck / seconds) * 100;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))]!;

/** The floor: how long Node takes to learn that its own child died. */
async function childExitFloorMs(samples: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < samples; i++) {
    const child = spawn('sleep', ['60']);
    await new Promise((r) => child.once('spawn', r));
    const t0 = process.hrtime.bigint();
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    out.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return out;
}

async function main(): Promise<void> {
  const fakeT = {teardown: () => {}};
  const dir = fastSimHost(fakeT, 'bench-supervise');
  try {
    const hostJson = path.join(dir, 'host.json');
    const state = JSON.parse(fs.readFileSync(hostJson, 'utf8')) as Record<string, unknown>;
    state.ncpu = Math.max(64, os.availableParallelism());
    fs.writeFileSync(hostJson, JSON.stringify(state, null, 2));
    const domainsDir = path.join(dir, 'usr/local/etc/bhyve-tui/domains');
    const template = fs.readFileSync(path.join(domainsDir, 'web1.xml'), 'utf8');
    for (let i = 0; i < guests; i++) {
      const name = `g${String(i).padStart(3, '0')}`;
      fs.mkdirSync(path.join(dir, 'vm', name), {recursive: true});
      fs.writeFileSync(path.join(dir, 'vm', name, 'disk0.img'), '');
      const xml = template
        .replace('<name>web1</name>', `<name>${name}</name>`)
        .replace(/<uuid>[^<]+<\/uuid>/, '')
        .replaceAll('/vm/web1/', `/vm/${name}/`)
        .replaceAll('nmdm-web1.1', `nmdm-${name}.1`);
      fs.writeFileSync(path.join(domainsDir, `${name}.xml`), xml);
    }
    cli(dir, ['list']);
    const pid = daemonPid(dir);
    await new Promise((r) => setTimeout(r, 2000));
    const rss0 = rssKiB(pid);
    const cpu0 = await idleCpuPercent(pid, Math.min(5, idleSeconds));

    const names = Array.from({length: guests}, (_, i) => `g${String(i).padStart(3, '0')}`);
    const t0 = Date.now();
    for (let i = 0; i < names.length; i += 5) {
      const batch = await Promise.all(names.slice(i, i + 5).map((n) => cliAsync(dir, ['start', n])));
      for (const r of batch) if (r.status !== 0) throw new Error(`start failed: ${r.stderr}`);
    }
    const startAll = (Date.now() - t0) / 1000;
    await new Promise((r) => setTimeout(r, 3000)); // let the guests finish booting
    const rss1 = rssKiB(pid);
    const cpu1 = await idleCpuPercent(pid, idleSeconds);

    // Exit → client latency: kill bhyve (the guest dies at once) and time the event.
    const conn = await DaemonConnection.open(`sim://${dir}`);
    const domains = await conn.listDomains();
    const latencies: number[] = [];
    for (const name of names.slice(0, 10)) {
      const bhyvePid = domains.find((d) => d.name === name)!.pid!;
      const seen = new Promise<number>((resolve) => {
        const off = conn.subscribe((e) => {
          if (e.type === 'domain' && e.name === name && e.state !== 'running') {
            off();
            resolve(performance.now());
          }
        });
      });
      await new Promise((r) => setTimeout(r, 50));
      const killedAt = performance.now();
      process.kill(bhyvePid, 'SIGKILL');
      latencies.push((await seen) - killedAt);
    }
    conn.close();
    const floor = await childExitFloorMs(10);

    const perGuestKiB = (rss1 - rss0) / guests;
    console.log(`supervise: ${guests} simulated guests under one daemon (pid ${pid}); started in ${startAll.toFixed(1)} s`);
    console.log(`daemon idle CPU, no guests:        ${cpu0.toFixed(2)} % of one core`);
    console.log(`daemon idle CPU, ${guests} guests:       ${cpu1.toFixed(2)} % of one core over ${idleSeconds} s   (target < 1 %)`);
    console.log(`daemon RSS, no guests:             ${(rss0 / 1024).toFixed(1)} MiB`);
    console.log(
      `daemon RSS, ${guests} guests:            ${(rss1 / 1024).toFixed(1)} MiB   → ${(perGuestKiB / 1024).toFixed(3)} MiB per guest   (target < 2 MiB)`,
    );
    console.log(
      `guest exit → client sees the state: median ${median(latencies).toFixed(1)} ms, p95 ${p95(latencies).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms   (target < 200 ms)`,
    );
    console.log(`reference, Node sees its own child exit: median ${median(floor).toFixed(2)} ms → ratio ${(median(latencies) / median(floor)).toFixed(1)}x`);
    console.log(`per guest outside the daemon: one sh exit recorder, ${recorderRss(dir)} KiB RSS`);
  } finally {
    removeSimDir(dir);
  }
}

/** RSS of one guest's exit recorder (sh), the only per-guest process bhyve-tui adds. */
function recorderRss(dir: string): number {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmd.includes('bhyve-tui-recorder') && cmd.includes(dir)) return rssKiB(Number(entry));
    } catch {
      // gone
    }
  }
  return NaN;
}

main().catch((e: unknown) => {
  console.error(`bench supervise: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
