// npm run bench -- translate [--runs N] [--domains N] [--verbose]
//
// 1. Translation: for every xml2argv input of ../shared/libvirt-bhyve, the median time of
//    parse + validate + build (what `domxml-to-native` does), in µs per domain.
// 2. Listing: N domain files (default 1,000) in a temporary simulated host, timed end to
//    end as `bhyve-tui -c sim:///DIR list --all`, next to `virsh -c test:///FILE list --all`
//    over the same domains in libvirt's test driver, and the ratio of the two.
// Figures only; nothing is asserted (machines differ). Needs a built dist/bhyve-tui.js.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {spawnSync} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {defaultHostCaps} from '../driver/bhyve/capabilities.js';
import {parseDomainXml} from '../driver/domain/xml-parse.js';
import {domainDefToNative} from '../driver/bhyve/native-argv-convert.js';
import {daemonPidPath} from '../driver/protocol/messages.js';
import type {HostLayout} from '../driver/host/layout.js';
import {simHostLayout} from '../driver/sim/sim-backend.js';
import {claimSimRoot} from '../driver/sim/sim-root.js';
import {benchDomainName, benchDomainXml, testNodeXml} from './bench-domains.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const corpus = path.resolve(repoRoot, '..', 'shared', 'libvirt-bhyve');
const bundle = path.join(repoRoot, 'dist', 'bhyve-tui.js');

const argv = process.argv.slice(3);
const option = (name: string, dflt: number) => {
  const i = argv.indexOf(name);
  const v = i >= 0 ? Number(argv[i + 1]) : dflt;
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${name} needs a positive integer`);
  return v;
};
const runs = option('--runs', 7);
const domainCount = option('--domains', 1000);
const verbose = argv.includes('--verbose');

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const fmtMs = (ms: number) => `${ms.toFixed(0)} ms`;

// ---- 1. translation ----

function translateBench(): void {
  const casesFile = path.join(corpus, 'cases.json');
  if (!fs.existsSync(casesFile)) {
    console.log(`translate: skipped, no corpus at ${corpus}`);
    return;
  }
  const cases = (JSON.parse(fs.readFileSync(casesFile, 'utf8')) as {xml2argv: {input: string}[]}).xml2argv;
  const inputs = [...new Set(cases.map((c) => c.input))].map((rel) => ({
    name: path.basename(rel, '.xml').replace(/^bhyvexml2argv-/, ''),
    xml: fs.readFileSync(path.join(corpus, rel), 'utf8'),
  }));
  const caps = defaultHostCaps();
  const once = (xml: string): boolean => {
    try {
      domainDefToNative(parseDomainXml(xml, {caps: caps.caps}), caps);
      return true;
    } catch {
      return false; // rejected inputs are timed too: finding the error is part of the work
    }
  };
  // warm up the JIT on the whole corpus first
  for (let i = 0; i < 30; i++) for (const x of inputs) once(x.xml);
  const rows: {name: string; us: number; ok: boolean}[] = [];
  for (const x of inputs) {
    const samples: number[] = [];
    let ok = true;
    const until = performance.now() + 40;
    while (samples.length < 50 || (performance.now() < until && samples.length < 2000)) {
      const t0 = performance.now();
      ok = once(x.xml);
      samples.push((performance.now() - t0) * 1000);
    }
    rows.push({name: x.name, us: median(samples), ok});
  }
  const all = rows.map((r) => r.us);
  console.log(
    `translate: parse + validate + build (domxml-to-native, dry run), ${rows.length} xml2argv inputs, ${rows.filter((r) => !r.ok).length} of them rejected`,
  );
  console.log(
    `  median per domain: ${median(all).toFixed(1)} µs   (fastest input ${Math.min(...all).toFixed(1)} µs, slowest ${Math.max(...all).toFixed(1)} µs)`,
  );
  const shown = verbose ? rows : [...rows].sort((a, b) => b.us - a.us).slice(0, 5);
  console.log(verbose ? '  every input:' : '  slowest inputs:');
  for (const r of shown) console.log(`    ${r.us.toFixed(1).padStart(8)} µs  ${r.name}${r.ok ? '' : ' (rejected)'}`);
}

// ---- 2. listing N domains ----

function timed(cmd: string, args: string[], expectRows: number): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024});
  const ms = performance.now() - t0;
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr.trim()}`);
  const lines = r.stdout.split('\n');
  const rows = lines.slice(lines.findIndex((l) => /^-{10,}$/.test(l)) + 1).filter((l) => l.trim() !== '').length;
  if (rows !== expectRows) throw new Error(`${cmd} listed ${rows} domains, expected ${expectRows}`);
  return ms;
}

function stopDaemon(layout: HostLayout): void {
  try {
    const pid = Number(fs.readFileSync(daemonPidPath(layout), 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0) process.kill(pid, 'SIGTERM');
  } catch {
    return; // no daemon runs
  }
  const deadline = Date.now() + 5000;
  while (fs.existsSync(daemonPidPath(layout)) && Date.now() < deadline) spawnSync('sleep', ['0.05']);
}

function listBench(): void {
  if (!fs.existsSync(bundle)) {
    console.log(`list: skipped, ${bundle} is missing (npm run build)`);
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bt-bench-'));
  const layout = simHostLayout(dir);
  try {
    claimSimRoot(dir); // the simulator's directory, so files may go in before its first start
    fs.mkdirSync(layout.domainsDir, {recursive: true});
    // a new simulated host gets demo domains unless it was seeded before: only ours here
    fs.writeFileSync(path.join(layout.configDir, '.seeded'), 'bench\n');
    for (let i = 1; i <= domainCount; i++) fs.writeFileSync(path.join(layout.domainsDir, `${benchDomainName(i)}.xml`), benchDomainXml('bhyve', i));
    const ours = [bundle, '-c', `sim://${dir}`, 'list', '--all'];
    // cold: no daemon yet, so the client starts one and it reads every file
    const cold: number[] = [];
    for (let i = 0; i < Math.min(runs, 5); i++) {
      stopDaemon(layout);
      cold.push(timed(process.execPath, ours, domainCount));
    }
    // warm: the daemon runs and has every definition parsed already
    const warm: number[] = [];
    for (let i = 0; i < runs; i++) warm.push(timed(process.execPath, ours, domainCount));
    console.log(`list: ${domainCount} domain files, \`bhyve-tui -c sim:///DIR list --all\` end to end, median of ${runs} runs`);
    console.log(`  bhyve-tui, daemon running:        ${fmtMs(median(warm))}`);
    console.log(`  bhyve-tui, daemon started by it:  ${fmtMs(median(cold))}  (median of ${cold.length})`);
    const nodeFloor = median(
      Array.from({length: runs}, () => {
        const t0 = performance.now();
        spawnSync(process.execPath, ['-e', '0']);
        return performance.now() - t0;
      }),
    );
    console.log(`  (node -e 0 alone:                 ${fmtMs(nodeFloor)})`);

    const haveVirsh = spawnSync('sh', ['-c', 'command -v virsh'], {stdio: 'ignore'}).status === 0;
    if (!haveVirsh) {
      console.log('  virsh: not installed (Debian: apt-get install libvirt-clients); no comparison');
      return;
    }
    const nodeFile = path.join(dir, 'node.xml');
    fs.writeFileSync(nodeFile, testNodeXml(domainCount));
    const virshArgs = ['-c', `test://${nodeFile}`, 'list', '--all'];
    const virsh: number[] = [];
    for (let i = 0; i < runs; i++) virsh.push(timed('virsh', virshArgs, domainCount));
    const v = median(virsh);
    console.log(`  virsh -c test:///FILE list --all: ${fmtMs(v)}  (libvirt's test driver, same ${domainCount} domains in one file)`);
    console.log(`  ratio bhyve-tui / virsh: ${(median(warm) / v).toFixed(2)} with the daemon running, ${(median(cold) / v).toFixed(2)} when it must start`);
  } finally {
    stopDaemon(layout);
    fs.rmSync(dir, {recursive: true, force: true});
  }
}

translateBench();
console.log('');
listBench();
