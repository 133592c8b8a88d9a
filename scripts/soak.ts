// npm run soak -- --minutes N [--seed S] [--workers W] [--keep]
//
// Random operations against 10 simulated guests on one simulated host for N minutes:
// starts, ACPI shutdowns, destroys, reboots, console attaches and detaches, redefinitions
// and kill -9 of the daemon (followed by clients racing to start a new one), from a few
// concurrent workers through the built CLI and a client connection. Every so often the
// workers pause and the invariants are checked; at the end once more, then after every
// guest was stopped. Each invariant prints PASS or FAIL with its numbers; any FAIL exits 1.
// The seed (printed) replays the same sequence of choices; timing still differs.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {spawn} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {openConnection, type DaemonConnection} from '../driver/client/daemon-client.js';
import {DriverError, type DomainSummary} from '../driver/client/connection.js';
import {parseDomainXml} from '../driver/domain/xml-parse.js';
import {isTransient} from '../driver/domain/state.js';
import {readHostStateSync, updateHostStateSync} from '../driver/sim/host-state.js';
import {simViolations} from '../driver/sim/sim-host.js';
import {pidAlive} from '../driver/host/process-alive.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cliBundle = path.join(repo, 'dist', 'bhyve-tui.js');

// ---- options ----

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  if (i < 0) return undefined;
  const v = process.argv[i + 1];
  if (v === undefined || v.startsWith('--')) usage(`${name} needs a value`);
  return v;
}
function usage(problem: string): never {
  console.error(`soak: ${problem}\nusage: npm run soak -- --minutes N [--seed S] [--workers W] [--keep]`);
  process.exit(2);
}
const minutes = Number(option('--minutes') ?? '2');
if (!(minutes > 0 && minutes <= 24 * 60)) usage('--minutes must be a number of minutes above 0');
const seed = option('--seed') !== undefined ? Number(option('--seed')) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
const workers = Number(option('--workers') ?? '3');
if (!(Number.isInteger(workers) && workers >= 1 && workers <= 16)) usage('--workers must be 1 to 16');
const keep = process.argv.includes('--keep');
if (!fs.existsSync(cliBundle)) usage('dist/ is missing: run `npm run build` first');

// ---- seeded choices (mulberry32) ----

let state = seed;
function random(): number {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- the host ----

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bhyve-tui-soak-'));
const uri = `sim://${dir}`;
const runDir = path.join(dir, 'var/run/bhyve-tui');
const logDir = path.join(dir, 'var/log/bhyve-tui');
const domainsDir = path.join(dir, 'usr/local/etc/bhyve-tui/domains');
const guests = Array.from({length: 10}, (_, i) => `soak-g${i}`);

function cli(args: string[], timeoutMs = 120_000): Promise<{status: number; stdout: string; stderr: string}> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliBundle, '-c', uri, ...args], {stdio: ['ignore', 'pipe', 'pipe']});
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      stderr += `\n(soak: no answer within ${timeoutMs / 1000} s)`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({status: code ?? 1, stdout, stderr});
    });
  });
}

/** Guest i: a console each; every other one on the bridge; bhyveload, two UEFI, one GRUB. */
function guestXml(i: number, revision: number): string {
  const name = guests[i]!;
  const uefi = i === 3 || i === 7;
  const grub = i === 5;
  const os = uefi
    ? `  <os>\n    <type>hvm</type>\n    <loader readonly='yes' type='pflash'>/usr/local/share/uefi-firmware/BHYVE_UEFI.fd</loader>\n  </os>\n`
    : `${grub ? '  <bootloader>/usr/local/sbin/grub-bhyve</bootloader>\n' : ''}  <os>\n    <type>hvm</type>\n  </os>\n`;
  const net = i % 2 === 0 ? `    <interface type='bridge'>\n      <model type='virtio'/>\n      <source bridge='bridge0'/>\n    </interface>\n` : '';
  return `<domain type='bhyve'>
  <name>${name}</name>
  <uuid>5c0ad6d6-5e61-4b0d-9a43-${(0x50a000000000 + i).toString(16)}</uuid>
  <description>soak guest ${i}, revision ${revision}</description>
  <memory unit='KiB'>262144</memory>
  <vcpu>1</vcpu>
${os}  <features>
    <apic/>
    <acpi/>
  </features>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <disk type='file' device='disk'>
      <driver name='file' type='raw'/>
      <source file='/vm/${name}/disk0.img'/>
      <target dev='vda' bus='virtio'/>
    </disk>
${net}    <serial type='nmdm'>
      <source master='/dev/nmdm-${name}.1A' slave='/dev/nmdm-${name}.1B'/>
    </serial>
  </devices>
</domain>
`;
}

// ---- processes and files of this host ----

interface Proc {
  pid: number;
  ppid: number;
  argv: string[];
  env: string;
}

function processes(): Proc[] {
  const out: Proc[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const argv = fs
        .readFileSync(`/proc/${entry}/cmdline`, 'utf8')
        .split('\0')
        .filter((a) => a !== '');
      let env = '';
      try {
        env = fs.readFileSync(`/proc/${entry}/environ`, 'utf8');
      } catch {
        // not ours
      }
      if (!argv.join(' ').includes(dir) && !env.includes(`BHYVE_SIM_ROOT=${dir}\0`)) continue;
      if (!pidAlive(Number(entry))) continue;
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      out.push({pid: Number(entry), ppid: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]), argv, env});
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

const isDaemonLine = (p: Proc) => p.argv[1] === cliBundle && p.argv.includes(uri) && p.argv.includes('daemon');
/** The daemons among procs. A daemon's child between fork and exec still has its command line: not one. */
const daemonsAmong = (procs: Proc[]) => {
  const lines = procs.filter(isDaemonLine);
  return lines.filter((p) => !lines.some((q) => q.pid === p.ppid));
};
const isRelay = (p: Proc) => p.argv[1]?.endsWith('nmdm-relay.py') === true;
const isRecorder = (p: Proc) => p.argv.includes('bhyve-tui-recorder');
const bhyveName = (p: Proc) => (p.argv[0]?.startsWith('bhyve: ') ? p.argv[0].slice('bhyve: '.length).replace(/ \(bhyve\)$/, '') : null);
const isLoader = (p: Proc) => p.env.includes('BHYVE_SIM_TOOL=bhyveload') || p.env.includes('BHYVE_SIM_TOOL=grub-bhyve');
const relayGuest = (p: Proc) => /nmdm-(soak-g\d+)\.1A$/.exec(p.argv[2] ?? '')?.[1] ?? '?';

function fdCount(pid: number): number {
  try {
    return fs.readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return -1;
  }
}
function fdTargets(pid: number): Map<string, string> {
  const out = new Map<string, string>();
  try {
    for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
      try {
        out.set(fd, fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
      } catch {
        // closed meanwhile
      }
    }
  } catch {
    // gone
  }
  return out;
}
function rssKiB(pid: number): number {
  try {
    return Number(/^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? -1);
  } catch {
    return -1;
  }
}

function ping(): Promise<number | null> {
  return new Promise((resolve) => {
    const sock = net.createConnection(path.join(runDir, 'daemon.sock'));
    let buf = '';
    const done = (v: number | null) => {
      sock.destroy();
      resolve(v);
    };
    sock.setTimeout(10_000, () => done(null));
    sock.on('error', () => done(null));
    sock.on('connect', () => sock.write(`${JSON.stringify({id: 1, method: 'ping', params: []})}\n`));
    sock.on('data', (c: Buffer) => {
      buf += c.toString();
      if (!buf.includes('\n')) return;
      try {
        done((JSON.parse(buf.slice(0, buf.indexOf('\n'))) as {result: {pid: number}}).result.pid);
      } catch {
        done(null);
      }
    });
  });
}

interface RunRecord {
  name: string;
  daemonPid: number;
  phase: string;
  pid?: number;
}
function runRecord(name: string): RunRecord | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(runDir, `${name}.json`), 'utf8')) as RunRecord;
  } catch {
    return null;
  }
}
function stopRecord(name: string): {state: string; reason: string; at: string; error?: string} | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(runDir, `${name}.last.json`), 'utf8')) as {state: string; reason: string; at: string};
  } catch {
    return null;
  }
}

// ---- operations ----

type Outcome = 'ok' | 'refused' | 'error';
const counts = new Map<string, Record<Outcome, number>>();
const findings: string[] = [];
/** Refusals any operation may meet: another worker changed the guest first. */
const expected = [
  /is already running/,
  /is not running/,
  /Requested operation is not valid/,
  /is in use by pid/,
  /start of '.*' cancelled: the domain was destroyed/,
  /not running; start it first/,
];
/** ...and those of an operation that a daemon kill -9 cut short (or left an orphan for). */
const afterKill = [
  /the connection to the bhyve-tui daemon was lost/,
  /the bhyve-tui daemon closed the console connection/,
  /console of '.*': (write EPIPE|read ECONNRESET|connect ECONNREFUSED)/,
  /has leftovers of an earlier run/,
  /the console of '.*' could not be opened/,
];
function count(op: string, outcome: Outcome, detail?: string): void {
  const c = counts.get(op) ?? {ok: 0, refused: 0, error: 0};
  c[outcome]++;
  counts.set(op, c);
  if (outcome === 'error' && detail) findings.push(`${op}: ${detail.trim().split('\n').slice(0, 3).join(' | ')}`);
}
function judge(op: string, e: unknown, killsBefore: number): void {
  const msg = e instanceof Error ? e.message : String(e);
  const killed = daemonKills > killsBefore || (/has leftovers/.test(msg) && daemonKills > 0);
  count(op, expected.some((re) => re.test(msg)) || (killed && afterKill.some((re) => re.test(msg))) ? 'refused' : 'error', msg);
}

let conn: DaemonConnection | undefined;
/** daemonKills when each connection was asked for: a kill after that may break it later. */
const openedAtKill = new WeakMap<DaemonConnection, number>();
async function connection(): Promise<DaemonConnection> {
  if (conn) return conn;
  const kills = daemonKills;
  const c = await openConnection(uri);
  openedAtKill.set(c, kills);
  if (conn)
    c.close(); // another worker opened one meanwhile
  else conn = c;
  return conn;
}
/**
 * The connection broke (daemon killed): the next operation opens a new one. Only the one
 * that broke is dropped (`used`): another worker may already have opened the next.
 */
function dropConnection(e: unknown, used: DaemonConnection | undefined = conn): void {
  if (e instanceof DriverError && /connection to the bhyve-tui daemon was lost/.test(e.message) && used === conn) {
    conn?.close();
    conn = undefined;
  }
}

function withTimeout<T>(what: string, p: Promise<T>, ms = 120_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

async function viaConnection(op: string, act: (c: DaemonConnection) => Promise<unknown>): Promise<void> {
  const kills = daemonKills;
  let used: DaemonConnection | undefined;
  try {
    used = await connection();
    await withTimeout(op, act(used));
    count(op, 'ok');
  } catch (e) {
    dropConnection(e, used);
    // A connection opened before a kill that nobody has used since breaks in this operation.
    judge(op, e, used ? Math.min(kills, openedAtKill.get(used) ?? kills) : kills);
  }
}

async function viaCli(op: string, args: string[]): Promise<void> {
  const kills = daemonKills;
  const r = await cli(args);
  if (r.status === 0) count(op, 'ok');
  else judge(op, new Error(r.stderr || `exit ${r.status}`), kills);
}

const revisions = new Map<string, number>();
/** Automatic restarts count towards the crash-loop guard (3 in 60 s): at most 2 reboots a minute. */
const reboots = new Map<string, number[]>();
let daemonKills = 0;
let racingClients = 0;

const operations: {weight: number; run: () => Promise<void>}[] = [
  {
    weight: 24,
    run: async () => {
      const g = pick(guests);
      if (random() < 0.3) await viaCli('start (cli)', ['start', g]);
      else await viaConnection('start', (c) => c.start(g));
    },
  },
  {
    weight: 8,
    run: async () => {
      const g = pick(guests);
      await viaConnection('shutdown', (c) => c.shutdown(g, {timeoutS: 5 + Math.floor(random() * 10)}));
    },
  },
  {
    weight: 10,
    run: async () => {
      const g = pick(guests);
      if (random() < 0.3) await viaCli('destroy (cli)', ['destroy', g]);
      else await viaConnection('destroy', (c) => c.destroy(g));
    },
  },
  {
    weight: 7,
    run: async () => {
      const g = pick(guests);
      const now = Date.now();
      const recent = (reboots.get(g) ?? []).filter((t) => now - t < 65_000);
      if (recent.length >= 2) return;
      reboots.set(g, [...recent, now]);
      await viaConnection('reboot', (c) => c.reboot(g));
    },
  },
  {
    weight: 14,
    run: async () => {
      const g = pick(guests);
      const readonly = random() < 0.3;
      const force = !readonly && random() < 0.5;
      const holdMs = 100 + Math.floor(random() * 1500);
      await viaConnection('console attach/detach', async (c) => {
        const ch = await c.openConsole(g, {readonly, force});
        let bytes = 0;
        ch.onData((b) => (bytes += b.length));
        if (!readonly) ch.write(Buffer.from('\r'));
        await sleep(holdMs);
        ch.close();
        return bytes;
      });
    },
  },
  {
    weight: 8,
    run: async () => {
      const i = Math.floor(random() * guests.length);
      const rev = (revisions.get(guests[i]!) ?? 0) + 1;
      revisions.set(guests[i]!, rev);
      if (random() < 0.3) {
        const file = path.join(dir, `define-${i}-${rev}.xml`);
        fs.writeFileSync(file, guestXml(i, rev));
        await viaCli('define (cli)', ['define', file]);
        fs.rmSync(file, {force: true});
      } else {
        await viaConnection('define', (c) => c.define(guestXml(i, rev)));
      }
    },
  },
  {
    weight: 6,
    run: async () => {
      await viaCli('list (cli)', ['list', '--all']);
    },
  },
  {
    weight: 3,
    run: async () => {
      // kill -9 of the daemon, then clients racing: each may start a daemon, one may run.
      const daemons = daemonsAmong(processes());
      for (const d of daemons) process.kill(d.pid, 'SIGKILL');
      daemonKills++;
      conn?.close();
      conn = undefined;
      const racers = 2 + Math.floor(random() * 4);
      racingClients += racers;
      await Promise.all(Array.from({length: racers}, () => viaCli('list after kill -9 (cli, racing)', ['list', '--all'])));
    },
  },
];
const totalWeight = operations.reduce((s, o) => s + o.weight, 0);
function chooseOperation(): () => Promise<void> {
  let r = random() * totalWeight;
  for (const o of operations) {
    r -= o.weight;
    if (r < 0) return o.run;
  }
  return operations[0]!.run;
}

// ---- invariants ----

interface Check {
  name: string;
  ok: boolean;
  text: string;
}
const results: {round: string; checks: Check[]}[] = [];
/** The idle daemon's descriptors: number → what it points at. */
let idleFds = new Map<string, string>();
let idleRss = -1;

/** Waits until no guest is starting or stopping (or the time is up). */
async function settle(limitMs: number): Promise<string[]> {
  const deadline = Date.now() + limitMs;
  let unsettled: string[] = [];
  while (Date.now() < deadline) {
    try {
      const list = await withTimeout('list', (await connection()).listDomains(), 30_000);
      unsettled = list.filter((d) => guests.includes(d.name) && isTransient(d.state)).map((d) => `${d.name} ${d.state}`);
      if (unsettled.length === 0) return [];
    } catch (e) {
      dropConnection(e);
    }
    await sleep(500);
  }
  return unsettled;
}

/** Who made a stray VM instance and when, for the finding. */
function vmInstanceText(file: string): string {
  try {
    const vm = JSON.parse(fs.readFileSync(file, 'utf8')) as {
      createdBy?: string;
      creatorPid?: number;
      createdAt?: string;
      state?: string;
      bhyvePid?: number | null;
    };
    return `created by ${vm.createdBy} ${vm.creatorPid} at ${vm.createdAt}, state ${vm.state}, bhyve ${vm.bhyvePid ?? '-'}; modified ${fs.statSync(file).mtime.toISOString()}`;
  } catch (e) {
    return (e as Error).message;
  }
}

async function checkInvariants(round: string, opts: {quiesced?: boolean} = {}): Promise<Check[]> {
  const checks: Check[] = [];
  const add = (name: string, ok: boolean, text: string) => checks.push({name, ok, text});
  const unsettled = await settle(90_000);
  add(
    'guests settle',
    unsettled.length === 0,
    unsettled.length ? `still changing after 90 s: ${unsettled.join(', ')}` : 'no guest is in its loader or shutting down',
  );
  // A relay exits 2 s after both sides of its pair closed.
  await sleep(3000);

  let list: DomainSummary[] = [];
  try {
    list = await withTimeout('list', (await connection()).listDomains(), 30_000);
  } catch (e) {
    dropConnection(e);
  }
  const procs = processes();
  const daemons = daemonsAmong(procs);
  const answering = await ping();
  let pidFile = '';
  try {
    pidFile = fs.readFileSync(path.join(runDir, 'daemon.pid'), 'utf8').trim();
  } catch {
    // none
  }
  const daemon = daemons.length === 1 ? daemons[0]!.pid : -1;
  add(
    'one daemon',
    daemons.length === 1 && answering === daemon && pidFile === String(daemon),
    `${daemons.length} daemon process(es) [${daemons.map((d) => d.pid).join(', ')}]; daemon.sock answered by ${answering ?? 'nobody'}; daemon.pid says ${pidFile || 'nothing'}`,
  );

  // Every running guest: one bhyve, a run record owned by the live daemon naming it, and
  // no second supervisor in its log (one exit and one action per bhyve start).
  const bhyves = procs.filter((p) => bhyveName(p) !== null);
  const running = list.filter((d) => d.state === 'running').map((d) => d.name);
  const supervision: string[] = [];
  for (const name of guests) {
    const mine = bhyves.filter((p) => bhyveName(p) === name);
    const rec = runRecord(name);
    const isRunning = running.includes(name);
    if (mine.length > 1) supervision.push(`${name}: ${mine.length} bhyve processes`);
    if (isRunning && mine.length === 0) supervision.push(`${name}: listed running without a bhyve`);
    if (mine.length === 1 && !rec) supervision.push(`${name}: bhyve ${mine[0]!.pid} without a run record`);
    if (rec && rec.daemonPid !== daemon) supervision.push(`${name}: run record owned by ${rec.daemonPid}, not the daemon ${daemon}`);
    if (rec && mine.length === 1 && rec.pid !== mine[0]!.pid) supervision.push(`${name}: run record names pid ${rec.pid}, bhyve is ${mine[0]!.pid}`);
    let log = '';
    try {
      log = fs.readFileSync(path.join(logDir, `${name}.log`), 'utf8');
    } catch {
      // never started
    }
    for (const [i, part] of log
      .split(/ run: \/usr\/sbin\/bhyve /)
      .slice(1)
      .entries()) {
      const exits = (part.match(/bhyve exited with status/g) ?? []).length;
      const actions = (part.match(/ action: /g) ?? []).length;
      if (exits > 1 || actions > 1) supervision.push(`${name}: bhyve start #${i + 1} saw ${exits} exits and ${actions} actions (two supervisors?)`);
    }
    const crashes = log.match(/ stopped: crashed \(.*\)/g) ?? [];
    if (crashes.length) supervision.push(`${name}: ${crashes.join(', ')} in its log; no fault was injected`);
    const stop = stopRecord(name);
    if (stop?.state === 'crashed') supervision.push(`${name}: ended crashed (${stop.reason}${stop.error ? `: ${stop.error}` : ''}); no fault was injected`);
    const listed = list.find((d) => d.name === name);
    if (listed?.state === 'crashed') supervision.push(`${name}: listed crashed (${listed.reason ?? ''})`);
  }
  // Orphaned (a daemon killed in the middle of a start left a run record and no process):
  // an honest state that destroy clears, counted rather than failed.
  const orphaned = list.filter((d) => d.state === 'orphaned').map((d) => `${d.name} (${d.reason ?? ''})`);
  add(
    'every running guest supervised once',
    supervision.length === 0,
    `${supervision.length ? supervision.join('; ') : `${running.length} running, each with one bhyve and a run record of daemon ${daemon}`}${orphaned.length ? `; orphaned: ${orphaned.join(', ')}` : ''}`,
  );

  // No process of the host that no guest accounts for.
  const active = new Set(guests.filter((g) => runRecord(g)));
  const orphans: string[] = [];
  for (const p of procs) {
    if (isDaemonLine(p)) continue; // the daemon, or its child on the way to an exec
    // A host tool the live daemon is running right now (its periodic checks, a tap sweep)
    // is its child, not an orphan.
    if (p.ppid === daemon && /\/sim\/(ifconfig|kldstat|ps|stty|sysctl|bhyvectl)\.js$/.test(p.argv[1] ?? '')) continue;
    const name = bhyveName(p);
    const argvText = p.argv.join(' ');
    if (name !== null) {
      if (!active.has(name)) orphans.push(`bhyve ${name} (${p.pid})`);
    } else if (isRelay(p)) {
      if (!active.has(relayGuest(p))) orphans.push(`nmdm relay of ${relayGuest(p)} (${p.pid})`);
    } else if (isRecorder(p)) {
      const g = /\/(soak-g\d+)\.(loader|bhyve)\.status/.exec(argvText);
      if (!g || !active.has(g[1]!)) orphans.push(`exit recorder ${g?.[1] ?? '?'} ${g?.[2] ?? ''} (${p.pid})`);
    } else if (isLoader(p)) {
      orphans.push(`loader ${argvText.slice(-40)} (${p.pid}) with every guest settled`);
    } else {
      orphans.push(`${argvText.slice(0, 80)} (${p.pid})`);
    }
  }
  const counted = `${procs.filter(isRelay).length} relays, ${procs.filter(isRecorder).length} recorders, ${bhyves.length} bhyves for ${active.size} active guests`;
  add('no orphan processes', orphans.length === 0, orphans.length ? orphans.join('; ') : counted);

  // No stray files: what is in the run directory is a running guest's or the daemon's.
  const stray: string[] = [];
  const gens = fs.readdirSync(runDir).filter((f) => /^\.daemon\.\d+\.lock$/.test(f));
  for (const f of fs.readdirSync(runDir)) {
    if (['daemon.sock', 'daemon.pid', '.definitions-cache.json', 'bhyve-caps.json'].includes(f) || /^\.daemon\.\d+\.lock$/.test(f)) continue;
    const m = /^(soak-g\d+)\.(json|last\.json|loader\.pid|loader\.status|bhyve\.pid|bhyve\.status)$/.exec(f);
    if (m && (m[2] === 'last.json' || active.has(m[1]!))) continue;
    stray.push(`var/run/bhyve-tui/${f}`);
  }
  if (gens.length !== 1) stray.push(`${gens.length} lock generations (${gens.join(' ')})`);
  for (const f of fs.readdirSync(domainsDir)) if (!/^soak-g\d\.xml$|^(freebsd14|web1|db1|debian12)\.xml$/.test(f)) stray.push(`domains/${f}`);
  const devDir = path.join(dir, 'dev');
  for (const f of fs.readdirSync(devDir)) {
    const m = /^nmdm-(soak-g\d+)\.1[AB]$/.exec(f);
    if (m && !active.has(m[1]!)) stray.push(`dev/${f} (guest stopped)`);
  }
  for (const f of fs.existsSync(path.join(devDir, 'vmm')) ? fs.readdirSync(path.join(devDir, 'vmm')) : [])
    if (!active.has(f)) stray.push(`dev/vmm/${f} (guest stopped; ${vmInstanceText(path.join(devDir, 'vmm', f))})`);
  const taps = new Set(guests.flatMap((g) => (runRecord(g) as {taps?: string[]} | null)?.taps ?? []));
  for (const i of readHostStateSync(dir).interfaces) if (i.driver === 'tap' && !taps.has(i.name)) stray.push(`interface ${i.name} (no running guest's)`);
  const simTmp = path.join(dir, 'var/run/bhyve-sim/tmp');
  for (const f of fs.existsSync(simTmp) ? fs.readdirSync(simTmp) : []) stray.push(`var/run/bhyve-sim/tmp/${f}`);
  const violations = simViolations(dir);
  for (const v of violations) stray.push(`violations.log: ${v}`);
  add('no stray files', stray.length === 0, stray.length ? stray.join('; ') : `run directory: ${fs.readdirSync(runDir).length} files; violations.log empty`);

  // Every definition parses, and the daemon lists none as invalid.
  const bad: string[] = [];
  for (const f of fs.readdirSync(domainsDir).filter((x) => x.endsWith('.xml'))) {
    try {
      parseDomainXml(fs.readFileSync(path.join(domainsDir, f), 'utf8'));
    } catch (e) {
      bad.push(`${f}: ${(e as Error).message}`);
    }
  }
  for (const d of list) if (d.state === 'invalid') bad.push(`${d.name}: listed invalid (${d.error ?? ''})`);
  add(
    'every definition parses',
    bad.length === 0 && list.length > 0,
    bad.length ? bad.join('; ') : `${fs.readdirSync(domainsDir).length} definitions, ${list.length} listed`,
  );

  // Descriptors and memory: what an idle daemon holds, plus a few per running guest (domain
  // log, console log, the console's two descriptors, a watcher), and a fixed RSS bound.
  if (daemon > 0) {
    const fdLimit = opts.quiesced ? idleFds.size + 2 : idleFds.size + 6 * active.size + 10;
    const rssLimit = 256 * 1024;
    // A spawn in flight (the 10 s tap sweep of a daemon started after a kill -9, a kldstat for
    // the host panel) holds its stdio sockets for a moment: a leak is still there 3 s later.
    let fds = fdCount(daemon);
    for (const deadline = Date.now() + 3000; fds > fdLimit && Date.now() < deadline; fds = fdCount(daemon)) await sleep(100);
    const rss = rssKiB(daemon);
    const ok = fds <= fdLimit && rss <= rssLimit;
    let held = '';
    if (!ok) {
      // By kind (a later daemon's pipes have other inode numbers): what it holds more of.
      const kinds = (m: Map<string, string>) => {
        const n = new Map<string, number>();
        for (const k of [...m.values()].map((t) => t.replace(/\[\d+\]$/, ''))) n.set(k, (n.get(k) ?? 0) + 1);
        return n;
      };
      const idle = kinds(idleFds);
      const added = [...kinds(fdTargets(daemon))].filter(([k, n]) => n > (idle.get(k) ?? 0)).map(([k, n]) => `${k} ${n} (idle ${idle.get(k) ?? 0})`);
      const children = processes()
        .filter((p) => p.ppid === daemon)
        .map((p) => `${p.pid} ${p.argv.join(' ').slice(0, 60)}`);
      held = `; more than when idle: ${added.join(', ') || 'none'}; children: ${children.join(', ') || 'none'}`;
    }
    add(
      'daemon fds and RSS bounded',
      ok,
      `daemon ${daemon}: ${fds} fds (limit ${fdLimit}: idle ${idleFds.size}${opts.quiesced ? ' + 2' : ` + 6 × ${active.size} guests + 10`}), RSS ${(rss / 1024).toFixed(1)} MiB (limit ${rssLimit / 1024} MiB; idle ${(idleRss / 1024).toFixed(1)})${held}`,
    );
  } else {
    add('daemon fds and RSS bounded', false, 'no single daemon to measure');
  }
  results.push({round, checks});
  return checks;
}

function printChecks(round: string, checks: Check[]): void {
  console.log(`\n${round}:`);
  for (const c of checks) console.log(`  ${c.ok ? 'PASS' : 'FAIL'}  ${c.name}: ${c.text}`);
}

// ---- the run ----

async function main(): Promise<number> {
  console.log(`soak: seed ${seed}, ${minutes} min, ${workers} workers, 10 guests on ${uri}`);
  let r = await cli(['list']);
  if (r.status !== 0) throw new Error(`the simulated host did not start: ${r.stderr}`);
  updateHostStateSync(dir, (s) => {
    s.bootDelayMs = 80;
    s.autobootDelay = 0;
  });
  for (const [i, g] of guests.entries()) {
    const disk = path.join(dir, 'vm', g, 'disk0.img');
    fs.mkdirSync(path.dirname(disk), {recursive: true});
    fs.closeSync(fs.openSync(disk, 'w'));
    fs.truncateSync(disk, 1024 ** 3);
    const file = path.join(dir, `${g}.xml`);
    fs.writeFileSync(file, guestXml(i, 0));
    r = await cli(['define', file]);
    fs.rmSync(file);
    if (r.status !== 0) throw new Error(`define ${g}: ${r.stderr}`);
  }
  const first = daemonsAmong(processes());
  if (first.length !== 1) throw new Error(`expected one daemon after setup, found ${first.length}`);
  idleFds = fdTargets(first[0]!.pid);
  idleRss = rssKiB(first[0]!.pid);
  console.log(`idle daemon ${first[0]!.pid}: ${idleFds.size} fds, RSS ${(idleRss / 1024).toFixed(1)} MiB`);

  const started = Date.now();
  const deadline = started + minutes * 60_000;
  const checkEvery = Math.max(30_000, Math.min(120_000, (minutes * 60_000) / 3));
  let nextCheck = started + checkEvery;
  let ops = 0;
  while (Date.now() < deadline) {
    const until = Math.min(deadline, nextCheck);
    await Promise.all(
      Array.from({length: workers}, async () => {
        while (Date.now() < until) {
          ops++;
          await chooseOperation()();
          await sleep(Math.floor(random() * 300));
        }
      }),
    );
    if (Date.now() < deadline) {
      const round = `check ${results.length + 1} after ${((Date.now() - started) / 1000).toFixed(0)} s, ${ops} operations`;
      printChecks(round, await checkInvariants(round));
      nextCheck = Date.now() + checkEvery;
    }
  }
  const round = `final check after ${((Date.now() - started) / 1000).toFixed(0)} s, ${ops} operations`;
  printChecks(round, await checkInvariants(round));

  // Every guest stopped: the daemon is back to an idle daemon's descriptors, nothing runs.
  for (const g of guests) {
    try {
      await withTimeout('destroy', (await connection()).destroy(g));
    } catch (e) {
      dropConnection(e);
      if (!/is not running/.test((e as Error).message)) findings.push(`quiesce: destroy ${g}: ${(e as Error).message}`);
    }
  }
  const quiet = 'after every guest was destroyed';
  printChecks(quiet, await checkInvariants(quiet, {quiesced: true}));

  console.log(`\noperations (${ops} in ${((Date.now() - started) / 1000).toFixed(0)} s; ok / refused as expected / unexpected error):`);
  for (const [op, c] of [...counts].sort())
    console.log(`  ${op.padEnd(36)} ${String(c.ok).padStart(5)} ${String(c.refused).padStart(5)} ${String(c.error).padStart(5)}`);
  console.log(`daemon kill -9: ${daemonKills}, clients racing after them: ${racingClients}`);
  if (findings.length) {
    console.log(`\nunexpected errors (${findings.length}):`);
    for (const f of [...new Set(findings)].slice(0, 40)) console.log(`  ${f}`);
  }
  const failed = results.flatMap((x) => x.checks).filter((c) => !c.ok).length;
  const total = results.flatMap((x) => x.checks).length;
  const unexpected = findings.length;
  console.log(
    `\nsoak: seed ${seed}: ${total - failed} of ${total} invariant checks passed in ${results.length} rounds; ${unexpected} unexpected operation errors`,
  );
  return failed > 0 || unexpected > 0 ? 1 : 0;
}

let code = 1;
try {
  code = await main();
} catch (e) {
  console.error(`soak: ${(e as Error).stack ?? String(e)}`);
} finally {
  conn?.close();
  // Nothing of the simulated host outlives the soak.
  for (const p of processes()) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  if (keep) console.log(`kept ${dir}`);
  else fs.rmSync(dir, {recursive: true, force: true});
}
process.exit(code);
