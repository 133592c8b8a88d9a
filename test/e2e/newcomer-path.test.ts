// The path a newcomer walks on day one, in a real terminal: the list appears, start a
// domain, attach to its console, log in, run a command, leave with Ctrl-], destroy it
// with confirmation, quit, and find the terminal as it was.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import {sttySnapshot, TmuxSession, tmuxAvailable} from '../helpers/tmux.js';
import {cliBundle, makeSimDir, removeSimDir} from '../helpers/sim-dir.js';

const hasTmux = tmuxAvailable();
const e2e = hasTmux ? test.serial : test.skip;
if (!hasTmux) test('end-to-end TUI tests need tmux (skipped: tmux is not installed; .ci/run installs it)', (t) => t.pass());

function rowOf(screen: string, name: string): string {
  return screen.split('\n').find((l) => new RegExp(`\\b${name}\\b`).test(l)) ?? '';
}

/** The selected row: highlighted and marked with '›' (the mark survives NO_COLOR). */
function selectedRow(screen: string): string {
  return screen.split('\n').find((l) => l.includes('›')) ?? '';
}

e2e('newcomer path: list → start → console → login → Ctrl-] → destroy → quit', async (t) => {
  const dir = makeSimDir('e2e');
  const tmux = new TmuxSession('newcomer');
  const marks = path.join(dir, 'marks');
  t.teardown(() => {
    tmux.kill();
    removeSimDir(dir);
  });
  // A shell records the terminal settings before and after, and says when the TUI ended.
  const script = `${sttySnapshot(`${marks}.before`)}; printf 'BEFORE-TUI\\n'; "$0" "$1" -c "$2"; echo "TUI-EXIT-$?"; ${sttySnapshot(`${marks}.after`)}; exec sleep 600`;
  const started = Date.now();
  tmux.start(['sh', '-c', script, process.execPath, cliBundle, `sim://${dir}`]);

  let screen = await tmux.waitFor(/freebsd14[\s\S]*web1/, 20_000);
  t.log(`first frame after ${Date.now() - started} ms (includes creating the simulated host)`);
  screen = await tmux.waitFor(/vmm[\s\S]*nmdm/, 10_000);
  t.regex(screen, /SIMULATED/i);
  t.regex(screen, /vmm/);
  t.regex(screen, /nmdm/);
  t.regex(rowOf(screen, 'web1'), /shut off/);

  // Select web1 (the second demo domain, list is sorted by name: db1, debian12, freebsd14, web1).
  for (let i = 0; i < 10 && !selectedRow(tmux.screen()).includes('web1'); i++) {
    tmux.keys('j');
    await new Promise((r) => setTimeout(r, 100));
  }
  t.true(selectedRow(tmux.screen()).includes('web1'), 'web1 is selected');

  tmux.keys('s');
  screen = await tmux.waitFor((s) => /bootloader|running/.test(rowOf(s, 'web1')), 20_000);

  // The console shows the loader's countdown first; Enter boots at once, as on FreeBSD.
  tmux.keys('c');
  screen = await tmux.waitFor("Connected to domain 'web1'", 10_000);
  screen = await tmux.waitFor((s) => /Autoboot in|login: *$/m.test(s), 20_000);
  if (/Autoboot in/.test(screen) && !/login:/.test(screen)) tmux.keys('Enter');
  screen = await tmux.waitFor(/login: *$/m, 20_000);
  t.regex(screen, /FreeBSD\/amd64 \(web1\)/);
  tmux.type('root');
  tmux.keys('Enter');
  await tmux.waitFor(/root@web1:~ # *$/m);
  tmux.type('uname -a');
  tmux.keys('Enter');
  screen = await tmux.waitFor(/FreeBSD web1 \S+ /);

  tmux.keys('C-]');
  screen = await tmux.waitFor((s) => /running/.test(rowOf(s, 'web1')) && /freebsd14/.test(s), 10_000);
  await tmux.waitFor(() => selectedRow(tmux.screen()).includes('web1'), 5_000);
  t.true(selectedRow(tmux.screen()).includes('web1'), 'the same domain is still selected after the console');

  tmux.keys('D');
  screen = await tmux.waitFor(/Destroy domain 'web1'\?/);
  tmux.keys('y');
  screen = await tmux.waitFor((s) => /shut off/.test(rowOf(s, 'web1')) && !/Destroy domain/.test(s), 20_000);
  t.false(fs.existsSync(path.join(dir, 'dev', 'vmm', 'web1')), 'the VM instance is gone');

  tmux.keys('q');
  screen = await tmux.waitFor('TUI-EXIT-0', 10_000);
  t.regex(screen, /BEFORE-TUI/, 'the original screen is back');
  t.notRegex(screen, /freebsd14/, 'nothing of the TUI is left on the screen');
  await tmux.waitFor(() => fs.existsSync(`${marks}.after`));
  t.is(fs.readFileSync(`${marks}.after`, 'utf8'), fs.readFileSync(`${marks}.before`, 'utf8'), 'terminal settings are restored');
});
