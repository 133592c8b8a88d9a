// Every limit validation accepts is one that storage, timers and the file system can hold:
// just below each bound works, just above it is refused with one line, from the CLI and
// from any client of the daemon's socket.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import {spawnSync} from 'node:child_process';
import {cli, cliBundle, eventually, fastSimHost, rawRequest as request} from '../../helpers/sim-dir.js';
import {updateHostStateSync} from '../../../driver/sim/host-state.js';
import {domainNameProblem} from '../../../driver/domain/name.js';
import type {DomainSummary} from '../../../driver/client/connection.js';

const list = (dir: string) => JSON.parse(cli(dir, ['list', '--all', '--json']).stdout) as DomainSummary[];
const dom = (dir: string, name: string) => list(dir).find((d) => d.name === name);
const errorLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('error: '));

test('the longest name the checks accept works all the way (define, autostart, start, destroy, log); one more is refused', (t) => {
  const dir = fastSimHost(t, 'lim-name');
  let n = 300;
  while (domainNameProblem('v'.repeat(n)) !== null) n--;
  t.log(`longest accepted name: ${n} characters`);
  const name = `v${'x'.repeat(n - 2)}1`;
  const xml = cli(dir, ['dumpxml', 'web1'])
    .stdout.replace('<name>web1</name>', `<name>${name}</name>`)
    .replace(/<uuid>.*<\/uuid>/, '');
  const file = path.join(dir, 'long.xml');
  fs.writeFileSync(file, xml);
  const steps: [string, string[]][] = [
    ['define', ['define', file]],
    ['autostart', ['autostart', name, '--order', '3', '--delay', '1']],
    ['start', ['start', name]],
    ['log', ['log', name]],
    ['destroy', ['destroy', name]],
    ['autostart --disable', ['autostart', name, '--disable']],
    ['undefine', ['undefine', name]],
  ];
  for (const [what, args] of steps) {
    const r = cli(dir, args);
    t.is(r.status, 0, `${what}: ${r.stderr}`);
    if (what === 'start') t.is(dom(dir, name)?.state, 'running');
    if (what === 'destroy') {
      t.is(dom(dir, name)?.state, 'shut off');
      // The files the run left are there under their full names.
      t.true(fs.existsSync(path.join(dir, 'var/run/bhyve-tui', `${name}.last.json`)));
      t.true(fs.existsSync(path.join(dir, 'var/log/bhyve-tui', `${name}.log`)));
    }
  }

  const longer = `v${'x'.repeat(n - 1)}1`;
  fs.writeFileSync(file, xml.replace(`<name>${name}</name>`, `<name>${longer}</name>`));
  const r = cli(dir, ['define', file]);
  t.is(r.status, 1);
  t.deepEqual(errorLines(r.stderr), [
    `error: domain name 'v${'x'.repeat(39)}…' is ${n + 1} characters; at most ${n} fit in the names of its files (255 bytes)`,
  ]);
  t.is(dom(dir, longer), undefined);
});

test('shutdown --timeout: the longest a timer can hold is accepted, one more second is refused (it would force the power-off at once)', async (t) => {
  const dir = fastSimHost(t, 'lim-timeout');
  updateHostStateSync(dir, (s) => {
    s.faults = {web1: {ignoreAcpi: true}};
  });
  t.is(cli(dir, ['start', 'web1']).status, 0);
  await eventually('web1 running', () => dom(dir, 'web1')?.state === 'running');

  for (const bad of ['2147484', '0', '9'.repeat(400), '1e3', '-5']) {
    const r = cli(dir, ['shutdown', 'web1', '--timeout', bad]);
    t.is(r.status, 2, `--timeout ${bad.slice(0, 20)}`);
    t.is(errorLines(r.stderr).length, 1, r.stderr);
    t.regex(r.stderr, /option --timeout: the shutdown timeout must be a whole number from 1 to 2147483 seconds/);
  }
  t.is(dom(dir, 'web1')?.state, 'running', 'nothing was pressed');
  for (const bad of [2147484, 1e12, 1.5, 0]) {
    const reply = await request(dir, 'shutdown', ['web1', bad]);
    t.regex(reply.error?.message ?? '', /^cannot shut down 'web1': the shutdown timeout must be a whole number from 1 to 2147483 seconds, not /, String(bad));
  }
  t.is(dom(dir, 'web1')?.state, 'running');

  const ok = cli(dir, ['shutdown', 'web1', '--timeout', '2147483']);
  t.is(ok.status, 0, ok.stderr);
  await new Promise((r) => setTimeout(r, 2000));
  const now = dom(dir, 'web1');
  t.is(now?.state, 'in shutdown', 'the guest ignores the button and the forced power-off is weeks away');
  t.true((now?.shutdownDeadline ?? 0) > Date.now() + 2_000_000_000);
  t.is(cli(dir, ['destroy', 'web1']).status, 0);
});

test('autostart --order and --delay: bounds from the CLI and from the socket; a hand-edited entry out of bounds is not used', async (t) => {
  const dir = fastSimHost(t, 'lim-auto');
  t.is(cli(dir, ['autostart', 'web1', '--order', '2147483647', '--delay', '2147483']).status, 0);
  t.regex(cli(dir, ['dominfo', 'web1']).stdout, /Autostart:\s+enable \(order 2147483647, delay 2147483 s\)/);
  const r1 = cli(dir, ['autostart', 'web1', '--order', '2147483648']);
  t.is(r1.status, 2);
  t.deepEqual(errorLines(r1.stderr), ["error: option --order: the autostart order must be a whole number from 0 to 2147483647, not '2147483648'"]);
  const r2 = cli(dir, ['autostart', 'web1', '--delay', '2147484']);
  t.is(r2.status, 2);
  t.deepEqual(errorLines(r2.stderr), ["error: option --delay: the autostart delay must be a whole number from 0 to 2147483 seconds, not '2147484'"]);
  const r3 = cli(dir, ['autostart', 'web1', '--delay', '9'.repeat(400)]);
  t.is(r3.status, 2);
  t.is(errorLines(r3.stderr).length, 1);
  const reply = await request(dir, 'setAutostart', ['web1', true, 0, 1e10]);
  t.regex(
    reply.error?.message ?? '',
    /^cannot mark 'web1' as autostarted: the autostart delay must be a whole number from 0 to 2147483 seconds, not 10000000000$/,
  );
  t.regex(cli(dir, ['dominfo', 'web1']).stdout, /delay 2147483 s/, 'the refused requests changed nothing');

  // An entry written by hand, with values a timer or the sort cannot hold.
  fs.writeFileSync(path.join(dir, 'usr/local/etc/bhyve-tui/autostart/web1.json'), JSON.stringify({order: 'first', delayS: 1e300}));
  t.regex(cli(dir, ['dominfo', 'web1']).stdout, /Autostart:\s+enable \(order 0, delay 0 s\)/);
});

test('log --tail: up to what one protocol line can carry', async (t) => {
  const dir = fastSimHost(t, 'lim-tail');
  const logFile = path.join(dir, 'var/log/bhyve-tui/web1.log');
  fs.mkdirSync(path.dirname(logFile), {recursive: true});
  // Control bytes take 6 characters each in JSON: the worst case for the reply's line.
  fs.writeFileSync(logFile, Buffer.alloc(3 * 1024 * 1024, 1));
  const ok = spawnSync(process.execPath, [cliBundle, '-c', `sim://${dir}`, 'log', 'web1', '--tail', '2097152'], {maxBuffer: 64 * 1024 * 1024});
  t.is(ok.status, 0, ok.stderr.toString());
  t.is(ok.stdout.length, 2097152);
  const over = cli(dir, ['log', 'web1', '--tail', '2097153']);
  t.is(over.status, 2);
  t.deepEqual(errorLines(over.stderr), ["error: option --tail: the log tail must be a whole number from 0 to 2097152 bytes, not '2097153'"]);
  const reply = await request(dir, 'domainLog', ['web1', 1e12]);
  t.regex(reply.error?.message ?? '', /^cannot read the log of 'web1': the log tail must be a whole number from 0 to 2097152 bytes/);
});

test('settings: whole KiB within bounds are used, anything else is reported and not used', (t) => {
  const dir = fastSimHost(t, 'lim-settings');
  const file = path.join(dir, 'usr/local/etc/bhyve-tui/bhyve-tui.json');
  const check = (console: object) => {
    fs.writeFileSync(file, JSON.stringify({console}));
    const line =
      cli(dir, ['host-validate'])
        .stdout.split('\n')
        .find((l) => /^\w+\s+settings\s/.test(l)) ?? '';
    return line.replace(/^(\w+)\s+settings\s+/, '$1 ');
  };
  t.is(check({scrollbackKiB: 65536, logMaxKiB: 1048576}), 'PASS console escape ^], scrollback 65536 KiB, log rotated at 1048576 KiB');
  t.is(check({scrollbackKiB: 1, logMaxKiB: 16}), 'PASS console escape ^], scrollback 1 KiB, log rotated at 16 KiB');
  t.is(
    check({scrollbackKiB: 65537}),
    'FAIL /usr/local/etc/bhyve-tui/bhyve-tui.json: console.scrollbackKiB must be a whole number from 1 to 65536, not 65537; using 256 — correct /usr/local/etc/bhyve-tui/bhyve-tui.json',
  );
  t.regex(
    check({scrollbackKiB: 1.5, logMaxKiB: 15}),
    /^FAIL .*console\.scrollbackKiB must be a whole number from 1 to 65536, not 1\.5; using 256; console\.logMaxKiB must be a whole number from 16 to 1048576, not 15; using 1024 — /,
  );
});
