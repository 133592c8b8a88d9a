// Regenerates screenshots/*.png: the TUI runs on a fresh simulated host in tmux, the
// screen is captured with its colours, turned into HTML (ansi2html) and photographed by
// headless Chromium. Needs tmux, colorized-logs and chromium (Debian packages).
import {execFileSync, spawnSync} from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {TmuxSession} from '../test/helpers/tmux.js';
import {cli, cliBundle, makeSimDir, removeSimDir, repoRoot} from '../test/helpers/sim-dir.js';
import {updateHostStateSync} from '../driver/sim/host-state.js';

const cols = 120;
const rows = 32;
const outDir = path.join(repoRoot, 'screenshots');

function need(tool: string, pkg: string): void {
  if (spawnSync('sh', ['-c', `command -v ${tool}`], {stdio: 'ignore'}).status !== 0) {
    console.error(`screenshots: '${tool}' is missing; install it with: apt-get install ${pkg}`);
    process.exit(1);
  }
}

function toPng(screen: string, name: string): void {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bt-shot-'));
  try {
    const html = execFileSync('ansi2html', [], {input: screen, encoding: 'utf8'}).replace(
      '</style>',
      `pre { font-family: 'DejaVu Sans Mono', monospace; font-size: 15px; line-height: 1.2; margin: 12px; white-space: pre; }\nbody { margin: 0; }\n</style>`,
    );
    const file = path.join(tmp, `${name}.html`);
    fs.writeFileSync(file, html);
    const width = Math.ceil(cols * 9.05) + 24;
    const height = Math.ceil(rows * 18) + 24;
    execFileSync(
      'chromium',
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--user-data-dir=${path.join(tmp, 'profile')}`,
        '--hide-scrollbars',
        `--window-size=${width},${height}`,
        `--screenshot=${path.join(outDir, `${name}.png`)}`,
        `file://${file}`,
      ],
      {stdio: 'ignore'},
    );
    console.log(`screenshots/${name}.png`);
  } finally {
    fs.rmSync(tmp, {recursive: true, force: true});
  }
}

async function main(): Promise<void> {
  need('tmux', 'tmux');
  need('ansi2html', 'colorized-logs');
  need('chromium', 'chromium');
  fs.mkdirSync(outDir, {recursive: true});
  const dir = makeSimDir('shots');
  const tmux = new TmuxSession('shots');
  try {
    cli(dir, ['list']);
    updateHostStateSync(dir, (s) => {
      s.bootDelayMs = 100;
      (s as unknown as Record<string, unknown>).autobootDelay = 0;
    });
    // A domain whose start failed (bhyve exit 4), whose disk image is gone since, and whose
    // file was then broken by hand: the list shows '!' and the errors view all three problems.
    const brokenFile = path.join(dir, 'usr/local/etc/bhyve-tui/domains/broken.xml');
    const brokenXml =
      "<domain type='bhyve'>\n  <name>broken</name>\n  <memory unit='MiB'>512</memory>\n  <vcpu>1</vcpu>\n  <os><type>hvm</type></os>\n  <devices>\n    <disk type='file' device='disk'>\n      <source file='/vm/broken/disk0.img'/>\n      <target dev='vda' bus='virtio'/>\n    </disk>\n  </devices>\n</domain>\n";
    fs.writeFileSync(brokenFile, brokenXml);
    fs.mkdirSync(path.join(dir, 'vm/broken'), {recursive: true});
    fs.writeFileSync(path.join(dir, 'vm/broken/disk0.img'), '');
    updateHostStateSync(dir, (s) => {
      s.faults.broken = {bhyveExit: 4};
    });
    cli(dir, ['start', 'broken']);
    fs.rmSync(path.join(dir, 'vm/broken/disk0.img'));
    fs.writeFileSync(brokenFile, brokenXml.replace('<vcpu>1</vcpu>', '<vcpu>1'));
    for (const name of ['db1', 'freebsd14']) {
      const r = cli(dir, ['start', name]);
      if (r.status !== 0) throw new Error(r.stderr);
    }
    // A module missing after the guests started: the host panel shows the fix and K.
    updateHostStateSync(dir, (s) => {
      s.modules.if_bridge = 'unloaded';
    });
    tmux.start([process.execPath, cliBundle, '-c', `sim://${dir}`], {cols, rows});
    await tmux.waitFor((s) => /freebsd14\s+running/.test(s) && /nmdm/.test(s));
    tmux.keys('g');
    for (let i = 0; i < 5 && !/›\s*freebsd14/.test(tmux.screen()); i++) {
      const before = tmux.screen();
      tmux.keys('j');
      await tmux.waitFor((s) => s !== before, 2000).catch(() => '');
    }
    await new Promise((r) => setTimeout(r, 300));
    toPng(tmux.screen({escapes: true}), 'list');

    // Every view and dialog, each from the list and back (Esc), on the running freebsd14.
    const shot = async (keys: string[], wait: string | RegExp, name: string, back: string[] = ['Escape']) => {
      for (const key of keys) tmux.keys(key);
      await tmux.waitFor(wait, 15_000);
      await new Promise((r) => setTimeout(r, 300));
      toPng(tmux.screen({escapes: true}), name);
      for (const key of back) tmux.keys(key);
      await tmux.waitFor(/NAME.*STATE/, 15_000);
      await new Promise((r) => setTimeout(r, 200));
    };
    await shot(['Enter'], /Details: freebsd14[\s\S]*A start would run/, 'details');
    await shot(['l'], /Log: freebsd14/, 'log');
    await shot(['?'], /Keys: Domain list/, 'help');
    await shot(['D'], /Destroy domain 'freebsd14'\?/, 'confirm-destroy', ['n']);
    await shot(['R'], /Reboot domain 'freebsd14'\?/, 'confirm-reboot', ['n']);
    tmux.type('/bsd');
    await tmux.waitFor(/1 of 5/);
    await new Promise((r) => setTimeout(r, 300));
    toPng(tmux.screen({escapes: true}), 'filter');
    tmux.keys('Escape');
    await tmux.waitFor((s) => !/1 of 5/.test(s));
    // A broken definition: the ! mark, then the errors view.
    for (let i = 0; i < 6 && !/›\s+!\s+broken/.test(tmux.screen()); i++) {
      const before = tmux.screen();
      tmux.keys('k');
      await tmux.waitFor((s) => s !== before, 2000).catch(() => '');
    }
    await shot(['e'], /Errors: broken[\s\S]*XML syntax/, 'errors');
    await shot(['U'], /Undefine domain 'broken'\?/, 'confirm-undefine', ['Escape']);
    tmux.type(':domstate db1');
    await tmux.waitFor(':domstate db1');
    await new Promise((r) => setTimeout(r, 300));
    toPng(tmux.screen({escapes: true}), 'command-line');
    tmux.keys('Escape');
    await tmux.waitFor((s) => !s.includes(':domstate'));
    for (let i = 0; i < 8 && !/›\s+\S?\s*freebsd14/.test(tmux.screen()); i++) {
      const before = tmux.screen();
      tmux.keys('j');
      await tmux.waitFor((s) => s !== before, 2000).catch(() => '');
    }

    tmux.keys('c');
    // The banner may scroll away under the replayed scrollback.
    await tmux.waitFor(/Connected to domain 'freebsd14'|login: *$/m);
    // The guest booted before we attached: Enter asks getty for a fresh prompt, as on a real console.
    tmux.keys('Enter');
    await tmux.waitFor(/login: *$/m, 20_000);
    tmux.type('root');
    tmux.keys('Enter');
    await tmux.waitFor(/root@freebsd14:~ # *$/m);
    tmux.type('uname -a');
    tmux.keys('Enter');
    await tmux.waitFor(/FreeBSD freebsd14 /);
    tmux.type('sysctl hw.ncpu hw.physmem');
    tmux.keys('Enter');
    await tmux.waitFor(/hw\.physmem/);
    await new Promise((r) => setTimeout(r, 300));
    toPng(tmux.screen({escapes: true}), 'console');
    tmux.keys('C-]');
    await tmux.waitFor(/freebsd14/);
    tmux.keys('q');
  } finally {
    tmux.kill();
    for (const name of ['db1', 'freebsd14']) cli(dir, ['destroy', name]);
    removeSimDir(dir);
  }
}

/** Five hosts in one view, over a real sshd on 127.0.0.1: three simulated, one down, one silent. */
async function multiHost(): Promise<void> {
  const {sshdMissing, startSshd} = await import('../test/helpers/sshd.js');
  const missing = sshdMissing();
  if (missing) {
    console.log(`screenshots/multi-host.png: skipped, ${missing}`);
    return;
  }
  const teardowns: (() => void | Promise<void>)[] = [];
  const t = {teardown: (fn: () => void | Promise<void>) => teardowns.push(fn)};
  const tmux = new TmuxSession('shots-multi');
  try {
    const sshd = await startSshd(t);
    const down = await startSshd(t);
    await down.stop();
    const silent = net.createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    teardowns.push(() => void silent.close());
    const hosts = ['nyc1', 'nyc2', 'ams1'].map((name) => ({name, dir: makeSimDir(`shots-${name}`)}));
    for (const h of hosts) {
      teardowns.push(() => removeSimDir(h.dir));
      cli(h.dir, ['list']);
    }
    cli(hosts[0]!.dir, ['start', 'web1']);
    cli(hosts[0]!.dir, ['start', 'db1']);
    cli(hosts[2]!.dir, ['start', 'freebsd14']);
    for (const h of hosts)
      teardowns.push(() => {
        for (const d of ['web1', 'db1', 'freebsd14']) cli(h.dir, ['destroy', d]);
      });
    const config = fs.mkdtempSync(path.join(os.tmpdir(), 'shots-config-'));
    teardowns.push(() => fs.rmSync(config, {recursive: true, force: true}));
    fs.mkdirSync(path.join(config, 'bhyve-tui'));
    const connections = [
      ...hosts.map((h) => ({name: h.name, uri: sshd.simUri(h.dir)})),
      {name: 'lab2', uri: down.simUri('/var/tmp/lab2')},
      {name: 'lab3', uri: `sim+ssh://root@127.0.0.1:${(silent.address() as net.AddressInfo).port}/var/tmp/lab3?${sshd.query}`},
    ];
    fs.writeFileSync(path.join(config, 'bhyve-tui', 'bhyve-tui.json'), JSON.stringify({connections}));
    tmux.start([process.execPath, cliBundle], {cols, rows, env: {XDG_CONFIG_HOME: config, XDG_RUNTIME_DIR: sshd.runtimeDir}});
    await tmux.waitFor((sc) => hosts.every((h) => new RegExp(`${h.name} {2}4 domains`).test(sc)) && /lab3 {2}✘/.test(sc) && /lab2 {2}✘/.test(sc), 60_000);
    for (let i = 0; i < 2; i++) {
      const before = tmux.screen();
      tmux.keys('j');
      await tmux.waitFor((sc) => sc !== before, 2000).catch(() => '');
    }
    await new Promise((r) => setTimeout(r, 2500)); // the host panel and CPU% of the selected host
    toPng(tmux.screen({escapes: true}), 'multi-host');
    tmux.keys('q');
  } finally {
    tmux.kill();
    for (const fn of teardowns.reverse()) await fn();
  }
}

main()
  .then(multiHost)
  .catch((e: unknown) => {
    console.error(`screenshots: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
