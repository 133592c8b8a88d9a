// A second client that does nothing but ping the daemon, one request at a time, and reports
// how long the slowest answer took. It is a process of its own, so that what the test
// process does meanwhile (send a megabyte, parse an answer) never delays a ping.
// Usage: node ping-probe.mjs SOCKET LIMIT_MS. Prints 'ready' after its first answer, 'late N'
// as soon as a ping has waited LIMIT_MS without an answer, and on 'stop' (stdin) a JSON
// line {pings, worstMs, medianMs}, then exits.
import net from 'node:net';

const [socketPath, limitArg] = process.argv.slice(2);
const limit = Number(limitArg);
const times = [];
let sentAt = 0;
let outstanding = false;
let id = 0;
let reportedLate = false;
let buffered = '';
const sock = net.createConnection(socketPath);
const ping = () => {
  sentAt = performance.now();
  outstanding = true;
  sock.write(`${JSON.stringify({id: ++id, method: 'ping', params: []})}\n`);
};
sock.on('connect', ping);
sock.on('data', (chunk) => {
  buffered += chunk.toString();
  let nl;
  while ((nl = buffered.indexOf('\n')) >= 0) {
    const line = buffered.slice(0, nl);
    buffered = buffered.slice(nl + 1);
    if (JSON.parse(line).id !== id) continue;
    outstanding = false;
    times.push(performance.now() - sentAt);
    if (times.length === 1) process.stdout.write('ready\n');
    setTimeout(ping, 5);
  }
});
sock.on('error', (e) => {
  process.stdout.write(`error ${e.message}\n`);
  process.exit(1);
});
// A ping that waits is measured while it waits, not only when (if ever) it is answered.
setInterval(() => {
  const waiting = outstanding ? performance.now() - sentAt : 0;
  if (!reportedLate && times.length > 0 && waiting > limit) {
    reportedLate = true;
    process.stdout.write(`late ${waiting.toFixed(0)}\n`);
  }
}, 10);
process.stdin.on('data', () => {
  const waiting = outstanding ? performance.now() - sentAt : 0;
  const all = [...times, ...(waiting > limit ? [waiting] : [])].sort((a, b) => a - b);
  process.stdout.write(`${JSON.stringify({pings: times.length, worstMs: all.at(-1) ?? 0, medianMs: all[Math.floor(all.length / 2)] ?? 0})}\n`);
  process.exit(0);
});
