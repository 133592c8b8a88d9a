// Issue 11, requirement 1: a simulated host never touches what it did not create. A
// stand-in "system" tree (files at the tool paths the simulator provides) must survive
// every sim:// URI that names it, directly or through '..'; URIs that name the filesystem
// root are refused; inside a simulator's own root, files it did not write stay as they are.
//
// The URIs that name the real root are only handed to the CLI after the code under test
// refused them in-process, and then as the unprivileged user when the tests run as root:
// even a regressed or stale build cannot write into '/'.
import test, {type ExecutionContext} from 'ava';
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {cliBundle, killSimProcesses} from '../../helpers/sim-dir.js';
import {layoutForUri} from '../../../driver/client/daemon-client.js';
import {DriverError} from '../../../driver/client/connection.js';
import {simHostLayout} from '../../../driver/sim/sim-backend.js';
import {ensureSimHost, stopSimHost} from '../../../driver/sim/sim-host.js';
import {updateHostStateSync} from '../../../driver/sim/host-state.js';
import {seedDemoDomains} from '../../../driver/sim/demo-domains.js';
import {openTtyBackend} from '../../../driver/sim/nmdm.js';

/** The file that marks a simulator's root (the contract, spelled out rather than imported). */
const MARKER = '.bhyve-tui-sim';
const MARKER_FIRST_LINE = /^bhyve-tui simulated FreeBSD host, format 1$/;

/** A scratch directory for one test; what ran in it is killed and it is removed afterwards. */
function scratch(t: ExecutionContext, label: string): string {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `bhyve-tui-foreign-${label}-`));
  fs.chmodSync(tmp, 0o755); // the unprivileged user below must be able to look inside
  t.teardown(() => {
    killSimProcesses(tmp);
    // Links to '/' go first, so that nothing below can ever follow one.
    for (const l of ['rootlink', 'rootlink2']) fs.rmSync(path.join(tmp, l), {force: true});
    fs.rmSync(tmp, {recursive: true, force: true});
  });
  return tmp;
}

const OLD = new Date('2001-02-03T04:05:06Z');

/** Files a FreeBSD (or Linux) root has at the simulator's paths, with known content. */
function standInSystem(root: string): void {
  const files: [string, string, number][] = [
    ['sbin/ifconfig', '#!/bin/sh\necho the real ifconfig\n', 0o755],
    ['sbin/kldload', '#!/bin/sh\necho the real kldload\n', 0o755],
    ['sbin/kldstat', '#!/bin/sh\necho the real kldstat\n', 0o755],
    ['sbin/sysctl', '#!/bin/sh\necho the real sysctl\n', 0o755],
    ['usr/sbin/bhyve', '#!/bin/sh\necho the real bhyve\n', 0o755],
    ['usr/sbin/bhyvectl', '#!/bin/sh\necho the real bhyvectl\n', 0o755],
    ['bin/ps', '#!/bin/sh\necho the real ps\n', 0o755],
    ['bin/sh', '#!/bin/sh\necho the real sh\n', 0o755],
    ['etc/rc.conf', 'hostname="realhost"\n', 0o644],
    ['var/log/messages', 'a real log line\n', 0o644],
    ['host.json', '{"not": "the simulator\'s"}\n', 0o644],
  ];
  for (const [rel, text, mode] of files) {
    const file = path.join(root, rel);
    fs.mkdirSync(path.dirname(file), {recursive: true});
    fs.writeFileSync(file, text, {mode});
    fs.utimesSync(file, OLD, OLD);
  }
  fs.mkdirSync(path.join(root, 'empty'));
}

/** Every entry below root: type, mode, inode, mtime and content (or link target). */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const name of fs.readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      const st = fs.lstatSync(p);
      const rel = path.relative(root, p);
      if (st.isSymbolicLink()) out[rel] = `link -> ${fs.readlinkSync(p)}`;
      else if (st.isDirectory()) {
        out[rel] = `dir ${(st.mode & 0o7777).toString(8)}`;
        walk(p);
      } else {
        // (the demo disk images are 2 GiB sparse files: their size stands for their content)
        const content = st.size > 1 << 20 ? `${st.size} bytes` : JSON.stringify(fs.readFileSync(p, 'utf8'));
        out[rel] = `file ${(st.mode & 0o7777).toString(8)} ino=${st.ino} mtime=${st.mtimeMs} ${content}`;
      }
    }
  };
  walk(root);
  return out;
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function bhyveTui(uri: string, args: string[], opts: {unprivileged?: boolean} = {}): Run {
  const asNobody = opts.unprivileged && process.getuid?.() === 0 ? {uid: 65534, gid: 65534} : {};
  const r = spawnSync(process.execPath, [cliBundle, '-c', uri, ...args], {encoding: 'utf8', input: '', timeout: 30_000, cwd: '/', ...asNobody});
  return {status: r.status, stdout: r.stdout, stderr: r.stderr};
}

/** The one 'error: ' line a refusal must be, or undefined. */
function oneErrorLine(r: Run): string | undefined {
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  return lines.length === 1 && lines[0]!.startsWith('error: ') ? lines[0]!.slice('error: '.length) : undefined;
}

const VERBS: string[][] = [['list'], ['host-validate'], ['daemon', '--background'], ['daemon']];

for (const [label, uriOf] of [
  ['the directory itself', (tree: string) => `sim://${tree}`],
  ["'..' that resolves to it", (tree: string) => `sim://${tree}/empty/..`],
  ["a percent-encoded '..' that resolves to it", (tree: string) => `sim://${tree}/empty/%2E%2e`],
] as const) {
  test(`a stand-in system tree named by ${label} is refused with one line, and nothing in it changes`, (t) => {
    const tmp = scratch(t, 'tree');
    const tree = path.join(tmp, 'system');
    standInSystem(tree);
    const before = snapshot(tree);
    const uri = uriOf(tree);
    for (const verb of VERBS) {
      const r = bhyveTui(uri, verb);
      const line = oneErrorLine(r);
      t.is(r.status, 1, `${verb.join(' ')}: ${r.stdout}${r.stderr}`);
      t.truthy(line, `${verb.join(' ')}: one error line, got: ${r.stderr}`);
      if (uri.includes('..') || /%2e/i.test(uri)) t.true(line?.includes(`'${uri}'`), `names the URI: ${line}`);
      else t.is(line, `${tree} exists and was not made by the bhyve-tui simulator; use a new or empty directory, e.g. sim:///tmp/bhyve-sim`);
      t.deepEqual(snapshot(tree), before, `${verb.join(' ')} left the tree as it was`);
    }
    t.deepEqual(fs.readdirSync(tmp), ['system'], 'nothing was made next to it either');
  });
}

test("URIs that name the filesystem root are refused with one line and never touch '/'", (t) => {
  const tmp = scratch(t, 'root');
  fs.symlinkSync('/', path.join(tmp, 'rootlink'));
  fs.symlinkSync(path.join(tmp, 'rootlink'), path.join(tmp, 'rootlink2'));
  const rootEntries = fs.readdirSync('/').sort();
  const uris = [
    'sim:///',
    'sim:////',
    'sim:///.',
    'sim:///x/..',
    'sim:///nonexistent/..',
    'sim:///tmp/%2e%2e',
    'sim:///tmp%2F..',
    'sim://%2F..',
    `sim://${tmp}/rootlink`,
    `sim://${tmp}/rootlink2/.`,
  ];
  for (const uri of uris) {
    // The guard: the code under test refuses it before any command is run with it.
    let refused: unknown;
    try {
      layoutForUri(uri);
    } catch (e) {
      refused = e;
    }
    if (!(refused instanceof DriverError)) {
      t.fail(`${uri} is accepted (it resolves to '/'); not handing it to the CLI`);
      continue;
    }
    t.false(refused.message.includes('\n'), refused.message);
    t.true(refused.message.includes(`'${uri}'`), `names the URI: ${refused.message}`);
    for (const verb of [['list'], ['host-validate']]) {
      const r = bhyveTui(uri, verb, {unprivileged: true});
      t.is(r.status, 1, `${uri} ${verb.join(' ')}: ${r.stdout}${r.stderr}`);
      const line = oneErrorLine(r);
      t.truthy(line, `${uri}: one error line, got: ${r.stderr}`);
      t.true(line?.includes(`'${uri}'`), `names the URI: ${line}`);
      t.regex(line ?? '', /sim:\/\/\/(tmp\/bhyve-sim|PATH)/, 'says what to do');
    }
  }
  t.deepEqual(fs.readdirSync('/').sort(), rootEntries, "nothing new in '/'");
  for (const p of ['/host.json', `/${MARKER}`, '/vm', '/dev/vmm', '/var/run/bhyve-sim']) t.false(fs.existsSync(p), p);
});

test("a new directory and an empty one become simulated hosts, marked as the simulator's", (t) => {
  const tmp = scratch(t, 'new');
  const fresh = path.join(tmp, 'a', 'b', 'new');
  const empty = path.join(tmp, 'empty');
  fs.mkdirSync(empty);
  for (const dir of [fresh, empty]) {
    const r = bhyveTui(`sim://${dir}`, ['list', '--all', '--name']);
    t.is(r.status, 0, r.stderr);
    t.regex(r.stdout, /freebsd14/);
    t.regex(fs.readFileSync(path.join(dir, MARKER), 'utf8').split('\n')[0]!, MARKER_FIRST_LINE);
  }
});

test('a simulated host made before the marker existed is adopted; one with foreign content next to it is not', async (t) => {
  const tmp = scratch(t, 'old');
  const dirs = [path.join(tmp, 'old'), path.join(tmp, 'old-plus')];
  for (const dir of dirs) {
    await ensureSimHost(dir);
    seedDemoDomains(simHostLayout(dir));
    // what an older bhyve-tui left: no marker, and no module files in boot/kernel
    fs.rmSync(path.join(dir, MARKER), {force: true});
    fs.rmSync(path.join(dir, 'boot'), {recursive: true, force: true});
  }
  fs.mkdirSync(path.join(dirs[1]!, 'lib'));
  fs.writeFileSync(path.join(dirs[1]!, 'lib', 'libc.so.7'), "not the simulator's");
  const hostJson = fs.readFileSync(path.join(dirs[0]!, 'host.json'), 'utf8');
  const r = bhyveTui(`sim://${dirs[0]}`, ['list', '--all', '--name']);
  t.is(r.status, 0, r.stderr);
  t.regex(r.stdout, /freebsd14/);
  t.regex(fs.readFileSync(path.join(dirs[0]!, MARKER), 'utf8').split('\n')[0]!, MARKER_FIRST_LINE);
  t.is(fs.readFileSync(path.join(dirs[0]!, 'host.json'), 'utf8'), hostJson, 'adoption keeps the host as it was');

  const before = snapshot(dirs[1]!);
  const refused = bhyveTui(`sim://${dirs[1]}`, ['list']);
  t.is(refused.status, 1);
  t.is(
    oneErrorLine(refused),
    `${dirs[1]} looks like a simulated host of an older bhyve-tui but also holds lib, which the simulator does not make; move it out, or use a new or empty directory, e.g. sim:///tmp/bhyve-sim`,
  );
  t.deepEqual(snapshot(dirs[1]!), before);
});

test('inside its own root the simulator never replaces a tool it did not write; absentPaths lets one stay', async (t) => {
  const tmp = scratch(t, 'tool');
  const dir = path.join(tmp, 'host');
  await ensureSimHost(dir);
  const kldstat = path.join(dir, 'sbin', 'kldstat');
  fs.rmSync(kldstat);
  fs.writeFileSync(kldstat, '#!/bin/sh\necho my own kldstat\n', {mode: 0o755});
  fs.utimesSync(kldstat, OLD, OLD);
  const before = snapshot(dir);
  const e = await t.throwsAsync(ensureSimHost(dir), {instanceOf: DriverError});
  t.is(
    e?.message,
    `${kldstat} was not written by the bhyve-tui simulator, so it is not replaced; remove it, or list /sbin/kldstat in ${path.join(dir, 'host.json')}'s absentPaths to keep it`,
  );
  t.deepEqual(snapshot(dir), before);
  // The CLI says the same in one line.
  const r = bhyveTui(`sim://${dir}`, ['host-validate']);
  t.is(r.status, 1);
  t.is(oneErrorLine(r), e?.message);
  t.deepEqual(snapshot(dir), before);

  // Listed as absent, the simulator does not provide it and leaves the file alone.
  updateHostStateSync(dir, (s) => void s.absentPaths.push('/sbin/kldstat'));
  await ensureSimHost(dir);
  t.is(fs.readFileSync(kldstat, 'utf8'), '#!/bin/sh\necho my own kldstat\n');
  t.is(fs.statSync(kldstat).mtimeMs, OLD.getTime());
});

test('absentPaths removes only what the simulator made: a firmware file of ours goes, a foreign one stays', async (t) => {
  const tmp = scratch(t, 'absent');
  const ours = path.join(tmp, 'ours');
  const theirs = path.join(tmp, 'theirs');
  const fw = (d: string) => path.join(d, 'usr/local/share/uefi-firmware/BHYVE_UEFI.fd');
  const node = (d: string) => path.join(d, 'usr/local/bin/node');
  for (const d of [ours, theirs]) await ensureSimHost(d);
  fs.rmSync(fw(theirs));
  fs.writeFileSync(fw(theirs), 'a ROM of my own');
  fs.rmSync(node(theirs));
  fs.writeFileSync(node(theirs), '#!/bin/sh\necho v22.0.0\n', {mode: 0o755});
  const before = snapshot(theirs);
  for (const d of [ours, theirs]) {
    updateHostStateSync(d, (s) => void s.absentPaths.push('/usr/local/share/uefi-firmware/BHYVE_UEFI.fd', '/usr/local/bin/node'));
    await ensureSimHost(d);
  }
  t.false(fs.existsSync(fw(ours)));
  t.false(fs.existsSync(node(ours)));
  const after = snapshot(theirs);
  for (const f of ['usr/local/share/uefi-firmware/BHYVE_UEFI.fd', 'usr/local/bin/node']) t.is(after[f], before[f], f);
});

test('demo domains never replace a domain file or disk image that is already there, nor write through a link', async (t) => {
  const tmp = scratch(t, 'demo');
  const dir = path.join(tmp, 'host');
  await ensureSimHost(dir);
  const layout = simHostLayout(dir);
  const web1Xml = path.join(layout.domainsDir, 'web1.xml');
  fs.mkdirSync(layout.domainsDir, {recursive: true});
  fs.writeFileSync(web1Xml, "<domain type='bhyve'><name>web1</name><memory>1</memory></domain>\n");
  fs.mkdirSync(path.join(dir, 'vm/web1'), {recursive: true});
  fs.writeFileSync(path.join(dir, 'vm/web1/disk0.img'), 'my data');
  // A dangling link where a demo disk goes: following it would create a file outside.
  fs.mkdirSync(path.join(dir, 'vm/db1'), {recursive: true});
  const outside = path.join(tmp, 'outside.img');
  fs.symlinkSync(outside, path.join(dir, 'vm/db1/disk0.img'));
  const before = snapshot(dir);
  seedDemoDomains(layout);
  const after = snapshot(dir);
  for (const f of ['usr/local/etc/bhyve-tui/domains/web1.xml', 'vm/web1/disk0.img', 'vm/db1/disk0.img']) t.is(after[f], before[f], f);
  t.false(fs.existsSync(outside), 'nothing was written through the link');
  t.true(fs.existsSync(path.join(layout.domainsDir, 'freebsd14.xml')), 'the other demos are there');
});

test('the boot messages follow host.json unless someone put their own dmesg.boot there', async (t) => {
  const tmp = scratch(t, 'dmesg');
  const dir = path.join(tmp, 'host');
  await ensureSimHost(dir);
  const dmesg = path.join(dir, 'var/run/dmesg.boot');
  updateHostStateSync(dir, (s) => void (s.vmmHardware = false));
  t.regex(fs.readFileSync(dmesg, 'utf8'), /VT-x: \(disabled in BIOS\)/, 'ours follows host.json');
  fs.rmSync(dmesg);
  fs.writeFileSync(dmesg, '---<<BOOT>>---\nCPU: AMD EPYC 7302\n  SVM: NP,NRIP,VClean\n');
  fs.utimesSync(dmesg, OLD, OLD);
  const before = snapshot(dir)['var/run/dmesg.boot'];
  updateHostStateSync(dir, (s) => void (s.vmmHardware = true));
  t.is(snapshot(dir)['var/run/dmesg.boot'], before);
});

test('an nmdm name whose file the relay did not make is not replaced: the open fails naming it', async (t) => {
  const tmp = scratch(t, 'nmdm');
  const dir = path.join(tmp, 'host');
  await ensureSimHost(dir);
  t.teardown(() => stopSimHost(dir));
  const link = path.join(dir, 'dev/nmdm-mine.1A');
  fs.writeFileSync(link, 'not a tty');
  fs.utimesSync(link, OLD, OLD);
  const before = snapshot(dir)['dev/nmdm-mine.1A'];
  const e = t.throws(() => openTtyBackend(dir, '/dev/nmdm-mine.1A'));
  t.regex(e?.message ?? '', new RegExp(`${link.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not a console the simulator made`));
  t.is(snapshot(dir)['dev/nmdm-mine.1A'], before);
  t.false(fs.existsSync(path.join(dir, 'dev/nmdm-mine.1B')), 'no relay was started');
});
