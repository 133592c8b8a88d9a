// The responsive tests' reference: a process that answers every ping line at once, on the
// unix socket SOCKET (argv[2]). Pinged beside the daemon (ping-probe.mjs), it shows when the
// machine, not the daemon, kept an answer waiting. Prints 'ready' once it listens.
import net from 'node:net';

const server = net.createServer((sock) => {
  let buffered = '';
  sock.on('data', (chunk) => {
    buffered += chunk.toString();
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const {id} = JSON.parse(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
      sock.write(`${JSON.stringify({id, result: 'pong'})}\n`);
    }
  });
  sock.on('error', () => {});
});
server.listen(process.argv[2], () => process.stdout.write('ready\n'));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
