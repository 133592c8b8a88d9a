// bhyve-tui host-validate on the simulated host: a healthy host passes, and every check
// can be made to FAIL by a fault of the simulated host (a module, the firmware setup, a
// package taken away, a sysctl, permissions, rc.conf).
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import {cli, makeSimDir, removeSimDir} from '../../helpers/sim-dir.js';
import {updateHostStateSync, type HostState} from '../../../driver/sim/host-state.js';
import {openConnection} from '../../../driver/client/daemon-client.js';
import type {HostCheck} from '../../../driver/client/connection.js';

function simHost(t: {teardown(fn: () => void): void}, label: string): string {
  const dir = makeSimDir(label);
  t.teardown(() => removeSimDir(dir));
  return dir;
}

interface Line {
  status: string;
  title: string;
  text: string;
}

function validate(dir: string): {status: number; lines: Line[]; stdout: string} {
  const r = cli(dir, ['host-validate']);
  const lines = r.stdout
    .trimEnd()
    .split('\n')
    .map((l) => {
      const m = /^(PASS|WARN|FAIL) {2}(.+?) {2,}(\S.*)$/.exec(l);
      if (!m) throw new Error(`not a check line: '${l}'\n${r.stdout}${r.stderr}`);
      return {status: m[1]!, title: m[2]!.trim(), text: m[3]!};
    });
  return {status: r.status, lines, stdout: r.stdout};
}

const line = (lines: Line[], title: string): Line => {
  const l = lines.find((x) => x.title === title);
  if (!l) throw new Error(`no '${title}' check`);
  return l;
};

test('a new simulated host passes: every check PASS, only the daemon and rc.d warn', (t) => {
  const dir = simHost(t, 'hv-ok');
  const r = validate(dir);
  t.is(r.status, 0, r.stdout);
  t.deepEqual(
    r.lines.map((l) => l.title),
    [
      'CPU virtualization',
      'vmm module',
      'if_tuntap/if_tap module',
      'if_bridge module',
      'nmdm module',
      'net.link.tap.up_on_open',
      'UEFI firmware',
      'grub-bhyve',
      'bhyve capabilities',
      'Node.js',
      'daemon socket',
      'settings',
      'rc.d service',
    ],
  );
  for (const l of r.lines) if (!['daemon socket', 'rc.d service'].includes(l.title)) t.is(l.status, 'PASS', `${l.title}: ${l.text}`);
  t.is(line(r.lines, 'rc.d service').status, 'WARN');
  t.regex(line(r.lines, 'rc.d service').text, /sysrc bhyve_tui_enable=YES/);
  // once a daemon has run, its socket is checked
  t.is(cli(dir, ['list']).status, 0);
  const after = validate(dir);
  t.is(line(after.lines, 'daemon socket').status, 'PASS', after.stdout);
});

/** Each fault and the check it must make FAIL, with a word of the fix it must name. */
const faults: {check: string; fix: RegExp; apply(dir: string): void}[] = [
  {
    check: 'CPU virtualization',
    fix: /enable Intel VT-x in the BIOS\/UEFI setup/,
    apply: (d) =>
      state(d, (s) => {
        s.vmmHardware = false;
        s.modules.vmm = 'unloaded';
      }),
  },
  {check: 'vmm module', fix: /kldload vmm; make it permanent with: sysrc kld_list\+=vmm/, apply: (d) => state(d, (s) => void (s.modules.vmm = 'unloaded'))},
  {
    check: 'nmdm module',
    fix: /no nmdm\.ko in \/boot\/kernel;\/boot\/modules to load — .*make -C \/usr\/src\/sys\/modules\/nmdm all install; then kldload nmdm/,
    apply: (d) => state(d, (s) => void (s.modules.nmdm = 'absent')),
  },
  {check: 'if_bridge module', fix: /kldload if_bridge/, apply: (d) => state(d, (s) => void (s.modules.if_bridge = 'unloaded'))},
  {
    check: 'if_tuntap/if_tap module',
    fix: /make -C \/usr\/src\/sys\/modules\/if_tuntap all install; then kldload if_tuntap/,
    apply: (d) => state(d, (s) => void (s.modules.if_tuntap = 'absent')),
  },
  {check: 'net.link.tap.up_on_open', fix: /kldload if_tuntap/, apply: (d) => state(d, (s) => void (s.modules.if_tuntap = 'unloaded'))},
  {
    check: 'UEFI firmware',
    fix: /pkg install bhyve-firmware/,
    apply: (d) => {
      state(d, (s) => void s.absentPaths.push('/usr/local/share/uefi-firmware/BHYVE_UEFI.fd'));
      const web1 = path.join(d, 'usr/local/etc/bhyve-tui/domains/web1.xml');
      fs.writeFileSync(
        web1,
        fs
          .readFileSync(web1, 'utf8')
          .replace('<type>hvm</type>', "<type>hvm</type>\n    <loader readonly='yes' type='pflash'>/usr/local/share/uefi-firmware/BHYVE_UEFI.fd</loader>"),
      );
    },
  },
  {check: 'grub-bhyve', fix: /pkg install grub2-bhyve/, apply: (d) => state(d, (s) => void s.absentPaths.push('/usr/local/sbin/grub-bhyve'))},
  {check: 'bhyve capabilities', fix: /reinstall the base system/, apply: (d) => state(d, (s) => void s.absentPaths.push('/usr/sbin/bhyve'))},
  {
    check: 'bhyve capabilities',
    fix: /change those domains .* or upgrade FreeBSD/,
    apply: (d) => {
      // an older bhyve (10.4 has no CPU topology) and a domain that asks for one
      state(d, (s) => void (s.osrelease = '10.4-RELEASE'));
      const web1 = path.join(d, 'usr/local/etc/bhyve-tui/domains/web1.xml');
      fs.writeFileSync(
        web1,
        fs.readFileSync(web1, 'utf8').replace('<vcpu>1</vcpu>', "<vcpu>1</vcpu>\n  <cpu><topology sockets='1' cores='1' threads='1'/></cpu>"),
      );
    },
  },
  {
    check: 'Node.js',
    fix: /pkg install node22/,
    apply: (d) => {
      const node = path.join(d, 'usr/local/bin/node');
      fs.rmSync(node);
      fs.writeFileSync(node, '#!/bin/sh\necho v18.20.4\n', {mode: 0o755});
    },
  },
  {check: 'daemon socket', fix: /chmod 700 \/var\/run\/bhyve-tui/, apply: (d) => fs.chmodSync(path.join(d, 'var/run/bhyve-tui'), 0o755)},
  {
    check: 'rc.d service',
    fix: /install -m 555 .*freebsd\/rc\.d\/bhyve_tui \/usr\/local\/etc\/rc\.d\//,
    apply: (d) => {
      fs.mkdirSync(path.join(d, 'etc'), {recursive: true});
      fs.writeFileSync(path.join(d, 'etc/rc.conf'), 'hostname="simhost"\nbhyve_tui_enable="YES"\n');
    },
  },
];

function state(dir: string, fn: (s: HostState) => void): void {
  updateHostStateSync(dir, fn);
}

for (const [i, f] of faults.entries()) {
  test(`a simulator fault makes '${f.check}' FAIL with its fix, and exit 1 (${i})`, (t) => {
    const dir = simHost(t, 'hv-fault');
    t.is(cli(dir, ['list']).status, 0); // the host, its domains and a daemon
    f.apply(dir);
    const r = validate(dir);
    t.is(r.status, 1, r.stdout);
    const l = line(r.lines, f.check);
    t.is(l.status, 'FAIL', r.stdout);
    t.regex(l.text, f.fix);
  });
}

test('the daemon reports the same findings for the host panel', async (t) => {
  const dir = simHost(t, 'hv-daemon');
  t.is(cli(dir, ['list']).status, 0);
  updateHostStateSync(dir, (s) => {
    s.modules.nmdm = 'unloaded';
  });
  const conn = await openConnection(`sim://${dir}`);
  t.teardown(() => conn.close());
  let checks: HostCheck[] | undefined;
  // the daemon runs the checks again at most every 10 s
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    checks = (await conn.hostStatus()).checks;
    if (checks?.find((c) => c.id === 'module:nmdm')?.status === 'FAIL') break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const fromCli = validate(dir).lines;
  t.deepEqual(
    checks?.map((c) => `${c.status} ${c.title}`),
    fromCli.map((l) => `${l.status} ${l.title}`),
  );
  t.is(checks?.find((c) => c.id === 'module:nmdm')?.fix, 'kldload nmdm; make it permanent with: sysrc kld_list+=nmdm');
});
