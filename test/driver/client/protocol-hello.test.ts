// The hello through real processes: the built CLI meets a daemon of another protocol (a
// stand-in process at the simulated host's daemon.sock, test/helpers/fake-daemon.mjs).
// Without guests the old daemon is replaced and the command goes on; with guests the
// client refuses in one line that says how to upgrade without stopping them, and doing
// what it says works: the new daemon adopts the running guest.
import test from 'ava';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {spawn, spawnSync} from 'node:child_process';
import {cliBundle, daemonPid, eventually, fastSimHost, repoRoot} from '../../helpers/sim-dir.js';
import {pidAlive} from '../../../driver/host/process-alive.js';
import {PROTOCOL} from '../../../driver/protocol/methods.js';
import type {DomainSummary} from '../../../driver/client/connection.js';

/** The built CLI, with its stderr also when it succeeds (a notice is not a failure). */
function cli(dir: string, args: string[]): {status: number; stdout: string; stderr: string} {
  const r = spawnSync(process.execPath, [cliBundle, '-c', `sim://${dir}`, ...args], {encoding: 'utf8', input: ''});
  return {status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr};
}

const sockOf = (dir: string) => path.join(dir, 'var/run/bhyve-tui/daemon.sock');
const list = (dir: string) => JSON.parse(cli(dir, ['list', '--all', '--json']).stdout) as DomainSummary[];
const esc = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** The CLI's build as its hello gives it: the version and the hash of the sources. */
const clientBuild = String.raw`0\.1\.0\+[0-9a-f]{12}`;

/** Ends the host's real daemon the way an upgrade would find it gone: SIGTERM; guests stay. */
async function stopDaemon(dir: string): Promise<void> {
  const pid = daemonPid(dir);
  process.kill(pid, 'SIGTERM');
  await eventually('the daemon to exit', () => !pidAlive(pid));
}

/** Starts the stand-in daemon at the host's socket; resolves with its pid once it listens. */
async function fakeDaemon(t: {teardown(fn: () => void): void}, dir: string, mode: string, guests: string[] = []): Promise<{pid: number; log: string}> {
  const log = path.join(dir, 'fake-daemon.log');
  const child = spawn(process.execPath, [path.join(repoRoot, 'test/helpers/fake-daemon.mjs'), sockOf(dir), mode, guests.join(','), log], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.teardown(() => {
    if (pidAlive(child.pid)) child.kill('SIGKILL');
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`the fake daemon exited with ${code}`)));
  });
  return {pid: child.pid!, log};
}

test.serial('a daemon of another protocol that supervises no guests is replaced in one line, and the command goes on', async (t) => {
  const dir = fastSimHost(t, 'hello-replace');
  await stopDaemon(dir);
  const old = await fakeDaemon(t, dir, 'hello:1');
  const r = cli(dir, ['list', '--all']);
  t.is(r.status, 0, r.stderr);
  t.regex(
    r.stderr,
    new RegExp(
      String.raw`^warning: the bhyve-tui daemon for sim://${esc(dir)} speaks protocol 1 \(build fake-1\), this client protocol ${PROTOCOL} \(build ${clientBuild}\); it supervises no guests: replacing it\n$`,
    ),
  );
  t.regex(r.stdout, /\bweb1\s+shut off\b/);
  t.false(pidAlive(old.pid), 'the old daemon was ended');
  t.is(fs.readFileSync(old.log, 'utf8'), 'hello\n', 'the hello was the first and only request it got');
  const now = daemonPid(dir);
  t.not(now, old.pid);
  t.true(pidAlive(now), 'a new daemon answers');
  // Once replaced, the next command meets a daemon of its own protocol: no more notices.
  const again = cli(dir, ['list']);
  t.is(again.status, 0, again.stderr);
  t.is(again.stderr, '');
});

test.serial('a daemon from before the hello is replaced too; the new daemon answers a client without a hello in one line', async (t) => {
  const dir = fastSimHost(t, 'hello-v1');
  await stopDaemon(dir);
  const old = await fakeDaemon(t, dir, 'before-hello');
  const r = cli(dir, ['dumpxml', 'web1']);
  t.is(r.status, 0, r.stderr);
  t.regex(
    r.stderr,
    new RegExp(
      String.raw`^warning: the bhyve-tui daemon for sim://${esc(dir)} speaks protocol 1 \(build unknown\), this client protocol ${PROTOCOL} \(build ${clientBuild}\); it supervises no guests: replacing it\n$`,
    ),
  );
  t.regex(r.stdout, /<name>web1<\/name>/);
  t.false(pidAlive(old.pid));
  t.is(fs.readFileSync(old.log, 'utf8'), 'hello\nlistDomains\nping\n', 'what it has in common with this protocol: the list and the ping');
  // The other way round: an old client (no hello) gets one line from the new daemon.
  const reply = await new Promise<string>((resolve, reject) => {
    const sock = net.createConnection(sockOf(dir));
    let got = '';
    sock.on('data', (c) => {
      got += c.toString();
      if (got.includes('\n')) {
        sock.destroy();
        resolve(got);
      }
    });
    sock.on('error', reject);
    sock.write(`${JSON.stringify({id: 7, method: 'listDomains', params: []})}\n`);
  });
  const answer = JSON.parse(reply) as {id: number; error?: {message: string}};
  t.is(answer.id, 7);
  t.regex(
    answer.error?.message ?? '',
    new RegExp(
      String.raw`^this bhyve-tui daemon \(protocol ${PROTOCOL}, build ${clientBuild}\) got a request before a hello: the client is an older bhyve-tui; quit it and start the installed one$`,
    ),
  );
});

test.serial('with a guest running, the old daemon is not replaced: one line says how to upgrade, and doing so keeps the guest', async (t) => {
  const dir = fastSimHost(t, 'hello-guests');
  t.is(cli(dir, ['start', 'web1']).status, 0);
  await eventually('web1 running', () => list(dir).find((d) => d.name === 'web1')?.state === 'running');
  const guest = list(dir).find((d) => d.name === 'web1')!.pid!;
  await stopDaemon(dir);
  t.true(pidAlive(guest), 'the guest outlives its daemon');
  const old = await fakeDaemon(t, dir, 'before-hello', ['web1']);
  for (const verb of [['list'], ['console', 'web1']]) {
    const r = cli(dir, verb);
    t.is(r.status, 1, verb.join(' '));
    t.is(r.stdout, '');
    t.regex(
      r.stderr,
      new RegExp(
        String.raw`^error: the bhyve-tui daemon for sim://${esc(dir)} speaks protocol 1 \(build unknown\), this client protocol ${PROTOCOL} \(build ${clientBuild}\); ` +
          esc(
            `it supervises web1, so it is not replaced: the guests do not depend on the daemon, so end it with 'kill ${old.pid}' (not 'service bhyve_tui restart', which shuts the guests down first) and run bhyve-tui again: the new daemon adopts the running guests`,
          ) +
          '\n$',
      ),
      verb.join(' '),
    );
  }
  t.true(pidAlive(old.pid), 'the old daemon still runs');
  t.true(pidAlive(guest), 'and so does the guest');
  // What the message says: end the old daemon, run bhyve-tui again.
  process.kill(old.pid, 'SIGTERM');
  await eventually('the old daemon to exit', () => !pidAlive(old.pid));
  const web1 = list(dir).find((d) => d.name === 'web1');
  t.is(web1?.state, 'running');
  t.is(web1?.pid, guest, 'the same bhyve, adopted by the new daemon');
  t.regex(fs.readFileSync(path.join(dir, 'var/log/bhyve-tui/web1.log'), 'utf8'), /adopted the guest/);
  t.is(cli(dir, ['destroy', 'web1']).status, 0);
  await eventually('the guest to stop', () => !pidAlive(guest));
});

test.serial('a daemon of a newer protocol is left alone: one line names its build', async (t) => {
  const dir = fastSimHost(t, 'hello-newer');
  await stopDaemon(dir);
  const newer = await fakeDaemon(t, dir, `hello:${PROTOCOL + 1}`);
  const r = cli(dir, ['list']);
  t.is(r.status, 1);
  t.regex(
    r.stderr,
    new RegExp(
      String.raw`^error: the bhyve-tui daemon for sim://${esc(dir)} speaks protocol ${PROTOCOL + 1} \(build fake-${PROTOCOL + 1}\), this client protocol ${PROTOCOL} \(build ${clientBuild}\); the daemon is newer: use the bhyve-tui it was started from \(fake-${PROTOCOL + 1}\)\n$`,
    ),
  );
  t.true(pidAlive(newer.pid));
});

test.serial('a daemon that closes connections unanswered on its way out is waited for: the client reaches the next daemon', async (t) => {
  const dir = fastSimHost(t, 'hello-dying');
  await stopDaemon(dir);
  const dying = await fakeDaemon(t, dir, 'dying:3');
  const r = cli(dir, ['list', '--all']);
  t.is(r.status, 0, r.stderr);
  t.is(r.stderr, '', 'nothing to report: nothing ran on the dying daemon');
  t.regex(r.stdout, /\bweb1\s+shut off\b/);
  t.is(fs.readFileSync(dying.log, 'utf8'), 'closed\nclosed\nclosed\n', 'each connection it closed was tried again');
  const now = daemonPid(dir);
  t.not(now, dying.pid);
  t.true(pidAlive(now), 'a new daemon was started in its place');
});
