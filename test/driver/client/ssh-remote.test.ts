// bhyve+ssh:// through a real OpenSSH server on 127.0.0.1 (test/helpers/sshd.ts): the client
// runs `ssh … bhyve-tui -c sim:///DIR proxy` exactly as against a remote FreeBSD host, where
// the URI would be bhyve+ssh://root@HOST/system and the far end's bhyve:///system.
import test from 'ava';
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {cliBundle, eventually, fastSimHost, makeSimDir, removeSimDir} from '../../helpers/sim-dir.js';
import {startSshd, sshdMissing} from '../../helpers/sshd.js';
import {ESC_DEFAULT, attached, loginRoot, ptyClient, shell} from '../console/helpers.js';

const missing = sshdMissing();
const sshTest = missing ? test.skip : test.serial;
if (missing) test('remote hosts over ssh: skipped', (t) => t.log(`skipped: ${missing}`) ?? t.pass());

function run(uri: string, args: string[], env: NodeJS.ProcessEnv): {status: number; stdout: string; stderr: string; ms: number} {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [cliBundle, '-c', uri, ...args], {encoding: 'utf8', input: '', env, timeout: 60_000});
  return {status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - t0};
}

sshTest('list --all over ssh prints what the local list prints; later calls share the first connection', async (t) => {
  const dir = fastSimHost(t, 'ssh-list');
  const sshd = await startSshd(t);
  const local = run(`sim://${dir}`, ['list', '--all'], sshd.env);
  const first = run(sshd.simUri(dir), ['list', '--all'], sshd.env);
  t.is(first.status, 0, first.stderr);
  t.is(first.stderr, '');
  t.is(first.stdout, local.stdout);
  t.regex(first.stdout, /\bweb1\s+shut off\b/);
  const again = run(sshd.simUri(dir), ['list', '--all'], sshd.env);
  t.is(again.stdout, local.stdout);
  t.is(sshd.connections(), 1, 'the second call went through the shared connection (ControlMaster)');
  t.log(`list over ssh: first ${first.ms} ms, second ${again.ms} ms; local ${local.ms} ms`);
});

sshTest('start, a console round trip, shutdown and destroy over ssh', async (t) => {
  const dir = fastSimHost(t, 'ssh-console');
  const sshd = await startSshd(t);
  const uri = sshd.simUri(dir);
  const started = run(uri, ['start', 'web1'], sshd.env);
  t.is(started.stdout, "Domain 'web1' started\n\n", started.stderr);
  await eventually('web1 running', () => run(uri, ['domstate', 'web1'], sshd.env).stdout === 'running\n\n');
  const c = ptyClient(t, dir, ['console', 'web1'], {uri, env: sshd.env});
  await attached(c, 'web1');
  await loginRoot(c, 'web1');
  t.regex(await shell(c, 'web1', 'uname -n'), /\r\nweb1\r\n/);
  c.send(ESC_DEFAULT);
  t.is(await c.exited, 0);
  t.is(run(uri, ['domstate', 'web1'], sshd.env).stdout, 'running\n\n', 'detaching left the guest running');
  // The console again: the scrollback is replayed across ssh too.
  const again = ptyClient(t, dir, ['console', 'web1'], {uri, env: sshd.env});
  const after = await attached(again, 'web1');
  await again.waitFor('uname -n', after);
  again.send(ESC_DEFAULT);
  t.is(await again.exited, 0);
  t.is(run(uri, ['shutdown', 'web1'], sshd.env).status, 0);
  await eventually('web1 shut off', () => run(uri, ['domstate', 'web1'], sshd.env).stdout === 'shut off\n\n', 60_000);
  t.is(run(uri, ['start', 'web1'], sshd.env).status, 0);
  t.is(run(uri, ['destroy', 'web1'], sshd.env).stdout, "Domain 'web1' destroyed\n\n");
});

sshTest('a dropped ssh connection ends the console session cleanly and leaves the guest running', async (t) => {
  const dir = fastSimHost(t, 'ssh-drop');
  const sshd = await startSshd(t);
  const uri = sshd.simUri(dir);
  t.is(run(uri, ['start', 'web1'], sshd.env).status, 0);
  await eventually('web1 running', () => run(`sim://${dir}`, ['domstate', 'web1'], sshd.env).stdout === 'running\n\n');
  const c = ptyClient(t, dir, ['console', 'web1'], {uri, env: sshd.env});
  await attached(c, 'web1');
  await sshd.stop(); // the host's sshd, its sessions and the shared connection: the network is gone
  const code = await c.exited;
  t.not(code, null);
  t.true(c.text().length > 0);
  t.is(run(`sim://${dir}`, ['domstate', 'web1'], sshd.env).stdout, 'running\n\n', 'the guest never noticed');
});

sshTest('hostile text in the URI reaches the far end as one word: nothing is run by its shell', async (t) => {
  const sshd = await startSshd(t);
  // A command the far end's shell would run makes this file in root's home (its working directory).
  const pwned = `pw${process.pid}`;
  const canary = path.join(os.homedir(), pwned);
  // (short: the daemon's socket path below it must fit a unix socket's 104 bytes)
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'bt-'));
  t.teardown(() => fs.rmSync(base, {recursive: true, force: true}));
  const dir = path.join(base, `a '$(touch ${pwned})";\`touch ${pwned}\`%4`);
  fs.mkdirSync(dir);
  t.teardown(() => removeSimDir(dir));
  const r = run(sshd.simUri(dir), ['list', '--all'], sshd.env);
  t.is(r.status, 0, r.stderr);
  t.regex(r.stdout, /\bweb1\b/);
  t.true(fs.existsSync(path.join(dir, 'host.json')), 'the simulated host was made in exactly that directory');
  // Domain names travel inside the protocol, never on a command line; they are refused there.
  for (const name of [`$(touch ${pwned})`, `x;touch ${pwned}`, `\`touch ${pwned}\``, "web1' '--help"]) {
    const bad = run(sshd.simUri(dir), ['start', name], sshd.env);
    t.is(bad.status, 1, name);
    t.regex(bad.stderr, /^error: .*name/m, name);
  }
  t.false(fs.existsSync(canary), 'no shell ran any of it');
});

sshTest('what goes wrong says what to do: unknown host key, refused key, no sshd, no bhyve-tui there, a mismatched bhyve-tui', async (t) => {
  const dir = makeSimDir('ssh-errors');
  t.teardown(() => removeSimDir(dir));
  const sshd = await startSshd(t);
  const uri = sshd.simUri(dir);
  const oneLine = (r: {stderr: string}) => t.false(r.stderr.trimEnd().includes('\n'), r.stderr);

  const emptyKnown = path.join(sshd.dir, 'empty_known_hosts');
  fs.writeFileSync(emptyKnown, '');
  const unknown = run(uri.replace(encodeURIComponent(sshd.knownHosts), encodeURIComponent(emptyKnown)), ['list'], sshd.env);
  t.is(unknown.status, 1);
  t.regex(
    unknown.stderr,
    /^error: the host key of root@127\.0\.0\.1:\d+ is not in known_hosts: check it and accept it once with 'ssh -p \d+ root@127\.0\.0\.1'/,
  );
  oneLine(unknown);

  const otherKey = path.join(sshd.dir, 'other_ed25519');
  spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', otherKey]);
  const refused = run(uri.replace(encodeURIComponent(sshd.key), encodeURIComponent(otherKey)), ['list'], sshd.env);
  t.is(refused.status, 1);
  t.regex(refused.stderr, /^error: ssh could not log in to root@127\.0\.0\.1:\d+ \(Permission denied.*\): add the key to ssh-agent or give \?keyfile=PATH/);
  oneLine(refused);

  const notThere = run(uri.replace(encodeURIComponent(cliBundle), encodeURIComponent('/nonexistent/bhyve-tui')), ['list'], sshd.env);
  t.is(notThere.status, 1);
  t.regex(notThere.stderr, /^error: bhyve-tui was not found on root@127\.0\.0\.1:\d+ .*\?command=/);
  oneLine(notThere);

  // A far end of another protocol: a stand-in that answers the hello as protocol 1.
  const old = path.join(sshd.dir, 'old-bhyve-tui');
  fs.writeFileSync(
    old,
    `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} -e 'process.stdin.once("data",()=>{process.stdout.write(JSON.stringify({id:0,result:{protocol:1,build:"0.0.1+old",pid:1}})+"\\n")})'\n`,
    {mode: 0o755},
  );
  const mismatch = run(uri.replace(encodeURIComponent(cliBundle), encodeURIComponent(old)), ['list'], sshd.env);
  t.is(mismatch.status, 1);
  t.regex(
    mismatch.stderr,
    /^error: the bhyve-tui on root@127\.0\.0\.1:\d+ speaks protocol 1 \(build 0\.0\.1\+old\), this client protocol \d+ \(build [^)]+\): install the same bhyve-tui on both hosts\n$/,
  );

  await sshd.stop();
  const down = run(uri, ['list'], sshd.env);
  t.is(down.status, 1);
  t.regex(down.stderr, /^error: cannot reach root@127\.0\.0\.1:\d+ over ssh: connection refused/);
  oneLine(down);
});
