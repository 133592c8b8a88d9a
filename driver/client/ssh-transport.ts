// The ssh transport of bhyve+ssh:// and sim+ssh:// URIs, as libvirt's: OpenSSH runs the
// far end's helper (`bhyve-tui -c URI proxy`, our virt-ssh-helper), which reaches that
// host's daemon and relays the protocol over ssh's stdin and stdout. OpenSSH does the rest:
// keys, agents, known_hosts, jump hosts from ~/.ssh/config, and connection sharing
// (ControlMaster), so every request after the first costs no new handshake.
import {spawn, type ChildProcess} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {Duplex} from 'node:stream';
import {DriverError} from './connection.js';
import {farEndUri, type ParsedUri} from './connection-uri.js';

/** How long the far end has to answer (ssh's own connect timeout is shorter). */
export const SSH_ANSWER_TIMEOUT_MS = 20_000;
/** ssh's TCP connect and banner timeout, in seconds. */
const CONNECT_TIMEOUT_S = 10;
/** How long a shared connection outlives its last session (ssh ControlPersist). */
const CONTROL_PERSIST_S = 60;

/** A remote shell word: single-quoted, so that its shell (sh or csh) expands nothing in it. */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** `user@host:port` as messages name the far end. */
export function sshLabel(p: ParsedUri): string {
  const host = p.host?.includes(':') ? `[${p.host}]` : (p.host ?? '');
  return `${p.user ? `${p.user}@` : ''}${host}${p.port ? `:${p.port}` : ''}`;
}

/**
 * The directory of the shared connections' sockets: the user's runtime directory, else one
 * of the user's own under the temp directory. A directory there that is not ours, or that
 * others may write, is refused: its sockets would carry our sessions.
 */
function controlDir(env: NodeJS.ProcessEnv = process.env): string {
  const runtime = env.XDG_RUNTIME_DIR && path.isAbsolute(env.XDG_RUNTIME_DIR) ? env.XDG_RUNTIME_DIR : undefined;
  const base = runtime ?? path.join(os.tmpdir(), `bhyve-tui-${process.getuid?.() ?? 'user'}`);
  const dir = path.join(base, runtime ? 'bhyve-tui-ssh' : 'ssh');
  for (const d of runtime ? [dir] : [base, dir]) {
    try {
      fs.mkdirSync(d, {mode: 0o700});
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new DriverError(`cannot make ssh's connection-sharing directory ${d}: ${(e as Error).message}`);
    }
    const st = fs.lstatSync(d);
    const uid = process.getuid?.();
    if (!st.isDirectory() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o077) !== 0) {
      throw new DriverError(`ssh's connection-sharing directory ${d} is not a directory of this user's alone (mode 700): remove it, or set XDG_RUNTIME_DIR`);
    }
  }
  return dir;
}

/** ssh's argv for a URI: options, then the host, then the far end's command, each word quoted for its shell. */
export function sshArgv(p: ParsedUri, controlPath: string): string[] {
  const o = p.options ?? {};
  const argv = ['-T', '-x', '-a'];
  // No prompt can be answered: the TUI owns the terminal. Keys come from the agent or keyfile=.
  argv.push('-o', 'BatchMode=yes', '-o', `ConnectTimeout=${CONNECT_TIMEOUT_S}`, '-o', 'ServerAliveInterval=5', '-o', 'ServerAliveCountMax=3');
  argv.push('-o', 'ControlMaster=auto', '-o', `ControlPath=${controlPath}/%C`, '-o', `ControlPersist=${CONTROL_PERSIST_S}`);
  // '%' would be one of ssh's tokens in these paths.
  const literal = (s: string) => s.replace(/%/g, '%%');
  if (o.keyfile) argv.push('-i', literal(o.keyfile), '-o', 'IdentitiesOnly=yes');
  if (o.known_hosts) argv.push('-o', `UserKnownHostsFile=${literal(o.known_hosts)}`);
  if (o.no_verify) argv.push('-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR');
  if (p.port) argv.push('-p', String(p.port));
  if (p.user) argv.push('-l', p.user);
  // ssh joins the words after the host with spaces and gives them to the remote user's
  // shell: every one is quoted, and nothing in them comes from a domain.
  const remote = [o.command ?? 'bhyve-tui', '-c', farEndUri(p), 'proxy'].map(shellWord).join(' ');
  argv.push('--', p.host!, remote);
  return argv;
}

/** ssh's stdin and stdout as one stream: what the protocol reads and writes, as a socket's. */
class SshStream extends Duplex {
  constructor(private readonly child: ChildProcess) {
    super();
    const out = child.stdout!;
    out.on('data', (c: Buffer) => {
      if (!this.push(c)) out.pause();
    });
    out.on('end', () => this.push(null));
    child.stdin!.on('error', () => {}); // ssh gone: its exit says why
    child.once('exit', () => {
      // What ssh wrote last is read before the stream closes.
      if (out.readableEnded) this.destroy();
      else out.once('end', () => setImmediate(() => this.destroy()));
    });
  }
  override _read(): void {
    this.child.stdout!.resume();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.child.stdin!.write(chunk, () => cb());
  }
  override _final(cb: (e?: Error | null) => void): void {
    this.child.stdin!.end(() => cb());
  }
  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    cb(err);
  }
}

/** A running ssh: its stream, and how it ended when it did. */
export interface SshSession {
  stream: Duplex;
  /** what ssh and the far end wrote to stderr (the last 8 KiB) */
  stderr(): string;
  /** resolves with the exit code once ssh has exited */
  exited: Promise<number>;
  kill(): void;
}

/** Starts ssh to the far end's proxy. */
export function openSsh(p: ParsedUri, env: NodeJS.ProcessEnv = process.env): SshSession {
  const argv = sshArgv(p, controlDir(env));
  const child = spawn('ssh', argv, {stdio: ['pipe', 'pipe', 'pipe'], env});
  let err = '';
  child.stderr!.on('data', (c: Buffer) => {
    err = (err + c.toString()).slice(-8192);
  });
  const exited = new Promise<number>((resolve) => {
    child.once('error', (e) => {
      err += `\n${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'ssh: command not found' : e.message}`;
      resolve(255);
    });
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 255)));
  });
  return {
    stream: new SshStream(child),
    stderr: () => err,
    exited,
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    },
  };
}

/**
 * Why an ssh session ended before the far end answered, in one line that says what to do.
 * OpenSSH's own words are matched (ssh.c, sshconnect.c); anything else is quoted.
 */
export function sshFailure(p: ParsedUri, code: number, stderr: string): DriverError {
  const who = sshLabel(p);
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('Warning: Permanently added'));
  const last = lines.at(-1) ?? '';
  const has = (re: RegExp) => lines.some((l) => re.test(l));
  const sshAgain = `ssh${p.port ? ` -p ${p.port}` : ''} ${p.user ? `${p.user}@` : ''}${p.host}`;
  if (has(/REMOTE HOST IDENTIFICATION HAS CHANGED/)) {
    return new DriverError(
      `the host key of ${who} has changed since it was recorded in known_hosts: if the change is expected, remove the old key (ssh-keygen -R ${p.host}) and connect once with '${sshAgain}'`,
    );
  }
  if (has(/Host key verification failed|No .* host key is known/)) {
    return new DriverError(`the host key of ${who} is not in known_hosts: check it and accept it once with '${sshAgain}' (or give ?known_hosts=FILE)`);
  }
  if (has(/Permission denied/)) {
    return new DriverError(
      `ssh could not log in to ${who} (${last.replace(/^.*?(Permission denied)/, '$1')}): add the key to ssh-agent or give ?keyfile=PATH; bhyve-tui cannot ask for a password`,
    );
  }
  if (has(/Could not resolve hostname/)) return new DriverError(`cannot resolve the host name ${p.host} (${who})`);
  if (has(/Connection refused/)) return new DriverError(`cannot reach ${who} over ssh: connection refused (is sshd running on that port?)`);
  if (has(/timed out|Connection timed out|Operation timed out/)) return new DriverError(`cannot reach ${who} over ssh: the connection timed out`);
  if (has(/ssh: command not found/)) return new DriverError('ssh is not installed on this host: install OpenSSH (the ssh command) to reach remote hosts');
  if (code === 127 || has(/(bhyve-tui|command).*not found|No such file or directory/)) {
    return new DriverError(
      `bhyve-tui was not found on ${who} (${last}): install it there, or give its path with ?command=/usr/local/bin/bhyve-tui (a non-interactive ssh session's PATH may lack /usr/local/bin)`,
    );
  }
  // The far end's bhyve-tui said why (its error line).
  const theirs = [...lines].reverse().find((l) => l.startsWith('error: '));
  if (theirs) return new DriverError(`on ${who}: ${theirs.slice('error: '.length)}`);
  return new DriverError(`ssh to ${who} ended (exit ${code})${last ? `: ${last}` : ' before the far end answered'}`);
}
