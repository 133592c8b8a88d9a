// The TUI's first frame is painted before Ink loads (src/early-start.ts). In a real terminal:
// Ink takes over without changing a cell, and keys typed during start-up are neither echoed
// nor lost.
import test from 'ava';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {openConnection} from '../../driver/client/daemon-client.js';
import {cli, cliBundle, makeSimDir, removeSimDir} from '../helpers/sim-dir.js';
import {TmuxSession} from '../helpers/tmux.js';
import {hasTmux, selectedRow} from './tui-helpers.js';

const skipWithoutTmux = hasTmux ? test.serial : test.serial.skip;
if (!hasTmux) {
  test('tmux is missing: the first-frame tests in a real terminal are skipped (.ci/run installs it)', (t) => {
    t.pass();
  });
}

/**
 * A simulated host whose daemon runs and has probed the host once, host-validate's checks
 * included (they come after the modules): the panel is ready, and the first frame is final.
 */
async function readyHost(t: {teardown(fn: () => void): void}, label: string): Promise<string> {
  const dir = makeSimDir(label);
  // In a teardown: a failed assertion or a timeout must not leave the daemon running.
  t.teardown(() => removeSimDir(dir));
  cli(dir, ['list']);
  const connection = await openConnection(`sim://${dir}`);
  try {
    const deadline = Date.now() + 30_000;
    while ((await connection.hostStatus()).checks === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  } finally {
    connection.close();
  }

  return dir;
}

skipWithoutTmux('Ink takes over the first frame without changing a cell', async (t) => {
  const dir = await readyHost(t, 'first-frame-same');
  // The launcher paints only when the daemon lists within a second; on a loaded machine it
  // may not, and Ink's loading screen comes first (the slow-daemon test below). That run
  // says nothing about the takeover: it is tried again, up to three times.
  for (let attempt = 1; attempt <= 3; attempt++) {
    const tmux = new TmuxSession(`first-frame-same-${attempt}`);
    try {
      tmux.start([process.execPath, cliBundle, '-c', `sim://${dir}`], {cols: 120, rows: 40});
      // Every screen from the first one showing the list on must be the final one.
      const screens: string[] = [];
      const deadline = Date.now() + 20_000;
      let stableSince = 0;
      while (Date.now() < deadline) {
        const screen = tmux.screen({escapes: true});
        if (screen.includes('NAME')) {
          if (screens.at(-1) !== screen) {
            screens.push(screen);
            stableSince = Date.now();
          } else if (Date.now() - stableSince > 2000) {
            break;
          }
        }
      }

      t.true(screens.length > 0, 'the list appeared');
      if (screens[0]?.includes('Loading domains…') && attempt < 3) {
        t.log(`attempt ${attempt}: the daemon took over a second to list; no first frame was painted`);
        continue;
      }

      t.is(screens.length, 1, `the screen changed after the first frame:\n${screens.join('\n----\n')}`);
      t.regex(screens[0]!, /web1/);
      tmux.keys('q');
      await tmux.waitFor(() => tmux.paneDead(), 10_000);
      break;
    } finally {
      tmux.kill();
    }
  }
});

skipWithoutTmux('keys typed while the TUI starts are applied once Ink runs, and not echoed', async (t) => {
  const dir = await readyHost(t, 'first-frame-keys');
  const tmux = new TmuxSession('first-frame-keys');
  try {
    tmux.start(['sh'], {cols: 120, rows: 40});
    await tmux.waitFor(/[$#] *$/m, 10_000);
    tmux.type(`${process.execPath} ${cliBundle} -c sim://${dir}`);
    tmux.keys('Enter');
    // Straight away, long before Ink has loaded.
    tmux.type('jj');
    const screen = await tmux.waitFor((s) => /freebsd14/.test(selectedRow(s)), 20_000);
    t.notRegex(screen, /^jj/m);
    t.regex(selectedRow(screen), /freebsd14/);
    tmux.keys('q');
    await tmux.waitFor((s) => /[$#] *$/m.test(s.trimEnd()) && !s.includes('NAME'), 10_000);
  } finally {
    tmux.kill();
  }
});

skipWithoutTmux("a daemon too slow to list gets Ink's loading screen after a second, not a blank one", async (t) => {
  const dir = makeSimDir('first-frame-slow');
  // A "daemon" that takes connections and never answers.
  const runDir = path.join(dir, 'var/run/bhyve-tui');
  fs.mkdirSync(runDir, {recursive: true, mode: 0o700});
  const silent = net.createServer(() => {});
  await new Promise<void>((resolve) => silent.listen(path.join(runDir, 'daemon.sock'), resolve));
  const tmux = new TmuxSession('first-frame-slow');
  try {
    const started = Date.now();
    tmux.start([process.execPath, cliBundle, '-c', `sim://${dir}`], {cols: 100, rows: 30});
    const screen = await tmux.waitFor(/Loading domains…/, 10_000);
    t.true(Date.now() - started >= 900, 'the first frame waited for the list first');
    t.regex(screen, /bhyve-tui {2}sim:\/\//);
    tmux.keys('q');
    await tmux.waitFor(() => tmux.paneDead(), 10_000);
  } finally {
    tmux.kill();
    silent.close();
    removeSimDir(dir);
  }
});
