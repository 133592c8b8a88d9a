// A stand-in for the bhyve-tui daemon of another build, as a real process, so that a client
// meets it exactly as it would meet an old daemon left running after an upgrade: at the
// simulated host's daemon.sock, with a pid the client may send SIGTERM to.
// Usage: node fake-daemon.mjs SOCKET MODE [GUESTS] [LOG]
//   MODE 'hello:N'       answers hello with protocol N (build 'fake-N', its pid, GUESTS)
//   MODE 'before-hello'  a daemon from before the hello (protocol 1): "unknown request
//                        'hello'"; listDomains shows GUESTS running, ping gives its pid
//   MODE 'dying:N'       a daemon on its way out: closes each connection unanswered, and
//                        after the Nth removes its socket and exits (what a client meets in
//                        a killed daemon's backlog)
//   GUESTS               names, comma-separated ('' for none)
//   LOG                  a file that gets each request's method, one a line
// Prints 'ready' once it listens; on SIGTERM it removes its socket and exits.
import fs from 'node:fs';
import net from 'node:net';

const [socketPath, mode, guestsArg = '', logFile] = process.argv.slice(2);
const guests = guestsArg === '' ? [] : guestsArg.split(',');
const helloProtocol = mode.startsWith('hello:') ? Number(mode.slice('hello:'.length)) : undefined;

function answer(req) {
  if (req.method === 'ping') return {result: {pid: process.pid}};
  if (helloProtocol !== undefined) {
    if (req.method === 'hello') return {result: {protocol: helloProtocol, build: `fake-${helloProtocol}`, pid: process.pid, guests}};
    return {error: {message: `this fake daemon speaks protocol ${helloProtocol}`}};
  }
  if (req.method === 'listDomains') {
    return {
      result: guests.map((name) => ({
        name,
        state: 'running',
        vcpus: 1,
        memoryKiB: 524288,
        file: `/nonexistent/${name}.xml`,
        autostart: false,
        problemCount: 0,
      })),
    };
  }
  return {error: {message: `unknown request '${String(req.method).slice(0, 64)}'`}};
}

fs.rmSync(socketPath, {force: true});
const dyingAfter = mode.startsWith('dying:') ? Number(mode.slice('dying:'.length)) : undefined;
let accepted = 0;
const server = net.createServer((sock) => {
  if (dyingAfter !== undefined) {
    if (logFile) fs.appendFileSync(logFile, 'closed\n');
    sock.destroy();
    if (++accepted >= dyingAfter) {
      fs.rmSync(socketPath, {force: true});
      process.exit(0);
    }
    return;
  }
  let buffered = '';
  sock.on('error', () => {});
  sock.on('data', (chunk) => {
    buffered += chunk.toString();
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const req = JSON.parse(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
      if (logFile) fs.appendFileSync(logFile, `${req.method}\n`);
      sock.write(`${JSON.stringify({id: req.id, ...answer(req)})}\n`);
    }
  });
});
server.listen(socketPath, () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => {
  // As the real daemon lets go: its name first, then the process.
  fs.rmSync(socketPath, {force: true});
  process.exit(0);
});
