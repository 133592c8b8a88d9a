// The errors view's data, from the daemon of a simulated host: every problem of a domain,
// each with where it is. Real processes: the daemon, the simulated bhyve that fails, kldstat.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import type {DomainProblem} from '../../../driver/client/connection.js';
import {openConnection} from '../../../driver/client/daemon-client.js';
import {updateHostStateSync} from '../../../driver/sim/host-state.js';
import {cli, fastSimHost} from '../../helpers/sim-dir.js';

async function problemsOf(dir: string, name: string): Promise<DomainProblem[]> {
  const connection = await openConnection(`sim://${dir}`);
  try {
    return await connection.domainProblems(name);
  } finally {
    connection.close();
  }
}

/** The 1-based line and column of the first `needle` in `text`. */
function placeOf(text: string, needle: string): {line: number; column: number} {
  const before = text.slice(0, text.indexOf(needle));
  const lines = before.split('\n');
  return {line: lines.length, column: lines.at(-1)!.length + 1};
}

test.serial('a broken file, a missing disk and a failed last start: all three, each with its place', async (t) => {
  const dir = fastSimHost(t, 'problems-three');
  updateHostStateSync(dir, (state) => {
    state.faults.web1 = {bhyveExit: 4};
  });
  const started = cli(dir, ['start', 'web1']);
  t.is(started.status, 1, 'the start fails');

  const file = path.join(dir, 'usr/local/etc/bhyve-tui/domains/web1.xml');
  const text = fs.readFileSync(file, 'utf8');
  fs.rmSync(path.join(dir, 'vm/web1/disk0.img'));
  // An unclosed <vcpu>: the file no longer parses.
  fs.writeFileSync(file, text.replace('</vcpu>', ''));

  const problems = await problemsOf(dir, 'web1');
  const syntax = problems.find((problem) => problem.source === 'xml-syntax');
  const disk = problems.find((problem) => problem.source === 'host' && /disk image \/vm\/web1\/disk0\.img does not exist/.test(problem.message));
  const lastStart = problems.find((problem) => problem.source === 'last-start');
  t.truthy(syntax, JSON.stringify(problems, null, 1));
  t.is(syntax?.file, file);
  t.true((syntax?.line ?? 0) > 0 && (syntax?.column ?? 0) > 0, 'line and column of the syntax error');
  t.truthy(disk, JSON.stringify(problems, null, 1));
  t.deepEqual({file: disk?.file, line: disk?.line, column: disk?.column}, {file, ...placeOf(text, "<source file='/vm/web1/disk0.img'")});
  t.truthy(lastStart, JSON.stringify(problems, null, 1));
  t.is(lastStart?.exitCode, 4);
  t.regex(lastStart?.exitMeaning ?? '', /error/);
  t.regex(lastStart?.detail ?? '', /Unable to setup memory/);
  t.notRegex(lastStart?.detail ?? '', /^\S+Z\s*$/m, "the tool's lines, not the log's bare timestamps");
  t.is(lastStart?.file, path.join(dir, 'var/log/bhyve-tui/web1.log'));
});

test.serial('host problems of a valid definition point at their element; a busy console names the domain holding it', async (t) => {
  const dir = fastSimHost(t, 'problems-places');
  const domains = path.join(dir, 'usr/local/etc/bhyve-tui/domains');
  const text = fs.readFileSync(path.join(domains, 'web1.xml'), 'utf8');
  // A twin of web1 on web1's console, with 64 vCPUs and a bridge that does not exist.
  const twin = text
    .replace(/<name>web1<\/name>/, '<name>twin</name>')
    .replace(/<uuid>[^<]*<\/uuid>\s*/, '')
    .replace(/<vcpu[^>]*>\d+<\/vcpu>/, '<vcpu>64</vcpu>')
    .replace(/bridge='bridge0'/, "bridge='bridge9'");
  fs.writeFileSync(path.join(domains, 'twin.xml'), twin);
  t.is(cli(dir, ['start', 'web1']).status, 0);
  t.teardown(() => cli(dir, ['destroy', 'web1']));

  const problems = await problemsOf(dir, 'twin');
  const file = path.join(domains, 'twin.xml');
  const find = (pattern: RegExp) => problems.find((problem) => pattern.test(problem.message));
  const vcpus = find(/64 vCPUs requested/);
  const bridge = find(/bridge bridge9 does not exist/);
  const console = find(/console \/dev\/nmdm-web1\.1[AB] is in use by running domain 'web1'/);
  t.deepEqual({file: vcpus?.file, line: vcpus?.line, column: vcpus?.column}, {file, ...placeOf(twin, '<vcpu>64')}, JSON.stringify(problems, null, 1));
  t.deepEqual(
    {file: bridge?.file, line: bridge?.line, column: bridge?.column},
    {file, ...placeOf(twin, "<source bridge='bridge9'")},
    JSON.stringify(problems, null, 1),
  );
  t.deepEqual({file: console?.file, line: console?.line}, {file, line: placeOf(twin, '<source master=').line}, JSON.stringify(problems, null, 1));
  t.is(console?.hint, 'give it its own nmdm pair');
});
