// host-validate --smoke against the simulated host: a throw-away guest booting the host's
// own kernel (bhyveload -h /) goes through define, start, console, ACPI shutdown, start +
// destroy and undefine, and nothing may be left behind. Faults of the simulated host make
// it fail, and it refuses a real host that is not FreeBSD.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import {spawnSync} from 'node:child_process';
import {cli, cliBundle, fastSimHost} from '../../helpers/sim-dir.js';
import {updateHostStateSync} from '../../../driver/sim/host-state.js';

const simHost = fastSimHost;

const steps = (out: string) =>
  out
    .split('\n')
    .filter((l) => /^(PASS|WARN|FAIL) /.test(l))
    .map((l) => l.slice(0, 4) + ' ' + l.slice(6).split(/\s+/)[0]);

test('the smoke test passes on a simulated host and leaves nothing behind', (t) => {
  const dir = simHost(t, 'smoke');
  const before = fs.readdirSync(path.join(dir, 'usr/local/etc/bhyve-tui/domains')).sort();
  const r = cli(dir, ['host-validate', '--smoke']);
  t.is(r.status, 0, r.stdout + r.stderr);
  t.deepEqual(steps(r.stdout), ['PASS define', 'PASS start', 'PASS console', 'PASS shutdown', 'PASS destroy', 'PASS undefine', 'PASS cleanup']);
  t.regex(r.stdout, /PASS {2}console {3}kernel messages on \/dev\/nmdm-bhyve-tui-smoke-[0-9a-f]{6}\.1B \(FreeBSD 14\.2-RELEASE\)/);
  t.regex(r.stdout, /^Smoke test passed$/m);
  // the host is as it was: its domains, no smoke files, no devices
  t.deepEqual(fs.readdirSync(path.join(dir, 'usr/local/etc/bhyve-tui/domains')).sort(), before);
  t.deepEqual(
    fs.readdirSync(path.join(dir, 'dev')).filter((f) => f.includes('smoke')),
    [],
  );
  t.deepEqual(fs.readdirSync(path.join(dir, 'var/tmp')), []);
  t.deepEqual(
    fs.readdirSync(path.join(dir, 'var/log/bhyve-tui')).filter((f) => f.includes('smoke')),
    [],
  );
});

test('a host whose nmdm module is missing fails the smoke test and is cleaned up', (t) => {
  const dir = simHost(t, 'smoke-nmdm');
  updateHostStateSync(dir, (s) => {
    s.modules.nmdm = 'absent';
  });
  const r = cli(dir, ['host-validate', '--smoke']);
  t.is(r.status, 1);
  t.regex(r.stdout, /^FAIL {2}run +cannot start 'bhyve-tui-smoke-[0-9a-f]{6}': .*nmdm/m);
  t.regex(r.stdout, /^PASS {2}undefine /m);
  t.regex(r.stdout, /^PASS {2}cleanup /m);
  t.regex(r.stdout, /^Smoke test FAILED$/m);
});

test('a guest that ignores the ACPI button is reported, not hidden', (t) => {
  const dir = simHost(t, 'smoke-acpi');
  updateHostStateSync(dir, (s) => {
    s.faults['*'] = {ignoreAcpi: true};
  });
  const r = cli(dir, ['host-validate', '--smoke']);
  t.regex(r.stdout, /^WARN {2}shutdown {2}the guest ignored the ACPI power button: forced off after \d+ s$/m, r.stdout);
});

test('the smoke test refuses a real host that is not FreeBSD', (t) => {
  // Not through cli(), which gives its own -c: a command takes one.
  const r = spawnSync(process.execPath, [cliBundle, '-c', 'bhyve:///system', 'host-validate', '--smoke'], {encoding: 'utf8', input: ''});
  t.is(r.status, 1, r.stderr);
  t.regex(r.stderr, /not a FreeBSD host/);
});
