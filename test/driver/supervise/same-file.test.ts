// Paths that must not collide (a console's nmdm device, a writable disk image) are compared
// as the files they name, not as strings: '//', '/./', '..', symlinks and hard links all
// name the same file.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import {cli, fastSimHost} from '../../helpers/sim-dir.js';
import {simHostLayout} from '../../../driver/sim/sim-backend.js';
import {conflictingUse, fileIdentity} from '../../../driver/supervise/start-preflight.js';
import type {DomainProblem, DomainSummary} from '../../../driver/client/connection.js';

const domainsDir = (dir: string) => path.join(dir, 'usr/local/etc/bhyve-tui/domains');
const dom = (dir: string, name: string) => (JSON.parse(cli(dir, ['list', '--all', '--json']).stdout) as DomainSummary[]).find((d) => d.name === name);

/** web1's definition under another name, with `edit` applied. */
function defineTwin(dir: string, name: string, edit: (xml: string) => string): void {
  const web1 = fs.readFileSync(path.join(domainsDir(dir), 'web1.xml'), 'utf8');
  const file = path.join(dir, `${name}.xml`);
  fs.writeFileSync(file, edit(web1.replace('<name>web1</name>', `<name>${name}</name>`).replace(/<uuid>[^<]*<\/uuid>/, '')));
  const r = cli(dir, ['define', file]);
  if (r.status !== 0) throw new Error(r.stderr);
}

const ownDisk = (xml: string) => xml.replace('/vm/web1/disk0.img', '/vm/db1/disk0.img');
const ownConsole = (n: string) => (xml: string) => xml.replaceAll('/dev/nmdm-web1.1', `/dev/nmdm-${n}.1`);

test('fileIdentity: one file however it is spelled; different files differ', (t) => {
  const dir = fastSimHost(t, 'same-id');
  const layout = simHostLayout(dir);
  fs.linkSync(path.join(dir, 'vm/web1/disk0.img'), path.join(dir, 'vm/hard.img'));
  fs.symlinkSync('web1/disk0.img', path.join(dir, 'vm/sym.img'));
  const id = fileIdentity(layout, '/vm/web1/disk0.img');
  for (const spelling of ['/vm//web1/disk0.img', '/vm/./web1/disk0.img', '/vm/db1/../web1/disk0.img', '/vm/hard.img', '/vm/sym.img', 'vm/web1/disk0.img']) {
    t.is(fileIdentity(layout, spelling), id, spelling);
  }
  t.not(fileIdentity(layout, '/vm/db1/disk0.img'), id);
  // Files that do not exist (yet) compare by their normalised path.
  t.is(fileIdentity(layout, '/dev//nmdm9B'), fileIdentity(layout, '/dev/./nmdm9B'));
  t.not(fileIdentity(layout, '/dev/nmdm9B'), fileIdentity(layout, '/dev/nmdm9A'));
  // Read-only (shared) uses of one image do not conflict; a writable one conflicts with any.
  t.is(conflictingUse(layout, [{path: '/vm/sym.img', exclusive: false}], [{path: '/vm/hard.img', exclusive: false}]), undefined);
  t.deepEqual(conflictingUse(layout, [{path: '/vm/sym.img', exclusive: false}], [{path: '/vm/hard.img', exclusive: true}]), {
    mine: '/vm/sym.img',
    theirs: '/vm/hard.img',
  });
});

test('a console spelled differently (//, /./, a symlink) is still in use by the running domain', (t) => {
  const dir = fastSimHost(t, 'same-console');
  defineTwin(dir, 'slashes', (x) => ownDisk(x).replaceAll('/dev/nmdm-web1.1', '/dev//nmdm-web1.1'));
  defineTwin(dir, 'dots', (x) => ownDisk(x).replaceAll('/dev/nmdm-web1.1', '/dev/./nmdm-web1.1'));
  t.is(cli(dir, ['start', 'web1']).status, 0);
  for (const [n, spelled] of [
    ['slashes', '/dev//nmdm-web1.1'],
    ['dots', '/dev/./nmdm-web1.1'],
  ] as const) {
    const r = cli(dir, ['start', n]);
    t.is(r.status, 1, `${n} must not start: ${r.stdout}`);
    t.regex(
      r.stderr,
      new RegExp(
        `^error: cannot start '${n}': its console ${spelled.replace(/\./g, '\\.')}[AB] is in use by running domain 'web1'; give it its own nmdm pair\\n`,
      ),
    );
  }
  // A symlink to the running guest's console device (relative, so it stays inside the simulated host).
  fs.symlinkSync('../dev/nmdm-web1.1A', path.join(dir, 'vm/consA'));
  fs.symlinkSync('../dev/nmdm-web1.1B', path.join(dir, 'vm/consB'));
  defineTwin(dir, 'linked', (x) => ownDisk(x).replaceAll('/dev/nmdm-web1.1A', '/vm/consA').replaceAll('/dev/nmdm-web1.1B', '/vm/consB'));
  const r = cli(dir, ['start', 'linked']);
  t.is(r.status, 1);
  t.regex(r.stderr, /^error: cannot start 'linked': its console \/vm\/cons[AB] is in use by running domain 'web1'/);
  t.is(dom(dir, 'linked')?.state, 'shut off');
  t.is(cli(dir, ['destroy', 'web1']).status, 0);
});

test('a disk image that a running domain writes, named through .., a hard link or a symlink, is refused; read-only CDs may be shared', async (t) => {
  const dir = fastSimHost(t, 'same-disk');
  fs.linkSync(path.join(dir, 'vm/web1/disk0.img'), path.join(dir, 'vm/hard.img'));
  fs.symlinkSync('web1/disk0.img', path.join(dir, 'vm/sym.img'));
  const spellings = {dotdot: '/vm/db1/../web1/disk0.img', hard: '/vm/hard.img', sym: '/vm/sym.img', same: '/vm/web1/disk0.img'};
  for (const [n, p] of Object.entries(spellings)) defineTwin(dir, n, (x) => ownConsole(n)(x).replace('/vm/web1/disk0.img', p));
  t.is(cli(dir, ['start', 'web1']).status, 0);
  for (const [n, p] of Object.entries(spellings)) {
    const r = cli(dir, ['start', n]);
    t.is(r.status, 1, `${n} must not start`);
    const as = p === '/vm/web1/disk0.img' ? '' : ' \\(as /vm/web1/disk0\\.img\\)';
    t.regex(
      r.stderr,
      new RegExp(`^error: cannot start '${n}': its disk image ${p.replace(/\./g, '\\.')} is in use by running domain 'web1'${as}; give it its own image`),
      n,
    );
    t.is(dom(dir, n)?.state, 'shut off');
  }
  // The errors view says the same, at the disk's element.
  const {DaemonConnection} = await import('../../../driver/client/daemon-client.js');
  const conn = await DaemonConnection.open(`sim://${dir}`);
  t.teardown(() => conn.close());
  const problems: DomainProblem[] = await conn.domainProblems('hard');
  const p = problems.find((x) => /in use by running domain 'web1'/.test(x.message));
  t.like(p, {severity: 'error', source: 'host', message: "its disk image /vm/hard.img is in use by running domain 'web1' (as /vm/web1/disk0.img)"});
  t.truthy(p?.line, 'it points at the <source> of the disk');
  t.is(cli(dir, ['destroy', 'web1']).status, 0);
  t.is(cli(dir, ['start', 'hard']).status, 0, 'free once web1 stopped');
  t.is(cli(dir, ['destroy', 'hard']).status, 0);

  // One installer ISO in two running guests: both only read it.
  fs.writeFileSync(path.join(dir, 'vm/install.iso'), Buffer.alloc(4096));
  const cd = (p: string) =>
    `<disk type='file' device='cdrom'><driver name='file' type='raw'/><source file='${p}'/><target dev='hdc' bus='sata'/><readonly/></disk>`;
  defineTwin(dir, 'cd1', (x) => ownConsole('cd1')(x).replace('</disk>', `</disk>${cd('/vm/install.iso')}`));
  defineTwin(dir, 'cd2', (x) => ownConsole('cd2')(ownDisk(x)).replace('</disk>', `</disk>${cd('/vm//install.iso')}`));
  t.is(cli(dir, ['start', 'cd1']).status, 0);
  const both = cli(dir, ['start', 'cd2']);
  t.is(both.status, 0, both.stderr);
  t.is(cli(dir, ['destroy', 'cd2']).status, 0);
  t.is(cli(dir, ['destroy', 'cd1']).status, 0);
});

test('one image as two writable disks of one domain is a problem of that domain', async (t) => {
  const dir = fastSimHost(t, 'same-twice');
  const second = `<disk type='file' device='disk'><driver name='file' type='raw'/><source file='/vm/web1/./disk0.img'/><target dev='hdb' bus='sata'/></disk>`;
  defineTwin(dir, 'twice', (x) => ownConsole('twice')(x).replace('</disk>', `</disk>${second}`));
  const r = cli(dir, ['start', 'twice']);
  t.is(r.status, 1);
  t.regex(r.stderr, /disk images \/vm\/web1\/disk0\.img and \/vm\/web1\/\.\/disk0\.img are the same file/);
  const {DaemonConnection} = await import('../../../driver/client/daemon-client.js');
  const conn = await DaemonConnection.open(`sim://${dir}`);
  t.teardown(() => conn.close());
  const problems = await conn.domainProblems('twice');
  t.true(problems.some((p) => p.message === 'disk images /vm/web1/disk0.img and /vm/web1/./disk0.img are the same file' && p.hint?.includes('<shareable/>')));
});
