// No single request blocks the daemon: while one client sends the worst input we can build
// for each scanner and parser the daemon runs (a broken definition file for the errors
// view, the XML of a define, the settings file a start reads, a huge protocol line), a
// second client pings it, and every ping is answered within 100 ms. The ping client is a
// process of its own (test/helpers/ping-probe.mjs); the daemon and the simulated host are
// the real ones. Each case logs its slowest ping. A process that answers pings at once
// (test/helpers/ping-control.mjs) is pinged beside the daemon as the reference: a late
// daemon ping while the reference waited too is the machine pausing (CI, other tests),
// counted as excused, not a daemon that blocks its loop.
//
// The parsers that run only in the CLI (native argv, URIs, escape specs) cannot block the
// daemon; they are bounded in test/properties/, and the last test here runs their worst
// inputs in this process against a CPU-time bound.
import test, {type ExecutionContext} from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import {execFileSync, spawn, type ChildProcessWithoutNullStreams} from 'node:child_process';
import net from 'node:net';
import {openConnection, type DaemonConnection} from '../../../driver/client/daemon-client.js';
import {DriverError} from '../../../driver/client/connection.js';
import {fastSimHost, helloLine, repoRoot} from '../../helpers/sim-dir.js';
import {parseConnectionUri} from '../../../driver/client/connection-uri.js';
import {parseEscape} from '../../../src/commands-lifecycle.js';
import {nativeToDomainXml} from '../../../driver/bhyve/native-argv-convert.js';
import {defaultHostCaps} from '../../../driver/bhyve/capabilities.js';
import {UsageError} from '../../../src/command-spec.js';
import {simHostLayout} from '../../../driver/sim/sim-backend.js';
import {readHostConfig} from '../../../driver/host/config.js';
import {updateHostStateSync} from '../../../driver/sim/host-state.js';

const limitMs = 100;
const probeScript = path.join(repoRoot, 'test', 'helpers', 'ping-probe.mjs');
const controlScript = path.join(repoRoot, 'test', 'helpers', 'ping-control.mjs');
const domainsDir = (dir: string) => path.join(dir, 'usr/local/etc/bhyve-tui/domains');
const socketOf = (dir: string) => path.join(dir, 'var/run/bhyve-tui/daemon.sock');
/** Just under the 1 MiB a definition may have, so that the parser reads it too. */
const fileBytes = 1024 * 1024 - 64;

/** `unit` repeated to `bytes`, after `head`. */
function fill(head: string, unit: string, bytes = fileBytes): string {
  return head + unit.repeat(Math.floor((bytes - head.length) / unit.length));
}

class PingProbe {
  private lines: string[] = [];
  private waiters: Array<() => void> = [];
  private exited = false;

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly control: ChildProcessWithoutNullStreams,
  ) {
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      let nl;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        this.lines.push(buffered.slice(0, nl));
        buffered = buffered.slice(nl + 1);
      }
      for (const w of this.waiters.splice(0)) w();
    });
    child.on('exit', () => {
      this.exited = true;
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static async start(dir: string, limit: number): Promise<PingProbe> {
    const controlSocket = path.join(dir, 'ping-control.sock');
    fs.rmSync(controlSocket, {force: true});
    const control = spawn(process.execPath, [controlScript, controlSocket], {stdio: ['pipe', 'pipe', 'pipe']});
    await new Promise<void>((resolve, reject) => {
      control.stdout.once('data', () => resolve());
      control.once('exit', () => reject(new Error('ping-control.mjs exited before it listened')));
    });
    const probe = new PingProbe(
      spawn(process.execPath, [probeScript, socketOf(dir), String(limit), controlSocket], {stdio: ['pipe', 'pipe', 'pipe']}),
      control,
    );
    await probe.line((l) => l === 'ready' || l.startsWith('error'), 15_000);
    return probe;
  }

  /** The first line that `match`es, once it comes. */
  async line(match: (line: string) => boolean, timeoutMs = 600_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.find(match);
      if (found !== undefined) return found;
      if (this.exited || Date.now() > deadline) throw new Error(`ping probe: no such line; it printed ${JSON.stringify(this.lines)}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 1000);
      });
    }
  }

  async stop(): Promise<{pings: number; worstMs: number; medianMs: number; excused: number}> {
    this.child.stdin.write('stop\n');
    return JSON.parse(await this.line((l) => l.startsWith('{'), 15_000)) as {pings: number; worstMs: number; medianMs: number; excused: number};
  }

  kill(): void {
    this.child.kill('SIGKILL');
    this.control.kill('SIGKILL');
  }
}

/**
 * Runs `work` while the probe pings; fails when a ping waits longer than `limit` ms in two
 * runs of it. One late ping is measured again: on a loaded machine (CI beside other jobs) a
 * scheduler pause is not a stalled daemon, but a daemon that blocks its loop is late every time.
 */
async function whilePinging<T>(t: ExecutionContext, dir: string, what: string, work: () => Promise<T>, limit = limitMs): Promise<T> {
  const first = await pingOnce(dir, what, work, limit);
  if (first.late === undefined) {
    t.log(first.summary);
    return first.result as T;
  }
  t.log(`${first.late}; measured again`);
  const second = await pingOnce(dir, what, work, limit);
  if (second.late !== undefined) throw new Error(`${second.late} (twice)`);
  t.log(second.summary);
  return second.result as T;
}

async function pingOnce<T>(dir: string, what: string, work: () => Promise<T>, limit: number): Promise<{result?: T; late?: string; summary: string}> {
  const probe = await PingProbe.start(dir, limit);
  try {
    const late = probe.line((l) => l.startsWith('late')).then((l) => ({late: `${what}: a ping waited ${l.slice(5)} ms without an answer`}));
    late.catch(() => {});
    const running = work();
    const outcome = await Promise.race([running.then((result) => ({result})), late]);
    if ('late' in outcome) {
      await running.catch(() => {}); // the next run starts on an idle daemon
      return {late: outcome.late, summary: ''};
    }
    const r = await probe.stop();
    const excused = r.excused ? `; ${r.excused} late while the reference waited too (the machine paused), not judged` : '';
    const summary = `${what}: ${r.pings} pings meanwhile, slowest ${r.worstMs.toFixed(1)} ms (median ${r.medianMs.toFixed(1)} ms)${excused}`;
    if (r.worstMs > limit) return {late: `${what}: the slowest ping took ${r.worstMs.toFixed(1)} ms`, summary};
    return {result: outcome.result, summary};
  } finally {
    probe.kill();
  }
}

/**
 * A simulated host whose daemon has finished starting: its first seconds go to probing the
 * host (bhyve's capabilities, then host-validate's checks, each a few processes), which is
 * not what is measured here. The checks run again only when a host status is asked for
 * more than 10 s later, which these tests do not do.
 */
async function settledHost(t: ExecutionContext, label: string): Promise<string> {
  const dir = fastSimHost(t, label);
  await connected(dir, async (c) => {
    await c.capabilities();
    const deadline = Date.now() + 60_000;
    while ((await c.hostStatus()).checks === undefined && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
  });
  await new Promise((resolve) => setTimeout(resolve, 500));
  return dir;
}

async function connected<T>(dir: string, use: (c: DaemonConnection) => Promise<T>): Promise<T> {
  const c = await openConnection(`sim://${dir}`);
  try {
    return await use(c);
  } finally {
    c.close();
  }
}

const errorOf = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
    return '';
  } catch (e) {
    return (e as Error).message;
  }
};

// Broken definition files: the list parses each, the errors view scans it.
const brokenFiles: Record<string, string> = {
  // the example: '<' after '<' and no '>' (each tag ran to the end of the file)
  'lt-storm': fill("<domain type='bhyve'>\n", '<a '),
  // a quote that never closes, over and over
  'quote-storm': fill("<domain type='bhyve'>\n", '<a "'),
  // one attribute name of a megabyte that is never given a value
  'attribute-storm': fill("<domain type='bhyve'><devices><disk type='file'><source ", 'a'),
  // elements opened and never closed, then closing tags of another name
  'nesting-storm': `${'<a>'.repeat(120_000)}${'</b>'.repeat(80_000)}`,
  // every disk on one line: each place's column counted from the line's start
  'one-line': fill("<domain type='bhyve'><name>one-line</name><devices>", "<disk type='file'><source file='/x'/></disk>"),
  // comments and CDATA sections that never end
  'comment-storm': fill("<domain type='bhyve'>", '<!-- <![CDATA[ '),
};

test.serial('broken definition files: listing them and their problems leave the daemon answering', async (t) => {
  const dir = await settledHost(t, 'resp-files');
  for (const [name, text] of Object.entries(brokenFiles)) fs.writeFileSync(path.join(domainsDir(dir), `${name}.xml`), text);
  const listed = await whilePinging(t, dir, 'listing the broken files', async () => connected(dir, (c) => c.listDomains()));
  for (const name of Object.keys(brokenFiles)) t.is(listed.find((d) => d.name === name)?.state, 'invalid', name);
  for (const name of Object.keys(brokenFiles)) {
    const problems = await whilePinging(t, dir, `the problems of ${name}.xml`, async () => connected(dir, (c) => c.domainProblems(name)));
    t.true(
      problems.some((p) => p.source === 'xml-syntax' || p.source === 'xml-semantic'),
      `${name}: ${JSON.stringify(problems).slice(0, 300)}`,
    );
    t.false(
      problems.some((p) => p.message.startsWith('internal error')),
      `${name}: ${JSON.stringify(problems).slice(0, 300)}`,
    );
  }
});

/** The letters of a disk name after its prefix: 0 → a, 25 → z, 26 → aa, like libvirt's. */
function diskLetters(index: number): string {
  let letters = '';
  for (let i = index + 1; i > 0; i = Math.floor((i - 1) / 26)) letters = String.fromCharCode(97 + ((i - 1) % 26)) + letters;
  return letters;
}

/** A domain around `devices` (and `top`, elements after <os>). */
const domainXml = (name: string, devices: string, top = '') =>
  `<domain type='bhyve'><name>${name}</name><memory unit='KiB'>524288</memory><vcpu>1</vcpu><os><type>hvm</type></os>${top}<devices>${devices}</devices></domain>`;

test.serial('defines of the worst XML leave the daemon answering', async (t) => {
  const dir = await settledHost(t, 'resp-define');
  const nested = (() => {
    // namespace declarations on every level, then many elements declaring one more
    let s = "<domain type='bhyve'><name>ns</name><memory>1024</memory><os><type>hvm</type></os><metadata>";
    for (let d = 0; d < 40; d++) s += `<m${d} ${Array.from({length: 250}, (_, k) => `xmlns:p${d}_${k}='u'`).join(' ')}>`;
    return fill(s, "<a xmlns:q='u'/>", 1_000_000);
  })();
  const cases: Array<[string, string, RegExp | undefined]> = [
    ['nested namespace declarations', nested, /more than|nested|attributes/],
    // a disk name whose index implies millions of SATA controllers
    ['a disk named sdzzzzzzzz', domainXml('zz', "<disk type='file'><source file='/x'/><target dev='sdzzzzzzzz' bus='sata'/></disk>"), /PCI slots/],
    // controllers without an index, each given the next free one
    ['9,000 controllers without an index', domainXml('ctl', "<controller type='usb' model='nec-xhci'/>".repeat(9000)), /PCI slots/],
    // disks in descending order: each inserted before all the others
    [
      '3,000 disks in descending order',
      domainXml(
        'dsc',
        Array.from({length: 3000}, (_, i) => `<disk type='file'><source file='/d${i}'/><target dev='sd${diskLetters(2999 - i)}' bus='sata'/></disk>`).join(''),
      ),
      /PCI slots/,
    ],
    // the most elements a definition may have, all kept as written
    [
      'a definition of 9,000 metadata elements',
      domainXml('meta', '', `<metadata><m:x xmlns:m='urn:x'>${"<m:a k='v'/>".repeat(9000)}</m:x></metadata>`),
      undefined,
    ],
    // a megabyte of text
    ['a definition of a megabyte', domainXml('big', '', `<description>${'x'.repeat(1_000_000)}</description>`), undefined],
  ];
  for (const [what, xml, error] of cases) {
    const message = await whilePinging(t, dir, `define: ${what}`, async () => connected(dir, (c) => errorOf(c.define(xml))));
    if (error) t.regex(message, error, what);
    else t.is(message, '', what);
  }
  // What the daemon does with the big ones it stored.
  for (const name of ['meta', 'big']) {
    await whilePinging(t, dir, `list, details and problems of '${name}'`, async () =>
      connected(dir, async (c) => {
        t.is((await c.listDomains()).find((d) => d.name === name)?.state, 'shut off');
        t.is((await c.domainDetails(name)).name, name);
        t.deepEqual(
          (await c.domainProblems(name)).filter((p) => p.source.startsWith('xml')),
          [],
        );
      }),
    );
  }
});

test.serial('a huge protocol line leaves the daemon answering; a longer one is refused unread', async (t) => {
  const dir = await settledHost(t, 'resp-line');
  // What the daemon answers `line`, after the hello every connection starts with.
  const send = (line: string) =>
    new Promise<string>((resolve) => {
      const sock = net.createConnection(socketOf(dir));
      let got = '';
      const after = () => got.slice(got.indexOf('\n') + 1);
      sock.on('data', (chunk) => {
        got += chunk.toString();
        if (after().includes('\n')) {
          sock.destroy();
          resolve(after());
        }
      });
      // (a refused line: the daemon closes the connection, the rest of the write fails)
      sock.on('close', () => resolve(after()));
      sock.on('error', () => resolve(after()));
      sock.write(`${helloLine}${line}`);
    });
  // Just under the daemon's bound for a request line (2.5 MiB): a define refused for its size.
  const near = `${JSON.stringify({id: 1, method: 'define', params: ['x'.repeat(2.5 * 1024 * 1024 - 64)]})}\n`;
  t.regex(await whilePinging(t, dir, 'a request line of nearly 2.5 MiB', async () => send(near)), /over 1 MiB is refused/);
  // Over it: the connection is closed before the line is parsed.
  const over = `${JSON.stringify({id: 1, method: 'define', params: ['x'.repeat(15 * 1024 * 1024)]})}\n`;
  t.is(await whilePinging(t, dir, 'a request line of 15 MiB', async () => send(over)), '');
});

test.serial('a settings file that is a FIFO or huge is refused unread; the start that reads it goes on', async (t) => {
  const dir = await settledHost(t, 'resp-config');
  const file = path.join(dir, 'usr/local/etc/bhyve-tui/bhyve-tui.json');
  fs.mkdirSync(path.dirname(file), {recursive: true});
  // A FIFO with no writer: reading it would wait for ever, and the daemon with it.
  execFileSync('mkfifo', [file]);
  const layout = simHostLayout(dir);
  t.regex(readHostConfig(layout).error ?? '', /not a regular file/);
  // The start reads the settings (for the console). What is bounded here is a daemon that
  // reads the FIFO and waits for ever; the huge file's cost is the CPU check below. A start
  // runs a dozen host tools, each a spawn on the daemon's thread, hence seconds and not ms.
  // (A second start used to keep pings waiting 3-5 s on loaded cores: the simulated backend
  // waited for a new nmdm relay synchronously, in the daemon; it now waits on timers.)
  const startBoundMs = 5_000;
  await whilePinging(t, dir, 'a start with a FIFO for a settings file', async () => connected(dir, (c) => c.start('web1')), startBoundMs);
  await connected(dir, (c) => c.destroy('web1'));
  fs.rmSync(file);
  fs.writeFileSync(file, `{"console": {"escape": "^]"}, "padding": "${'x'.repeat(64 * 1024 * 1024)}"}`);
  const before = process.cpuUsage();
  t.regex(readHostConfig(layout).error ?? '', /File too large \(over 65536 bytes\)/);
  const used = process.cpuUsage(before);
  t.true(used.user + used.system < 200_000, `reading the 64 MiB settings file took ${(used.user + used.system) / 1000} ms`);
  await whilePinging(t, dir, 'a start with a 64 MiB settings file', async () => connected(dir, (c) => c.start('web1')), startBoundMs);
  await connected(dir, (c) => c.destroy('web1'));
  t.regex(fs.readFileSync(path.join(dir, 'var/log/bhyve-tui/web1.log'), 'utf8'), /web1|started|bhyve/);
});

test.serial('a console pair whose simulated relay is slow to start leaves the daemon answering during the start', async (t) => {
  const dir = await settledHost(t, 'resp-relay');
  // The simulator's nmdm pair is a python3 relay, which takes seconds to start on a loaded
  // host (FreeBSD's devfs clones a pair at once). The daemon opens the console as a start
  // begins: that wait must not stop it answering. Each run starts a domain with a console
  // of its own, so its pair is new (a relay lives on for 2 s after its last close).
  updateHostStateSync(dir, (st) => {
    st.faults['*'] = {...st.faults['*'], nmdmRelayDelayMs: 2000};
  });
  const web1 = fs.readFileSync(path.join(dir, 'usr/local/etc/bhyve-tui/domains/web1.xml'), 'utf8');
  let n = 0;
  const startFresh = () =>
    connected(dir, async (c) => {
      const name = `fresh${++n}`;
      const xml = web1
        .replace('<name>web1</name>', `<name>${name}</name>`)
        .replace(/<uuid>[^<]*<\/uuid>/, '')
        .replaceAll('/dev/nmdm-web1.1', `/dev/nmdm-${name}.1`);
      await c.define(xml);
      const started = Date.now();
      await c.start(name);
      return {name, ms: Date.now() - started};
    });
  const {name, ms} = await whilePinging(t, dir, 'a start whose console relay takes 2 s to start', startFresh, 1000);
  t.true(ms >= 2000, `the start waited for the relay (${ms} ms)`);
  await connected(dir, (c) => c.destroy(name));
});

/** CPU time of `work`, in ms: what the machine's load does not change much. */
function cpuMs(work: () => void): number {
  const before = process.cpuUsage();
  work();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

test("the CLI's parsers (native argv, URIs, escape specs) take their worst input in bounded time", (t) => {
  // Each of these would take seconds or minutes if a parser were quadratic in its input.
  // (a megabyte of NICs becomes 13 MB of XML: seconds would mean something worse than linear)
  const boundMs = 5000;
  const caps = defaultHostCaps().caps;
  const mib = 1024 * 1024;
  const argv: Record<string, string> = {
    'one flag word of a megabyte': `/usr/sbin/bhyve -${'A'.repeat(mib)} vm`,
    'a megabyte of NICs': fill('/usr/sbin/bhyve ', '-s 3,virtio-net,tap0 ', mib - 3) + 'vm',
    'a megabyte of disks': fill('/usr/sbin/bhyve ', '-s 3,ahci-hd,/x ', mib - 3) + 'vm',
    'a megabyte of quotes': fill('/usr/sbin/bhyve ', '\'a " ', mib - 3) + 'vm',
    'a megabyte of continued lines': fill('/usr/sbin/bhyve ', '\\\n', mib - 3) + 'vm',
    'a megabyte of lines': '\n'.repeat(mib) + '/usr/sbin/bhyve vm',
  };
  for (const [what, text] of Object.entries(argv)) {
    const ms = cpuMs(() => {
      try {
        nativeToDomainXml(text, {caps, generateMac: () => '52:54:00:00:00:01', generateUuid: () => '00000000-0000-4000-8000-000000000000'});
      } catch {
        // refusing is fine; taking long is not
      }
    });
    t.log(`native argv, ${what}: ${ms.toFixed(0)} ms of CPU`);
    t.true(ms < boundMs, `native argv, ${what}: ${ms.toFixed(0)} ms`);
  }

  const uris = {
    'a long path': `sim:///${'a/'.repeat(mib)}`,
    'many @': `sim://${'@'.repeat(mib)}/x`,
    'many %': `sim:///${'%'.repeat(mib)}`,
    'a long query': `bhyve:///system?${'?#'.repeat(mib)}`,
  };
  for (const [what, uri] of Object.entries(uris)) {
    let error: unknown;
    const ms = cpuMs(() => {
      try {
        parseConnectionUri(uri);
      } catch (e) {
        error = e;
      }
    });
    t.log(`URI with ${what}: ${ms.toFixed(1)} ms of CPU`);
    t.true(error instanceof DriverError, `URI with ${what}: ${String(error)}`);
    t.false((error as Error).message.includes('\n'));
    t.true(ms < boundMs);
  }

  const specs = ['^'.repeat(mib), `^${'a'.repeat(mib)}`, '\n'.repeat(mib)];
  for (const spec of specs) {
    let error: unknown;
    const ms = cpuMs(() => {
      try {
        parseEscape(spec);
      } catch (e) {
        error = e;
      }
    });
    t.true(error instanceof UsageError);
    t.true((error as Error).message.length < 200 && !(error as Error).message.includes('\n'), (error as Error).message.slice(0, 200));
    t.true(ms < boundMs);
  }
});
