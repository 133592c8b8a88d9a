// A real OpenSSH server on 127.0.0.1 for the remote-host tests: its own host key, a
// generated client key, a free port and a throw-away config, so that bhyve+ssh:// meets
// exactly what it meets on a real host (sshd runs `bhyve-tui proxy` through root's shell).
// Tests that need it skip, and say why, when sshd or ssh-keygen is missing.
import {execFileSync, spawn, type ChildProcess} from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {cliBundle, killSimProcesses} from './sim-dir.js';

const SSHD = '/usr/sbin/sshd';

/** Why the sshd tests cannot run here, or undefined when they can. */
export function sshdMissing(): string | undefined {
  if (!fs.existsSync(SSHD)) return `${SSHD} is not installed (apt-get install openssh-server; .ci/run installs it)`;
  for (const tool of ['ssh', 'ssh-keygen']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], {stdio: 'ignore'});
    } catch {
      return `${tool} is not installed (apt-get install openssh-client)`;
    }
  }
  if (process.getuid?.() !== 0) return 'sshd must run as root to log a user in';
  return undefined;
}

export interface TestSshd {
  port: number;
  dir: string;
  /** the client's private key (?keyfile=) */
  key: string;
  /** a known_hosts file with this server's key (?known_hosts=) */
  knownHosts: string;
  /** a directory for ssh's shared connections (XDG_RUNTIME_DIR for the client) */
  runtimeDir: string;
  /** the URI's query for this server: keyfile, known_hosts and the remote bhyve-tui */
  query: string;
  /** a sim+ssh:// URI for a simulated host at DIR behind this server */
  simUri(dir: string, user?: string): string;
  /** logins so far: one per ssh connection (the sessions a shared connection carries are not logins) */
  connections(): number;
  /** what sshd logged */
  log(): string;
  /** the client environment: its own XDG_RUNTIME_DIR (connection sharing) */
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
  start(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function accepting(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = net.connect(port, '127.0.0.1');
      c.once('connect', () => {
        c.destroy();
        resolve(true);
      });
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`sshd did not listen on port ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts sshd; `t.teardown` stops it and removes its files. */
export async function startSshd(t: {teardown(fn: () => void | Promise<void>): void}): Promise<TestSshd> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bhyve-tui-sshd-'));
  const keygen = (file: string) => execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file], {stdio: 'ignore'});
  const hostKey = path.join(dir, 'host_ed25519');
  const key = path.join(dir, 'client_ed25519');
  keygen(hostKey);
  keygen(key);
  fs.copyFileSync(`${key}.pub`, path.join(dir, 'authorized_keys'));
  const port = await freePort();
  const knownHosts = path.join(dir, 'known_hosts');
  const hostPub = fs.readFileSync(`${hostKey}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');
  fs.writeFileSync(knownHosts, `[127.0.0.1]:${port} ${hostPub}\n`);
  const runtimeDir = path.join(dir, 'run');
  fs.mkdirSync(runtimeDir, {mode: 0o700});
  fs.mkdirSync('/run/sshd', {recursive: true, mode: 0o755}); // Debian's privilege separation directory
  const config = path.join(dir, 'sshd_config');
  fs.writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'StrictModes no',
      'UsePAM no',
      'PrintMotd no',
      'LogLevel VERBOSE', // one 'Accepted publickey' line per login: what connection sharing saves
      '',
    ].join('\n'),
  );
  let child: ChildProcess | undefined;
  // -E: the listener and every session's sshd (re-executed with the same arguments) log there.
  const logFile = path.join(dir, 'sshd.log');
  const log = () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '');
  const start = async () => {
    child = spawn(SSHD, ['-D', '-E', logFile, '-f', config], {stdio: ['ignore', 'ignore', 'ignore']});
    await accepting(port);
  };
  // The host goes down: the listener and every session it started (sshd's children name
  // its config), and the client's shared connections to it (they name its key).
  const stop = async () => {
    const c = child;
    child = undefined;
    if (c && c.exitCode === null && c.signalCode === null) {
      const gone = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      await gone;
    }
    killSimProcesses(dir);
  };
  await start();
  const query = `keyfile=${encodeURIComponent(key)}&known_hosts=${encodeURIComponent(knownHosts)}&command=${encodeURIComponent(cliBundle)}`;
  const env: NodeJS.ProcessEnv = {...process.env, XDG_RUNTIME_DIR: runtimeDir};
  delete env.CI;
  t.teardown(async () => {
    await stop();
    // ssh's shared connections end with their server; their sockets go with the directory.
    fs.rmSync(dir, {recursive: true, force: true});
  });
  return {
    port,
    dir,
    key,
    knownHosts,
    runtimeDir,
    query,
    env,
    stop,
    start,
    connections: () => (log().match(/^Accepted publickey for /gm) ?? []).length,
    log,
    simUri: (simDir, user = 'root') => `sim+ssh://${user}@127.0.0.1:${port}${simDir.split('/').map(encodeURIComponent).join('/')}?${query}`,
  };
}
