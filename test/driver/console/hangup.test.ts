// The client's terminal is restored on every exit path, SIGHUP included, and a client
// whose terminal goes away leaves and frees the console. Run in tmux: a shell records
// `stty -g` before and after the client, on the same terminal.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import {sttySnapshot, TmuxSession, tmuxAvailable} from '../../helpers/tmux.js';
import {cli, cliBundle, eventually} from '../../helpers/sim-dir.js';
import {hostWithGuest} from './helpers.js';
import {pidAlive} from '../../../driver/host/process-alive.js';

const hasTmux = tmuxAvailable();
const tmuxTest = hasTmux ? test : test.skip;
if (!hasTmux) test('console hangup tests need tmux (skipped: tmux is not installed)', (t) => t.pass());

const alive = pidAlive;

/** The pid of the interactive client, from the busy message another client gets. */
function holderPid(dir: string): number {
  const r = cli(dir, ['console', 'web1']);
  const m = /in use by pid (\d+) /.exec(r.stderr);
  if (r.status !== 1 || !m) throw new Error(`console not busy: ${r.status} ${r.stdout} ${r.stderr}`);
  return Number(m[1]);
}

/** The console is free: a client without a terminal attaches (and leaves at end of input). */
function consoleFree(dir: string): boolean {
  const r = cli(dir, ['console', 'web1']);
  return r.status === 0 && r.stdout.includes("Connected to domain 'web1'");
}

function startClientInShell(t: {teardown(fn: () => void): void}, dir: string, label: string): {tmux: TmuxSession; marks: string} {
  const tmux = new TmuxSession(label);
  t.teardown(() => tmux.kill());
  const marks = path.join(dir, 'marks');
  const script = `${sttySnapshot(`${marks}.before`)}; "$0" "$1" -c "$2" console web1; echo "CLIENT-EXIT-$?"; ${sttySnapshot(`${marks}.after`)}; exec sleep 600`;
  tmux.start(['sh', '-c', script, process.execPath, cliBundle, `sim://${dir}`], {cols: 100, rows: 30});
  return {tmux, marks};
}

tmuxTest('SIGHUP to an attached client: it leaves, the terminal settings are as before, the console is free', async (t) => {
  const dir = await hostWithGuest(t, 'con-hup');
  const {tmux, marks} = startClientInShell(t, dir, 'conhup');
  // The replay (the banner may have scrolled off the pane by now): the terminal is raw.
  await tmux.waitFor(/login: *$/m);
  const before = fs.readFileSync(`${marks}.before`, 'utf8');
  const pid = holderPid(dir);
  process.kill(pid, 'SIGHUP');
  await tmux.waitFor('CLIENT-EXIT-129'); // it still dies of the signal, as a shell expects
  await eventually('the settings after', () => fs.existsSync(`${marks}.after`));
  t.is(fs.readFileSync(`${marks}.after`, 'utf8'), before, 'stty -g after = before');
  t.false(alive(pid));
  t.true(consoleFree(dir));
});

tmuxTest('the terminal of an attached client goes away: the client exits and frees the console', async (t) => {
  const dir = await hostWithGuest(t, 'con-gone');
  const {tmux} = startClientInShell(t, dir, 'congone');
  await tmux.waitFor(/login: *$/m);
  const pid = holderPid(dir);
  tmux.kill(); // the tmux server closes the pane's terminal: hangup
  await eventually('the client to exit', () => !alive(pid));
  t.true(consoleFree(dir));
  t.is(cli(dir, ['domstate', 'web1']).stdout.trim(), 'running', 'the guest did not notice');
});
