// npm run bench -- tui: the TUI with 1,000 domains.
// (a) Key press → frame latency, in-process: the real App, bundled as the product is
//     (production React, our Output for Ink), rendered to a fake 120x40 terminal with 1,000
//     fake domains; j, k and typing a `/` filter. References in the same run: the same App
//     with Ink's own Output, and a trivial Ink app of the same size drawing a full frame per
//     key (stock Ink's floor on this machine).
// (b) First frame of the real TUI (`node dist/bhyve-tui.js -c sim:///DIR`, 1,000 domain files)
//     in tmux, against `virsh -c test:///FILE list --all` over the same 1,000 domains.
// Figures are printed side by side, with ratios; nothing is asserted.
import {execFileSync, spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {pathToFileURL} from 'node:url';

// Ink draws nothing when it believes it runs in CI; the bundle runs production React.
for (const key of Object.keys(process.env)) {
  if (key === 'CI' || key === 'CONTINUOUS_INTEGRATION' || key.startsWith('CI_')) {
    delete process.env[key];
  }
}

process.env.NODE_ENV = 'production';
// Frames with their colours and inverse highlight, as on a terminal, even when piped.
process.env.FORCE_COLOR ??= '1';

const COUNT = Number(process.env.BENCH_DOMAINS ?? 1000);
const KEYS = Number(process.env.BENCH_KEYS ?? 120);
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const cols = 120;
const rows = 40;

type AppBundle = typeof import('./bench-tui-app.js');

/** The bench's entry bundled with the product's esbuild settings, with or without our Output. */
async function bundle(fastInkOutput: boolean): Promise<AppBundle> {
  const {build} = await import('esbuild');
  const {bundleOptions} = await import('./bundle-options.mjs');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-tui-'));
  const outfile = path.join(dir, 'bench-tui-app.mjs');
  await build({...bundleOptions({fastInkOutput}), entryPoints: [path.join(import.meta.dirname, 'bench-tui-app.ts')], outfile, sourcemap: false});
  const loaded = (await import(pathToFileURL(outfile).href)) as AppBundle;
  fs.rmSync(dir, {recursive: true, force: true});
  return loaded;
}

const product = await bundle(true);
const stock = await bundle(false);

const {FakeStdin, FakeStdout} = await import('../test/helpers/fake-terminal.js');

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const median = (xs: number[]) => sorted(xs)[Math.floor(xs.length / 2)] ?? Number.NaN;
const p99 = (xs: number[]) => sorted(xs)[Math.min(xs.length - 1, Math.floor(xs.length * 0.99))] ?? Number.NaN;
const ms = (x: number) => `${x.toFixed(1)} ms`;

const sleep = async (delay: number) => new Promise((resolve) => setTimeout(resolve, delay));

/** Mounts `node`, then times key → next write to the terminal for each key of `script`. */
async function measure(ink: AppBundle, node: unknown, script: string[], ready: () => boolean, prelude = ''): Promise<number[]> {
  const stdout = new FakeStdout(cols, rows);
  stdout.setMaxListeners(0);
  const stdin = new FakeStdin();
  const instance = ink.render(node as Parameters<AppBundle['render']>[0], {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  const deadline = Date.now() + 10_000;
  while (!ready() && Date.now() < deadline) {
    await sleep(20);
  }

  if (prelude !== '') {
    stdin.type(prelude);
  }

  await sleep(200);
  const times: number[] = [];
  for (const key of script) {
    const frame = new Promise<number>((resolve) => {
      const started = performance.now();
      stdout.once('frame', () => {
        resolve(performance.now() - started);
      });
      stdin.type(key);
    });
    const timeout = sleep(1000).then(() => Number.NaN);
    times.push(await Promise.race([frame, timeout]));
    // Past Ink's 30 fps throttle, so every key gets its own frame.
    await sleep(40);
  }

  instance.unmount();
  return times.filter((time) => !Number.isNaN(time));
}

function trivial(ink: AppBundle) {
  const {React, Box, Text, useInput} = ink;
  // biome-ignore lint/correctness/noComponentHookFactories: built once per run from the bundle under test, loaded at run time
  return function Trivial() {
    const [selected, setSelected] = React.useState(0);
    useInput((input) => {
      setSelected((previous) => (input === 'k' ? previous - 1 : previous + 1));
    });
    return React.createElement(
      Box,
      {flexDirection: 'column', borderStyle: 'round', height: rows - 1},
      ...Array.from({length: rows - 3}, (_, index) => {
        const mark = index === ((selected % (rows - 3)) + rows - 3) % (rows - 3);
        return React.createElement(Text, {key: index, inverse: mark}, `${mark ? '›' : ' '} row ${index} `.padEnd(cols - 2, '.'));
      }),
    );
  };
}

/** Key → frame times of the App for j, k and filter typing, with the Ink of `ink`. */
async function appTimes(ink: AppBundle): Promise<Array<[string, number[]]>> {
  const names = Array.from({length: COUNT}, (_, index) => `bench${String(index).padStart(4, '0')}`);
  const makeConnection = () =>
    new ink.FakeConnection(
      names.map((name, index) => ink.domain(name, index % 4 === 0 ? 'running' : 'shut off', index % 4 === 0 ? {cpuPercent: 3.5, rssKiB: 400_000} : {})),
    );
  const down = Array.from({length: KEYS}, () => 'j');
  const up = Array.from({length: KEYS}, () => 'k');
  // Typing a filter: '/', then characters and erasing, over and over (each is one key).
  const typing: string[] = ['/'];
  while (typing.length < KEYS) {
    typing.push('b', 'e', 'n', 'c', 'h', '0', '9', '\u007F', '\u007F', '\u007F', '\u007F', '\u007F', '\u007F', '\u007F');
  }

  const results: Array<[string, number[]]> = [];
  for (const [label, script, prelude] of [
    ['j (down)', down, ''],
    ['k (up)', up, 'G'],
    ['/ filter typing', typing, ''],
  ] as const) {
    const connection = makeConnection();
    let loaded = false;
    const original = connection.listDomains.bind(connection);
    connection.listDomains = async () => {
      const list = await original();
      loaded = true;
      return list;
    };

    const times = await measure(
      ink,
      ink.React.createElement(ink.App, {connection, onConsole() {}, onQuit() {}, pollIntervalMs: 0}),
      script.slice(0, KEYS),
      () => loaded,
      prelude,
    );
    results.push([label, times]);
  }

  return results;
}

async function inProcess(): Promise<void> {
  const ours = await appTimes(product);
  const theirs = await appTimes(stock);
  const floor = await measure(
    stock,
    stock.React.createElement(trivial(stock)),
    Array.from({length: KEYS}, () => 'j'),
    () => true,
  );
  const cell = (times: number[]) => `${ms(median(times)).padStart(9)} ${ms(p99(times)).padStart(9)}`;
  console.log(`(a) key press → frame, ${COUNT} domains, ${cols}x${rows}, ${KEYS} keys each (target: median < 16 ms)`);
  console.log(`    ${''.padEnd(18)} ${'bhyve-tui'.padStart(19)}   ${"with Ink's Output".padStart(19)}`);
  console.log(`    ${'key'.padEnd(18)} ${'median'.padStart(9)} ${'p99'.padStart(9)}   ${'median'.padStart(9)} ${'p99'.padStart(9)}   median / 16 ms`);
  for (const [index, [label, times]] of ours.entries()) {
    console.log(`    ${label.padEnd(18)} ${cell(times)}   ${cell(theirs[index]![1])}   ${(median(times) / 16).toFixed(2)}`);
  }

  console.log(`    ${'trivial Ink app*'.padEnd(18)} ${''.padStart(19)}   ${cell(floor)}`);
  console.log('    * stock Ink drawing a full 120x40 frame of plain rows per key, same run');
}

async function firstFrame(): Promise<void> {
  const {TmuxSession, tmuxAvailable} = await import('../test/helpers/tmux.js');
  const {cli, cliBundle, makeSimDir, removeSimDir} = await import('../test/helpers/sim-dir.js');
  if (!tmuxAvailable() || spawnSync('virsh', ['--version'], {stdio: 'ignore'}).status !== 0 || !fs.existsSync(cliBundle)) {
    console.log('(b) first frame: skipped (needs tmux, virsh (libvirt-clients) and a build: node scripts/build.mjs)');
    return;
  }

  const {benchDomainName, benchDomainXml, testNodeXml} = await import('./bench-domains.js');
  const first = benchDomainName(1);
  const dir = makeSimDir('bench-tui');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-tui-virsh-'));
  const tmux = new TmuxSession('bench-tui');
  try {
    // A simulated host with exactly the benchmark's definitions (the demo domains removed).
    cli(dir, ['list']);
    const domainsDir = path.join(dir, 'usr/local/etc/bhyve-tui/domains');
    for (const file of fs.readdirSync(domainsDir)) {
      fs.rmSync(path.join(domainsDir, file));
    }

    for (let index = 1; index <= COUNT; index++) {
      fs.writeFileSync(path.join(domainsDir, `${benchDomainName(index)}.xml`), benchDomainXml('bhyve', index));
    }

    const listed = cli(dir, ['list', '--all', '--name']).stdout.split('\n').filter(Boolean).length;

    // The libvirt test driver's node file with the same domains.
    const node = path.join(tmp, 'node.xml');
    fs.writeFileSync(node, testNodeXml(COUNT));
    const virsh: number[] = [];
    let virshLines = 0;
    for (let run = 0; run < RUNS; run++) {
      const started = performance.now();
      const out = execFileSync('virsh', ['-c', `test://${node}`, 'list', '--all'], {encoding: 'utf8'});
      virsh.push(performance.now() - started);
      virshLines = out.split('\n').filter((line) => /\bvm\d{4}\b/.test(line)).length;
    }

    // The TUI from a shell in tmux: time from the command to the first domain row on screen.
    tmux.start(['sh'], {cols, rows});
    await tmux.waitFor(/[$#] *$/m, 10_000);
    const command = `env -u CI ${process.execPath} ${cliBundle} -c sim://${dir}`;
    const tui: number[] = [];
    const anyOutput: number[] = [];
    for (let run = 0; run <= RUNS; run++) {
      tmux.keys('clear', 'Enter');
      await tmux.waitFor((screen) => !screen.includes(first) && /[$#] *$/m.test(screen), 10_000);
      const started = performance.now();
      tmux.type(command);
      tmux.keys('Enter');
      let sawOutput = Number.NaN;
      const deadline = Date.now() + 30_000;
      let shown = Number.NaN;
      while (Date.now() < deadline) {
        const screen = tmux.screen();
        if (Number.isNaN(sawOutput) && /^bhyve-tui {2}/m.test(screen)) {
          sawOutput = performance.now() - started;
        }

        if (screen.includes(first) && /NAME/.test(screen)) {
          shown = performance.now() - started;
          break;
        }
      }

      if (run > 0) {
        // Run 0 warms the page cache and starts the host daemon.
        tui.push(shown);
        anyOutput.push(sawOutput);
      }

      tmux.keys('q');
      await tmux.waitFor((screen) => /[$#] *$/m.test(screen.trimEnd()) && !/NAME\s+STATE/.test(screen), 10_000);
    }

    console.log(`(b) first frame with ${COUNT} domains (the TUI's host lists ${listed}), median of ${RUNS} runs`);
    console.log(`    virsh -c test:///… list --all (${virshLines} rows)   ${ms(median(virsh)).padStart(10)}`);
    console.log(`    bhyve-tui: first frame (title)            ${ms(median(anyOutput)).padStart(10)}`);
    console.log(
      `    bhyve-tui: first domain rows on screen    ${ms(median(tui)).padStart(10)}   ratio ${(median(tui) / median(virsh)).toFixed(2)} (target ≤ 1.00)`,
    );
    console.log('    (the TUI time includes tmux polling, ~5 ms per capture)');
  } finally {
    tmux.kill();
    removeSimDir(dir);
    fs.rmSync(tmp, {recursive: true, force: true});
  }
}

console.log(
  `bench tui on ${os.cpus().length} CPUs, load average ${os
    .loadavg()
    .map((load) => load.toFixed(2))
    .join(' ')}`,
);
await inProcess();
await firstFrame();
process.exit(0);
