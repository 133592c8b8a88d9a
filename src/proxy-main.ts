// The far end of a bhyve+ssh:// connection, as libvirt's virt-ssh-helper: ssh runs
// `bhyve-tui [-c URI] proxy` on the remote host for every connection a client opens (the
// TUI opens one per host, a command one per run). It reaches this host's daemon (starting
// it, or replacing one of an older protocol that supervises nothing, like any local client)
// and relays the protocol between ssh's stdin/stdout and the daemon's socket, byte for
// byte. The launcher loads this module alone, not the whole command line: its start-up is
// part of every remote request's latency.
import type {Duplex} from 'node:stream';
import {DaemonConnection} from '../driver/client/daemon-client.js';
import {defaultConnectionUri} from '../driver/client/connection-uri.js';

/** Relays until either side ends; a client that goes away ends the daemon connection (a console just detaches). */
function relay(sock: Duplex, input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => {
    sock.on('error', () => {});
    output.on('error', () => sock.destroy()); // ssh gone
    input.pipe(sock); // the client's end of input ends our writes (a console detaches)
    sock.pipe(output);
    sock.once('close', () => resolve());
  });
}

/** Runs the relay for `uri`; the exit status. */
export async function runProxy(uri: string, note: (line: string) => void): Promise<number> {
  if (process.stdin.isTTY) {
    note('error: bhyve-tui proxy relays the protocol over its stdin and stdout; ssh runs it for bhyve+ssh:// URIs');
    return 2;
  }
  const sock = await DaemonConnection.dialLocal(uri, (line) => note(`warning: ${line}`));
  await relay(sock, process.stdin, process.stdout);
  return 0;
}

/** The launcher's `[-c URI] proxy`: the relay, its errors as the command line reports them. */
export async function proxyMain(uri: string | null): Promise<void> {
  const note = (line: string) => process.stderr.write(`${line}\n`);
  try {
    process.exitCode = await runProxy(uri ?? defaultConnectionUri(), note);
  } catch (e) {
    note(`error: ${(e as Error).message}`);
    process.exitCode = 1;
  }
}
