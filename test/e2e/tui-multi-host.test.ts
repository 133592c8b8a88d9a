// The TUI on five hosts, all over a real OpenSSH server, in a real terminal (tmux), taken
// from the settings file's "connections": three simulated hosts, one whose sshd is stopped
// (connection refused) and one that accepts TCP and never answers. The three are listed
// and usable while the other two show their errors within a bounded time; a key never
// waits for a broken host; s and c act on the selected row's host, across ssh.
import test from 'ava';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {TmuxSession} from '../helpers/tmux.js';
import {cli, cliBundle, makeSimDir, removeSimDir} from '../helpers/sim-dir.js';
import {sshdMissing, startSshd} from '../helpers/sshd.js';
import {hasTmux, rowOf, selectedRow} from './tui-helpers.js';

const missing = hasTmux ? sshdMissing() : 'tmux is not installed (.ci/run installs it)';
const e2e = missing === undefined ? test.serial : test.skip;
if (missing !== undefined) test(`the five-host TUI test needs tmux and OpenSSH (skipped: ${missing})`, (t) => t.pass());

e2e('five hosts over ssh: three usable, one refused, one that never answers; keys never wait; s and c act on the selected host', async (t) => {
  t.timeout(4 * 60_000);
  const sshd = await startSshd(t);
  // A host whose sshd is down: its port refuses connections.
  const down = await startSshd(t);
  await down.stop();
  // A host that accepts the TCP connection and never says a word.
  const held: net.Socket[] = [];
  const silent = net.createServer((sock) => held.push(sock));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
  const silentPort = (silent.address() as net.AddressInfo).port;
  const sims = ['east', 'west', 'north'].map((name) => ({name, dir: makeSimDir(`multi-${name}`)}));
  for (const s of sims) cli(s.dir, ['list']);
  const config = fs.mkdtempSync(path.join(os.tmpdir(), 'bhyve-tui-multi-config-'));
  fs.mkdirSync(path.join(config, 'bhyve-tui'));
  const connections = [
    ...sims.map((s) => ({name: s.name, uri: sshd.simUri(s.dir)})),
    {name: 'down', uri: down.simUri('/var/tmp/down')},
    {name: 'stuck', uri: `sim+ssh://root@127.0.0.1:${silentPort}/var/tmp/stuck?${sshd.query}`},
  ];
  fs.writeFileSync(path.join(config, 'bhyve-tui', 'bhyve-tui.json'), JSON.stringify({connections}, null, 2));
  const tmux = new TmuxSession('multi-host');
  t.teardown(() => {
    tmux.kill();
    for (const sock of held) sock.destroy();
    silent.close();
    for (const s of sims) {
      cli(s.dir, ['destroy', 'web1']);
      removeSimDir(s.dir);
    }
    fs.rmSync(config, {recursive: true, force: true});
  });

  const opened = Date.now();
  tmux.start([process.execPath, cliBundle], {cols: 150, rows: 45, env: {XDG_CONFIG_HOME: config, XDG_RUNTIME_DIR: sshd.runtimeDir}});
  let screen = await tmux.waitFor((s) => sims.every((h) => new RegExp(`${h.name} {2}4 domains`).test(s)), 60_000);
  const listed = Date.now() - opened;
  // The refused host's ssh may still be starting (CI once listed the three first, at 1 s).
  await tmux.waitFor((s) => /down {2}✘ .*[Cc]onnection refused/.test(s), 30_000);
  const refused = Date.now() - opened;

  // While the silent host is still being waited for, every key is answered at once.
  const stillWaiting = !/stuck {2}✘/.test(tmux.screen());
  const moves: number[] = [];
  for (let i = 0; i < 9; i++) {
    const before = selectedRow(tmux.screen());
    const sent = Date.now();
    tmux.keys('j');
    await tmux.waitFor((s) => selectedRow(s) !== before, 10_000);
    moves.push(Date.now() - sent);
  }
  t.log(
    `listed three hosts ${listed} ms after start, the refused one ${refused} ms; 9 moves while stuck ${stillWaiting ? 'was still connecting' : 'had failed already'}: ${moves.join(', ')} ms`,
  );
  // A key that waited for the silent host would take its 10 s bound.
  t.true(Math.max(...moves) < 5000, `key → frame: ${moves.join(', ')} ms`);

  // Rows: east's header and four domains, then west's header, db1, debian12, freebsd14, web1.
  t.regex(selectedRow(tmux.screen()), /web1\s+shut off/);
  // Its error names the bound it waited (the connect and first listing, 10 s).
  screen = await tmux.waitFor(/stuck {2}✘ .*(no answer within 10 s|timed out)/, 60_000);
  t.log(`the silent host was an error ${Date.now() - opened} ms after start`);

  tmux.keys('s');
  await tmux.waitFor('Started web1 on west', 60_000);
  await tmux.waitFor(/west {2}4 domains, 1 running/, 30_000);
  t.regex(rowOf(cli(sims[1]!.dir, ['list']).stdout, 'web1'), /running/);
  for (const s of [sims[0]!, sims[2]!]) t.regex(rowOf(cli(s.dir, ['list', '--all']).stdout, 'web1'), /shut off/, `${s.name}'s web1 untouched`);

  // The console of west's web1, over ssh, full screen: the guest's login prompt, then back.
  tmux.keys('c');
  await tmux.waitFor(/login:/, 60_000);
  tmux.keys('C-]');
  screen = await tmux.waitFor(/Console closed \(web1 on west\)/, 15_000);
  t.regex(screen, /west {2}4 domains, 1 running/);
  tmux.keys('q');
  await tmux.waitFor(() => tmux.paneDead(), 15_000);
});
