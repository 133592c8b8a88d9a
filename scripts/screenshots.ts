// Regenerates screenshots/*.png: the TUI runs on a fresh simulated host in tmux, the
// screen is captured with its colours, turned into HTML (ansi2html) and photographed by
// headless Chromium. Needs tmux, colorized-logs and chromium (Debian packages).
import {execFileSync, spawnSync} from 'node:child_process';
import fs from 'node:fs';
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
    const html = execFileSync('ansi2html', [], {input: screen, encoding: 'utf8'})
      .replace('</style>', `pre { font-family: 'DejaVu Sans Mono', monospace; font-size: 15px; line-height: 1.2; margin: 12px; white-space: pre; }\nbody { margin: 0; }\n</style>`);
    const file = path.join(tmp, `${name}.html`);
    fs.writeFileSync(file, html);
    const width = Math.ceil(cols * 9.05) + 24;
    const height = Math.ceil(rows * 18) + 24;
    execFileSync('chromium', [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      `--user-data-dir=${path.join(tmp, 'profile')}`, '--hide-scrollbars', `--window-size=${width},${height}`,
      `--screenshot=${path.join(outDir, `${name}.png`)}`, `file://${file}`,
    ], {stdio: 'ignore'});
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
    for (const name of ['db1', 'freebsd14']) {
      const r = cli(dir, ['start', name]);
      if (r.status !== 0) throw new Error(r.stderr);
    }
    tmux.start([process.execPath, cliBundle, '-c', `sim://${dir}`], {cols, rows});
    await tmux.waitFor((s) => /freebsd14\s+running/.test(s) && /nmdm/.test(s));
    for (let i = 0; i < 5 && !/›\s*freebsd14/.test(tmux.screen()); i++) {
      const before = tmux.screen();
      tmux.keys('j');
      await tmux.waitFor((s) => s !== before, 2000).catch(() => '');
    }
    await new Promise((r) => setTimeout(r, 300));
    toPng(tmux.screen({escapes: true}), 'list');

    tmux.keys('c');
    await tmux.waitFor("Connected to domain 'freebsd14'");
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

main().catch((e: unknown) => {
  console.error(`screenshots: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
