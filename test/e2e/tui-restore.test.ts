// The TUI gives the terminal back exactly as it found it on every way out: a signal
// (SIGTERM, SIGHUP) as well as q. A shell around it records `stty -g` before and after.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import {execFileSync} from 'node:child_process';
import {sttySnapshot, TmuxSession, tmuxAvailable} from '../helpers/tmux.js';
import {cliBundle, eventually, makeSimDir, removeSimDir} from '../helpers/sim-dir.js';

const hasTmux = tmuxAvailable();
const e2e = hasTmux ? test.serial : test.skip;
if (!hasTmux) test('TUI restore tests need tmux (skipped: tmux is not installed; .ci/run installs it)', (t) => t.pass());

/** The TUI's node process: the child of the shell that runs in the pane. */
function tuiPid(shellPid: number): number {
  const out = execFileSync('ps', ['-o', 'pid=', '--ppid', String(shellPid)], {encoding: 'utf8'}).trim();
  return Number(out.split('\n')[0]);
}

for (const [signal, code] of [
  ['SIGTERM', 143],
  ['SIGHUP', 129],
] as const) {
  e2e(`${signal} to the TUI: it exits and the terminal settings and screen are restored`, async (t) => {
    const dir = makeSimDir(`restore-${signal.toLowerCase()}`);
    const tmux = new TmuxSession(`restore-${signal.toLowerCase()}`);
    t.teardown(() => {
      tmux.kill();
      removeSimDir(dir);
    });
    const marks = path.join(dir, 'marks');
    const script = `${sttySnapshot(`${marks}.before`)}; printf 'BEFORE-TUI\\n'; "$0" "$1" -c "$2"; echo "TUI-EXIT-$?"; ${sttySnapshot(`${marks}.after`)}; exec sleep 600`;
    tmux.start(['sh', '-c', script, process.execPath, cliBundle, `sim://${dir}`]);
    await tmux.waitFor(/freebsd14[\s\S]*web1/, 20_000);
    const shell = Number(execFileSync('tmux', ['-L', tmux.socketName, 'display-message', '-t', 'main', '-p', '#{pane_pid}'], {encoding: 'utf8'}).trim());
    process.kill(tuiPid(shell), signal);
    const screen = await tmux.waitFor(`TUI-EXIT-${code}`, 10_000);
    t.regex(screen, /BEFORE-TUI/, 'the original screen is back');
    t.notRegex(screen, /SIMULATED/, 'nothing of the TUI is left');
    await eventually('the settings after', () => fs.existsSync(`${marks}.after`));
    t.is(fs.readFileSync(`${marks}.after`, 'utf8'), fs.readFileSync(`${marks}.before`, 'utf8'));
  });
}
