// The process table as FreeBSD shows it (audit items 5, 6 and 10). The daemon runs with
// the simulated host's tool directories first in PATH, as rc(8) would give it a FreeBSD
// PATH: a `ps` or `stty` looked up by name meets the FreeBSD stand-ins, never procps.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import {execFileSync, spawn} from 'node:child_process';
import {cliBundle, eventually, fastSimHost, makeSimDir, removeSimDir} from '../../helpers/sim-dir.js';
import {ensureSimHost} from '../../../driver/sim/sim-host.js';
import {processTitle} from '../../../driver/host/process-table.js';
import {simHostLayout} from '../../../driver/sim/sim-backend.js';
import type {DomainSummary} from '../../../driver/client/connection.js';

/** PATH as a FreeBSD host has it, inside the simulated host, then the machine's. */
const freebsdPath = (dir: string) => ['sbin', 'bin', 'usr/sbin', 'usr/bin'].map((d) => path.join(dir, d)).join(':') + `:${process.env.PATH}`;

function cli(dir: string, args: string[]): {status: number; stdout: string; stderr: string} {
  try {
    const stdout = execFileSync(process.execPath, [cliBundle, '-c', `sim://${dir}`, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {...process.env, PATH: freebsdPath(dir)},
    });
    return {status: 0, stdout, stderr: ''};
  } catch (e) {
    const err = e as {status: number | null; stdout: string; stderr: string};
    return {status: err.status ?? 1, stdout: err.stdout ?? '', stderr: err.stderr ?? ''};
  }
}

/** A fast simulated host whose daemon starts with that PATH. */
const simHost = (t: {teardown(fn: () => void): void}, label: string) => fastSimHost(t, label, cli);

const domains = (dir: string): DomainSummary[] => JSON.parse(cli(dir, ['list', '--all', '--json']).stdout) as DomainSummary[];
const ps = (dir: string, args: string[], env: NodeJS.ProcessEnv = {}) => {
  try {
    return {
      status: 0,
      stdout: execFileSync(path.join(dir, 'bin', 'ps'), args, {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {...process.env, COLUMNS: '', ...env},
      }),
    };
  } catch (e) {
    const err = e as {status: number; stdout: string};
    return {status: err.status, stdout: err.stdout};
  }
};

test('the simulated ps follows FreeBSD: "=" ends the -o list, the last column is cut at 79 without -ww', async (t) => {
  const dir = makeSimDir('ps');
  t.teardown(() => removeSimDir(dir));
  await ensureSimHost(dir);
  const long = spawn('sh', ['-c', `sleep 30; : ${'x'.repeat(120)}`], {stdio: 'ignore'});
  t.teardown(() => long.kill('SIGKILL'));
  await new Promise((r) => setTimeout(r, 200));
  const pid = String(long.pid);

  // one column titled ",pcpu=,rss=": a header line and the pid alone
  const comma = ps(dir, ['-o', 'pid=,pcpu=,rss=', '-p', pid]);
  t.deepEqual(comma.stdout.split('\n'), [',pcpu=,rss=', pid.padStart(11), '']);
  const three = ps(dir, ['-o', 'pid=', '-o', 'pcpu=', '-o', 'rss=', '-p', pid]);
  t.regex(three.stdout, new RegExp(`^${pid} +\\d+\\.\\d +\\d+\\n$`));

  const cut = ps(dir, ['-o', 'command=', '-p', pid]).stdout.trimEnd();
  t.is(cut.length, 79, 'no terminal, no COLUMNS: 79 columns');
  t.is(ps(dir, ['-w', '-o', 'command=', '-p', pid]).stdout.trimEnd().length, 131, 'one -w: 131 columns');
  t.is(ps(dir, ['-ww', '-o', 'command=', '-p', pid]).stdout.trimEnd(), `sh -c sleep 30; : ${'x'.repeat(120)}`);
  t.is(ps(dir, ['-o', 'command=', '-p', pid], {COLUMNS: '40'}).stdout.trimEnd().length, 40);

  // nothing selected: the header, exit 1
  const none = ps(dir, ['-p', '99999']);
  t.is(none.status, 1);
  t.is(none.stdout, 'PID TT STAT TIME COMMAND\n');
});

test('audit 5: running guests show CPU% and RSS (one ps keyword per -o)', async (t) => {
  const dir = simHost(t, 'pcpu');
  t.is(cli(dir, ['start', 'web1']).status, 0);
  // The daemon samples at most every 2 s; the first listing may come before a sample.
  await eventually(
    'CPU% and RSS of web1',
    () => {
      const web1 = domains(dir).find((d) => d.name === 'web1');
      return typeof web1?.cpuPercent === 'number' && typeof web1.rssKiB === 'number' && web1.rssKiB > 0;
    },
    10_000,
  );
  t.is(cli(dir, ['destroy', 'web1']).status, 0);
});

test('audit 6: a long domain name does not slow its start down (ps -ww)', async (t) => {
  const dir = simHost(t, 'longname');
  const name = `guest-${'a'.repeat(90)}`;
  const xml = fs
    .readFileSync(path.join(dir, 'usr/local/etc/bhyve-tui/domains/web1.xml'), 'utf8')
    .replace('<name>web1</name>', `<name>${name}</name>`)
    .replace(/<uuid>[^<]*<\/uuid>/, '')
    .replaceAll('/dev/nmdm-web1.1', '/dev/nmdmlong1')
    // its own image: two running guests may not write one disk
    .replace('/vm/web1/disk0.img', '/vm/db1/disk0.img');
  const file = path.join(dir, 'long.xml');
  fs.writeFileSync(file, xml);
  t.is(cli(dir, ['define', file]).status, 0);
  const timed = (n: string) => {
    const t0 = Date.now();
    const r = cli(dir, ['start', n]);
    t.is(r.status, 0, r.stderr);
    return Date.now() - t0;
  };
  const short = timed('web1');
  const took = timed(name);
  // Before: the title was cut at 79 columns, never matched, and the start waited out its
  // 5 s deadline. Compared with a short name's start on the same (loaded) machine.
  t.true(took < short + 2500, `start took ${took} ms, ${short} ms for web1`);
  const pid = domains(dir).find((d) => d.name === name)!.pid!;
  t.is(await processTitle(simHostLayout(dir), pid), `bhyve: ${name} (bhyve)`);
  t.is(cli(dir, ['destroy', name]).status, 0);
  t.is(cli(dir, ['destroy', 'web1']).status, 0);
});
