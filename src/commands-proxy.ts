// `bhyve-tui proxy`: the far end of a bhyve+ssh:// connection, as libvirt's virt-ssh-helper.
// ssh runs it on the remote host; it reaches this host's daemon (starting it, or replacing
// one of an older protocol that supervises nothing, like any local client) and relays the
// protocol between ssh's stdin/stdout and the daemon's socket, byte for byte.
import type {Duplex} from 'node:stream';
import {DaemonConnection} from '../driver/client/daemon-client.js';
import type {CommandSpec} from './command-spec.js';

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

export const proxyCommands: CommandSpec[] = [
  {
    name: 'proxy',
    synopsis: 'proxy',
    summary: "relay a remote client's connection to this host's daemon (run by ssh for bhyve+ssh:// URIs)",
    flags: [],
    args: 0,
    hidden: true,
    needsTerminal: () => 'ssh runs it for a remote client',
    async run(ctx) {
      if (process.stdin.isTTY) {
        ctx.note('error: bhyve-tui proxy relays the protocol over its stdin and stdout; ssh runs it for bhyve+ssh:// URIs');
        return 2;
      }
      const sock = await DaemonConnection.dialLocal(ctx.uri, (line) => ctx.note(`warning: ${line}`));
      await relay(sock, process.stdin, process.stdout);
      return 0;
    },
  },
];
