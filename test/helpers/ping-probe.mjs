// A second client that does nothing but ping the daemon, one request at a time, and reports
// how long the slowest answer took. It is a process of its own, so that what the test
// process does meanwhile (send a megabyte, parse an answer) never delays a ping.
// Usage: node ping-probe.mjs SOCKET LIMIT_MS [CONTROL_SOCKET]. Prints 'ready' after its first
// answer, 'late N' as soon as a ping has waited LIMIT_MS without an answer, and on 'stop'
// (stdin) a JSON line {pings, worstMs, medianMs, excused}, then exits.
// With CONTROL_SOCKET, a process that answers pings at once (ping-control.mjs) is pinged the
// same way, as the reference measured in the same run: a daemon ping that waits while a
// control ping waits too (over half the limit) is the machine pausing both processes, not
// the daemon blocking its loop; it is excused, counted, and not judged.
import net from 'node:net';

const [socketPath, limitArg, controlPath] = process.argv.slice(2);
const limit = Number(limitArg);

/** One ping at a time on `file`; `waits` keeps [sentAt, answeredAt] of each. */
function pinger(file, onFirst) {
  const p = {waits: [], sentAt: 0, outstanding: false, id: 0, sock: net.createConnection(file)};
  let buffered = '';
  const ping = () => {
    p.sentAt = performance.now();
    p.outstanding = true;
    p.sock.write(`${JSON.stringify({id: ++p.id, method: 'ping', params: []})}\n`);
  };
  p.sock.on('connect', ping);
  p.sock.on('data', (chunk) => {
    buffered += chunk.toString();
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (JSON.parse(line).id !== p.id) continue;
      p.outstanding = false;
      p.waits.push([p.sentAt, performance.now()]);
      if (p.waits.length === 1) onFirst?.();
      setTimeout(ping, 5);
    }
  });
  p.sock.on('error', (e) => {
    process.stdout.write(`error ${e.message}\n`);
    process.exit(1);
  });
  return p;
}

const daemon = pinger(socketPath, () => process.stdout.write('ready\n'));
const control = controlPath ? pinger(controlPath) : undefined;

/** The control's longest wait overlapping [from, to] (an outstanding ping counts until now). */
function controlWaitDuring(from, to) {
  if (!control) return 0;
  let worst = 0;
  const spans = [...control.waits, ...(control.outstanding ? [[control.sentAt, performance.now()]] : [])];
  for (const [s, e] of spans) if (e >= from && s <= to) worst = Math.max(worst, e - s);
  return worst;
}

const excusedFor = (from, to) => controlWaitDuring(from, to) > limit / 2;
let reportedLate = false;
// A ping that waits is measured while it waits, not only when (if ever) it is answered.
setInterval(() => {
  const waiting = daemon.outstanding ? performance.now() - daemon.sentAt : 0;
  if (!reportedLate && daemon.waits.length > 0 && waiting > limit && !excusedFor(daemon.sentAt, performance.now())) {
    reportedLate = true;
    process.stdout.write(`late ${waiting.toFixed(0)}\n`);
  }
}, 10);
process.stdin.on('data', () => {
  const now = performance.now();
  const spans = [...daemon.waits, ...(daemon.outstanding && now - daemon.sentAt > limit ? [[daemon.sentAt, now]] : [])];
  const judged = [];
  let excused = 0;
  for (const [s, e] of spans) {
    if (e - s > limit && excusedFor(s, e)) excused++;
    else judged.push(e - s);
  }
  judged.sort((a, b) => a - b);
  process.stdout.write(
    `${JSON.stringify({pings: daemon.waits.length, worstMs: judged.at(-1) ?? 0, medianMs: judged[Math.floor(judged.length / 2)] ?? 0, excused})}\n`,
  );
  process.exit(0);
});
