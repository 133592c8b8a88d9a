// Every file read from a user-given path goes through one bounded reader: a FIFO nobody
// writes, /dev/zero, a huge file or a symlink to a device never hangs or exhausts a process
// (the CLI, the daemon, the editor flow), and each is one line saying what is wrong.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import {execFileSync, spawn, spawnSync} from 'node:child_process';
import {BoundedReadError, readBounded, readBoundedText} from '../../../driver/io/bounded-read.js';
import {cliBundle, fastSimHost, makeSimDir, removeSimDir, repoRoot} from '../../helpers/sim-dir.js';
import type {DomainSummary} from '../../../driver/client/connection.js';

const oneMiB = 1024 * 1024;

function scratch(t: {teardown(fn: () => void): void}, label: string): string {
  const dir = makeSimDir(label);
  t.teardown(() => removeSimDir(dir));
  return dir;
}

function mkfifo(file: string): void {
  execFileSync('mkfifo', [file]);
}

/** The CLI as a real process with a deadline: a hang is a failure, not a stuck test. */
function cliTimed(
  dir: string,
  args: string[],
  opts: {input?: string; timeoutMs?: number} = {},
): {status: number | null; stdout: string; stderr: string; ms: number; timedOut: boolean} {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [cliBundle, '-c', `sim://${dir}`, ...args], {
    encoding: 'utf8',
    input: opts.input ?? '',
    timeout: opts.timeoutMs ?? 20_000,
    killSignal: 'SIGKILL',
  });
  return {status: r.status, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - t0, timedOut: r.error !== undefined || r.signal === 'SIGKILL'};
}

const errorLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('error: '));

// ---- the reader itself ----

test('a regular file: read whole up to the bound, refused one byte past it', (t) => {
  const dir = scratch(t, 'br-size');
  const at = path.join(dir, 'at.xml');
  const over = path.join(dir, 'over.xml');
  fs.writeFileSync(at, Buffer.alloc(1000, 0x61));
  fs.writeFileSync(over, Buffer.alloc(1001, 0x61));
  t.is(readBounded(at, {maxBytes: 1000}).length, 1000);
  const e = t.throws(() => readBounded(over, {maxBytes: 1000}), {instanceOf: BoundedReadError})!;
  t.is(e.code, 'EFBIG');
  t.is(e.message, `${over}: File too large (over 1000 bytes)`);
  t.is(readBoundedText(over, {maxBytes: 10, tail: true}), 'a'.repeat(10), 'a log: its last bytes');
  t.is(readBoundedText(over, {maxBytes: 10, tail: true, from: 995}), 'a'.repeat(6), 'what was appended since an offset');
  t.is(t.throws(() => readBounded(path.join(dir, 'none'), {maxBytes: 10}), {instanceOf: BoundedReadError})!.code, 'ENOENT');
  t.is(t.throws(() => readBounded(dir, {maxBytes: 10}), {instanceOf: BoundedReadError})!.code, 'EISDIR');
});

test('where a file is expected, a FIFO, /dev/zero or a symlink to a device is refused unopened, at once', (t) => {
  const dir = scratch(t, 'br-kind');
  const fifo = path.join(dir, 'fifo');
  mkfifo(fifo);
  const link = path.join(dir, 'zero.xml');
  fs.symlinkSync('/dev/zero', link);
  const t0 = Date.now();
  const e1 = t.throws(() => readBounded(fifo, {maxBytes: oneMiB}), {instanceOf: BoundedReadError})!;
  t.is(e1.message, `${fifo}: is a FIFO, not a regular file`);
  const e2 = t.throws(() => readBounded(link, {maxBytes: oneMiB}), {instanceOf: BoundedReadError})!;
  t.is(e2.message, `${link}: is a character device, not a regular file`);
  t.true(Date.now() - t0 < 1000);
});

test('where a stream is welcome (a CLI argument): a FIFO is read, without waiting for ever on a silent writer', async (t) => {
  const dir = scratch(t, 'br-stream');
  const fifo = path.join(dir, 'fifo');
  mkfifo(fifo);
  // A writer that opens the FIFO and then writes nothing for a long while.
  const silent = spawn('sh', ['-c', `exec 3>"$1"; sleep 30`, 'sh', fifo], {stdio: 'ignore'});
  t.teardown(() => silent.kill('SIGKILL'));
  await new Promise((r) => setTimeout(r, 300));
  const t0 = Date.now();
  const e = t.throws(() => readBounded(fifo, {maxBytes: oneMiB, streams: true, idleMs: 500}), {instanceOf: BoundedReadError})!;
  t.is(e.code, 'ETIMEDOUT');
  t.true(Date.now() - t0 < 5000, `gave up after ${Date.now() - t0} ms`);
  // /dev/zero as a stream: read up to the bound, then 'too large'.
  t.is(t.throws(() => readBounded('/dev/zero', {maxBytes: oneMiB, streams: true}), {instanceOf: BoundedReadError})!.code, 'EFBIG');
});

// ---- through the CLI ----

test('CLI: validate and define of a FIFO that nobody writes, of /dev/zero and of a huge file: one line each, no hang', (t) => {
  const dir = scratch(t, 'br-cli');
  const fifo = path.join(dir, 'in.xml');
  mkfifo(fifo);
  const huge = path.join(dir, 'huge.xml');
  fs.writeFileSync(huge, `<domain type='bhyve'><name>x</name>${' '.repeat(oneMiB)}</domain>`);
  for (const verb of ['validate', 'define', 'domxml-to-native']) {
    const args = verb === 'domxml-to-native' ? [verb, 'bhyve-argv'] : [verb];
    const r = cliTimed(dir, [...args, fifo]);
    t.false(r.timedOut, `${verb} FIFO returned (${r.ms} ms)`);
    t.is(r.status, 1, `${verb} FIFO: ${r.stderr}`);
    t.is(errorLines(r.stderr).length, 1, r.stderr);
    const z = cliTimed(dir, [...args, '/dev/zero']);
    t.false(z.timedOut, `${verb} /dev/zero returned (${z.ms} ms)`);
    t.deepEqual(errorLines(z.stderr), ["error: Failed to read file '/dev/zero': File too large"], `${verb} /dev/zero`);
    const h = cliTimed(dir, [...args, huge]);
    t.deepEqual(errorLines(h.stderr), [`error: Failed to read file '${huge}': File too large`], `${verb} huge`);
  }
});

test('CLI: define from a pipe (/dev/stdin) still works', (t) => {
  const dir = scratch(t, 'br-stdin');
  const xml = "<domain type='bhyve'><name>piped</name><memory unit='MiB'>256</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>";
  const file = path.join(dir, 'piped.xml');
  fs.writeFileSync(file, xml);
  // A shell pipeline, as an operator would type it (stdin is a pipe, /dev/stdin a FIFO).
  const r = spawnSync('sh', ['-c', 'cat "$1" | "$2" "$3" -c "sim://$4" define /dev/stdin', 'sh', file, process.execPath, cliBundle, dir], {
    encoding: 'utf8',
    timeout: 20_000,
    killSignal: 'SIGKILL',
  });
  t.is(r.status, 0, r.stderr);
  t.regex(r.stdout, /Domain 'piped' defined from \/dev\/stdin/);
});

// ---- through the daemon ----

const domainsDir = (dir: string) => path.join(dir, 'usr/local/etc/bhyve-tui/domains');

test('daemon: a FIFO and a symlink to /dev/zero among the definitions are listed as invalid; the daemon keeps answering', (t) => {
  const dir = fastSimHost(t, 'br-defs');
  mkfifo(path.join(domainsDir(dir), 'stuck.xml'));
  fs.symlinkSync('/dev/zero', path.join(domainsDir(dir), 'endless.xml'));
  const r = cliTimed(dir, ['list', '--all', '--json']);
  t.false(r.timedOut, `list answered (${r.ms} ms)`);
  t.is(r.status, 0, r.stderr);
  const all = JSON.parse(r.stdout) as DomainSummary[];
  t.like(
    all.find((d) => d.name === 'stuck'),
    {state: 'invalid', error: 'the file is a FIFO, not a regular file'},
  );
  t.like(
    all.find((d) => d.name === 'endless'),
    {state: 'invalid', error: 'the file is a character device, not a regular file'},
  );
  t.is(all.find((d) => d.name === 'web1')?.state, 'shut off', 'the others are unaffected');
  const x = cliTimed(dir, ['dumpxml', 'stuck']);
  t.false(x.timedOut);
  t.is(x.status, 1);
  t.is(errorLines(x.stderr).length, 1, x.stderr);
});

test('daemon: a domain log that is a FIFO, or huge, is read with a bound', (t) => {
  const dir = fastSimHost(t, 'br-log');
  const logDir = path.join(dir, 'var/log/bhyve-tui');
  fs.mkdirSync(logDir, {recursive: true});
  mkfifo(path.join(logDir, 'web1.log'));
  const r = cliTimed(dir, ['log', 'web1']);
  t.false(r.timedOut, `log answered (${r.ms} ms)`);
  t.is(r.status, 0, r.stderr);
  t.is(cliTimed(dir, ['list']).status, 0, 'the daemon still answers');
  fs.rmSync(path.join(logDir, 'db1.log'), {force: true});
  fs.writeFileSync(path.join(logDir, 'db1.log'), `${'x'.repeat(3 * oneMiB)}\nthe end\n`);
  const tail = cliTimed(dir, ['log', 'db1']);
  t.is(tail.status, 0, tail.stderr);
  t.is(tail.stdout.length, 64 * 1024, 'the default tail');
  t.true(tail.stdout.endsWith('the end\n'));
});

test('settings: a FIFO or a device as bhyve-tui.json is refused with one line; starts and consoles do not wait on it', (t) => {
  const dir = fastSimHost(t, 'br-settings');
  const file = path.join(dir, 'usr/local/etc/bhyve-tui/bhyve-tui.json');
  mkfifo(file);
  const v = cliTimed(dir, ['host-validate']);
  t.false(v.timedOut);
  t.regex(v.stdout, /^FAIL\s+settings\s+\/usr\/local\/etc\/bhyve-tui\/bhyve-tui\.json: is a FIFO, not a regular file; using the defaults/m);
  // The start opens the guest's console, which reads the settings.
  const s = cliTimed(dir, ['start', 'web1']);
  t.false(s.timedOut, `start answered (${s.ms} ms)`);
  t.is(s.status, 0, s.stderr);
  t.is(cliTimed(dir, ['destroy', 'web1']).status, 0);
  fs.rmSync(file);
  fs.symlinkSync('/dev/zero', file);
  t.regex(cliTimed(dir, ['host-validate']).stdout, /^FAIL\s+settings\s+.*is a character device, not a regular file/m);
});

test('the edit flow reads the edited file back with a bound: an editor that leaves a FIFO behind does not hang the TUI', (t) => {
  const dir = scratch(t, 'br-edit');
  const editor = path.join(dir, 'editor.sh');
  // An "editor" that replaces the file with a FIFO nobody writes.
  fs.writeFileSync(editor, '#!/bin/sh\nrm -f "$1" && mkfifo "$1"\n', {mode: 0o755});
  const script = `
    import {editText} from ${JSON.stringify(path.join(repoRoot, 'src/tui-editor.ts'))};
    try {
      await editText('<domain/>', {name: 'web1', attempt: 1});
      console.log('returned');
    } catch (e) {
      console.log('error: ' + e.message);
    }`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 30_000,
    killSignal: 'SIGKILL',
    env: {...process.env, VISUAL: editor, XDG_STATE_HOME: dir},
  });
  t.is(r.signal, null, 'editText returned');
  t.regex(r.stdout, /error: cannot read back your edit: .*web1-.*\.xml: is a FIFO, not a regular file; what the editor saved stays in /m, r.stderr);
});

test('readBounded never allocates the bound for a small file (a thousand definitions stay cheap)', (t) => {
  const dir = scratch(t, 'br-small');
  const f = path.join(dir, 'small.xml');
  fs.writeFileSync(f, 'abc');
  const before = process.memoryUsage().arrayBuffers;
  const bufs = Array.from({length: 200}, () => readBounded(f, {maxBytes: 64 * oneMiB}));
  const grown = process.memoryUsage().arrayBuffers - before;
  t.is(bufs[0]!.toString(), 'abc');
  t.true(grown < 64 * oneMiB, `${grown} bytes held for 200 reads of 3 bytes`);
});
