import {execFileSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {readHostState, updateHostState} from '../../../driver/sim/sim-host.js';
import {attachConsole, bhyveArgs, loadVm, loginAsRoot, runTool, simHost, startTool, within} from './helpers.js';

const vmFile = (dir: string, name: string): string => path.join(dir, 'dev', 'vmm', name);

test('bhyve without a loaded VM and without a boot ROM exits 4', async (t) => {
  const dir = await simHost(t);
  const r = await runTool(t, dir, 'bhyve', bhyveArgs('vm1'));
  t.is(r.code, 4);
  t.is(r.stderr, 'virtual machine cannot be booted\n');
  // 14.x: vm_create succeeded before the check, so the VM exists now
  t.true(fs.existsSync(vmFile(dir, 'vm1')));
});

test('bhyve option errors and help', async (t) => {
  const dir = await simHost(t);
  let r = await runTool(t, dir, 'bhyve', ['-h']);
  t.is(r.code, 0);
  t.regex(r.stderr, /^Usage: bhyve \[-AaCDeHhPSuWwxY\]\n {13}\[-c \[\[cpus=\]numcpus\]/);
  r = await runTool(t, dir, 'bhyve', []);
  t.is(r.code, 1);
  r = await runTool(t, dir, 'bhyve', ['-Z', 'vm1']);
  t.is(r.code, 1);
  t.regex(r.stderr, /^bhyve: illegal option -- Z\nUsage: bhyve/);
  r = await runTool(t, dir, 'bhyve', ['-s', 'help']);
  t.is(r.code, 0);
  t.true(r.stdout.split('\n').includes('virtio-net'));
  const cases: [string[], number, string][] = [
    [['-m', '12Q', 'vm1'], 64, "bhyve: invalid memsize '12Q'\n"],
    [['-s', 'x,virtio-net', 'vm1'], 4, 'Invalid PCI slot info field "x,virtio-net"\n'],
    [['-s', '40,virtio-net', 'vm1'], 4, 'Invalid PCI slot info field "40,virtio-net"\n'],
    [['-s', '3', 'vm1'], 4, 'Invalid PCI slot info field "3"\n'],
    [['-s', '3,frobnicator', 'vm1'], 4, 'pci slot 0:3:0: unknown device "frobnicator"\n'],
    [['-s', '3,virtio-net', '-s', '3:0,virtio-blk,/vm/disk.img', 'vm1'], 4, 'pci slot 0:3:0 already occupied!\n'],
    [['-l', 'com9,stdio', 'vm1'], 64, "bhyve: invalid lpc device configuration 'com9,stdio'\n"],
    [['-c', 'cpus=2,bogus=1', 'vm1'], 64, "bhyve: invalid cpu topology 'cpus=2,bogus=1'\n"],
    [['-c', 'cpus=4,sockets=1,cores=2', 'vm1'], 4, 'bhyve: Topology (1 sockets, 2 cores, 1 threads) does not match 4 vCPUs\n'],
    [['-o', 'novalue', 'vm1'], 64, "bhyve: invalid configuration option 'novalue'\n"],
  ];
  for (const [args, code, stderr] of cases) {
    r = await runTool(t, dir, 'bhyve', args);
    t.is(r.code, code, args.join(' '));
    t.is(r.stderr, stderr, args.join(' '));
  }
});

test('bhyve checks vCPUs against the host and needs existing disks', async (t) => {
  const dir = await simHost(t);
  await loadVm(t, dir, 'vm1');
  let r = await runTool(t, dir, 'bhyve', ['-c', '8', '-s', '31,lpc', 'vm1']);
  t.is(r.code, 4);
  t.is(r.stderr, '8 vCPUs requested but only 4 available\n');
  r = await runTool(t, dir, 'bhyve', ['-s', '2,virtio-blk,/vm/gone.img', 'vm1']);
  t.is(r.code, 4);
  t.is(
    r.stderr,
    'bhyve: Could not open backing file: /vm/gone.img: No such file or directory\nDevice emulation initialization error: No such file or directory\n',
  );
});

test('full boot on nmdm: login as root, uname -a, poweroff exits 1', async (t) => {
  const dir = await simHost(t);
  await loadVm(t, dir, 'web1');
  const bhyve = startTool(t, dir, 'bhyve', bhyveArgs('web1', 'nmdm0', ['-s', '3,virtio-net,tap0,mac=58:9c:fc:00:00:42']));
  const con = await attachConsole(t, dir);
  await loginAsRoot(con, 'web1');
  // the process title, as FreeBSD's ps (the sim's) shows it
  const title = execFileSync(path.join(dir, 'bin', 'ps'), ['-ww', '-o', 'command=', '-p', String(bhyve.child.pid)])
    .toString()
    .trim();
  t.is(title, 'bhyve: web1 (bhyve)');
  con.clear();
  con.send('uname -a\r');
  await con.waitFor(/# $/);
  t.regex(con.text, /^uname -a\r\nFreeBSD web1 14\.2-RELEASE FreeBSD 14\.2-RELEASE releng\/14\.2-\S+ GENERIC amd64\r\n/);
  con.clear();
  con.send('ifconfig\r');
  await con.waitFor(/# $/);
  t.regex(con.text, /ether 58:9c:fc:00:00:42/);
  con.clear();
  con.send('frob\r');
  await con.waitFor(/# $/);
  t.regex(con.text, /sh: frob: not found\r\n/);
  // the tap is open, up and shows the opener
  const tap = (await runTool(t, dir, 'ifconfig', ['tap0'])).stdout;
  t.regex(tap, new RegExp(`\tOpened by PID ${bhyve.child.pid}\n`));
  t.regex(tap, /flags=\w+<UP,/);
  const stats = await runTool(t, dir, 'bhyvectl', ['--vm=web1', '--get-active-cpus']);
  t.is(stats.stdout, 'active cpus:\t 0, 1\n');
  con.send('poweroff\r');
  const r = await within(10000, bhyve.done, 'bhyve exit');
  t.is(r.code, 1);
  t.regex(con.text, /acpi0: Powering system off/);
  // the VM instance survives bhyve; the tap is closed and down again
  t.true(fs.existsSync(vmFile(dir, 'web1')));
  const st = await readHostState(dir);
  const tap0 = st.interfaces.find((i) => i.name === 'tap0');
  t.is(tap0?.openedBy, null);
  t.is(tap0?.up, false);
});

test('guest line editing and failed logins', async (t) => {
  const dir = await simHost(t);
  await loadVm(t, dir, 'ed1');
  startTool(t, dir, 'bhyve', bhyveArgs('ed1'));
  const con = await attachConsole(t, dir);
  await con.waitFor(/login: $/, 15000, '\r');
  con.clear();
  con.send('alice\r');
  await con.waitFor(/Password:$/);
  con.send('secret\r');
  await con.waitFor(/Login incorrect\r\nlogin: $/);
  t.notRegex(con.text, /secret/);
  con.clear();
  con.send('roox\x7ft\r');
  await con.waitFor(/root@ed1:~ # $/);
  con.clear();
  con.send('echo abc\x15hostname\r');
  await con.waitFor(/# $/);
  t.regex(con.text, /\r\ned1\r\n/);
  con.clear();
  con.send('exit\r');
  await con.waitFor(/login: $/);
});

for (const [cmd, code] of [
  ['reboot', 0],
  ['halt', 2],
  ['shutdown -p now', 1],
] as const) {
  test(`guest "${cmd}" makes bhyve exit ${code}`, async (t) => {
    const dir = await simHost(t);
    const name = `p${code}`;
    await loadVm(t, dir, name);
    const bhyve = startTool(t, dir, 'bhyve', bhyveArgs(name));
    const con = await attachConsole(t, dir);
    await loginAsRoot(con, name);
    con.send(`${cmd}\r`);
    const r = await within(10000, bhyve.done, 'bhyve exit');
    t.is(r.code, code);
  });
}

test('SIGTERM is the ACPI power button: the guest shuts down, exit 1', async (t) => {
  const dir = await simHost(t);
  await loadVm(t, dir, 'term1');
  const bhyve = startTool(t, dir, 'bhyve', bhyveArgs('term1'));
  const con = await attachConsole(t, dir);
  await con.waitFor(/login: $/, 15000, '\r');
  bhyve.child.kill('SIGTERM');
  const r = await within(10000, bhyve.done, 'bhyve exit');
  t.is(r.code, 1);
  t.regex(con.text, /Power button pressed, shutting down/);
  t.true(fs.existsSync(vmFile(dir, 'term1')));
});

test('ignoreAcpi fault: SIGTERM is ignored, SIGKILL leaves the VM behind', async (t) => {
  const dir = await simHost(t);
  await updateHostState(dir, (s) => {
    s.faults.stuck = {ignoreAcpi: true};
  });
  await loadVm(t, dir, 'stuck');
  const bhyve = startTool(t, dir, 'bhyve', bhyveArgs('stuck'));
  const con = await attachConsole(t, dir);
  await con.waitFor(/login: $/, 15000, '\r');
  bhyve.child.kill('SIGTERM');
  // still answering on the console after the signal
  con.clear();
  await con.waitFor(/login: $/, 5000, '\r');
  t.is(bhyve.child.exitCode, null);
  bhyve.child.kill('SIGKILL');
  const r = await within(10000, bhyve.done, 'bhyve exit');
  t.is(r.signal, 'SIGKILL');
  t.true(fs.existsSync(vmFile(dir, 'stuck')));
});

test('bhyvectl --destroy under a running bhyve: exit 4 with a vm_run error', async (t) => {
  const dir = await simHost(t);
  await loadVm(t, dir, 'd1');
  const bhyve = startTool(t, dir, 'bhyve', bhyveArgs('d1'));
  const con = await attachConsole(t, dir);
  await con.waitFor(/login: $/, 15000, '\r');
  const ctl = await runTool(t, dir, 'bhyvectl', ['--vm=d1', '--destroy']);
  t.is(ctl.code, 0);
  const r = await within(10000, bhyve.done, 'bhyve exit');
  t.is(r.code, 4);
  t.is(r.stderr, 'vm_run error -1, errno 6\n');
  t.false(fs.existsSync(vmFile(dir, 'd1')));
});

for (const [flag, code] of [
  ['--force-poweroff', 1],
  ['--force-reset', 0],
] as const) {
  test(`bhyvectl ${flag}: bhyve exits ${code}, the VM stays`, async (t) => {
    const dir = await simHost(t);
    const name = `f${code}`;
    await loadVm(t, dir, name);
    const bhyve = startTool(t, dir, 'bhyve', bhyveArgs(name));
    await attachConsole(t, dir).then((c) => c.waitFor(/login: $/, 15000, '\r'));
    const ctl = await runTool(t, dir, 'bhyvectl', [`--vm=${name}`, flag]);
    t.is(ctl.code, 0);
    const r = await within(10000, bhyve.done, 'bhyve exit');
    t.is(r.code, code);
    t.true(fs.existsSync(vmFile(dir, name)));
  });
}

test('a tap is exclusive: a second bhyve on it exits 4', async (t) => {
  const dir = await simHost(t);
  await loadVm(t, dir, 'a1', 'nmdm1');
  await loadVm(t, dir, 'a2', 'nmdm2');
  const first = startTool(t, dir, 'bhyve', bhyveArgs('a1', 'nmdm1', ['-s', '3,virtio-net,tap4']));
  await attachConsole(t, dir, 'nmdm1').then((c) => c.waitFor(/login: $/, 15000, '\r'));
  const second = await runTool(t, dir, 'bhyve', bhyveArgs('a2', 'nmdm2', ['-s', '3,virtio-net,tap4']));
  t.is(second.code, 4);
  t.is(second.stdout, 'open of tap device /dev/tap4 failed\n');
  t.is(second.stderr, 'Device emulation initialization error: Device busy\n');
  // ifconfig destroy blocks while the tap is open
  const destroy = startTool(t, dir, 'ifconfig', ['tap4', 'destroy']);
  first.child.kill('SIGTERM');
  t.is((await within(10000, first.done, 'first bhyve')).code, 1);
  t.is((await within(10000, destroy.done, 'ifconfig destroy')).code, 0);
});

test('nmdm not loaded: bhyve cannot open com1 and exits 4', async (t) => {
  const dir = await simHost(t, (s) => {
    s.modules.nmdm = 'unloaded';
  });
  await runTool(t, dir, 'bhyveload', ['-m', '256M', '-e', 'autoboot_delay=0', 'n1']);
  const r = await runTool(t, dir, 'bhyve', bhyveArgs('n1'));
  t.is(r.code, 4);
  t.is(r.stderr, "Unable to initialize backend '/dev/nmdm0A' for LPC device com1\nDevice emulation initialization error: No such file or directory\n");
  t.false(fs.existsSync(path.join(dir, 'dev', 'nmdm0A')));
});

test('bhyveExit fault: exits at start with its message', async (t) => {
  const dir = await simHost(t);
  await updateHostState(dir, (s) => {
    s.faults.bad = {bhyveExit: 4};
  });
  await loadVm(t, dir, 'bad');
  const r = await runTool(t, dir, 'bhyve', bhyveArgs('bad'));
  t.is(r.code, 4);
  t.is(r.stderr, 'Unable to setup memory (12)\n');
});

test('crashAfterMs fault: vm exit dump, then SIGABRT', async (t) => {
  const dir = await simHost(t);
  await updateHostState(dir, (s) => {
    s.faults.crash = {crashAfterMs: 200};
  });
  await loadVm(t, dir, 'crash');
  const r = await within(10000, startTool(t, dir, 'bhyve', bhyveArgs('crash')).done, 'bhyve crash');
  t.is(r.signal, 'SIGABRT');
  t.regex(r.stderr, /^vm exit\[0\]\n\treason\t\tVMX\n/);
  t.true(fs.existsSync(vmFile(dir, 'crash')));
});

test('UEFI boot: -l bootrom creates the VM without a loader', async (t) => {
  const dir = await simHost(t);
  fs.mkdirSync(path.join(dir, 'usr', 'local', 'share', 'uefi-firmware'), {recursive: true});
  fs.writeFileSync(path.join(dir, 'usr', 'local', 'share', 'uefi-firmware', 'BHYVE_UEFI.fd'), 'rom');
  const bhyve = startTool(t, dir, 'bhyve', ['-l', 'bootrom,/usr/local/share/uefi-firmware/BHYVE_UEFI.fd', ...bhyveArgs('u1')]);
  const con = await attachConsole(t, dir);
  await loginAsRoot(con, 'u1');
  t.true(fs.existsSync(vmFile(dir, 'u1')));
  bhyve.child.kill('SIGTERM');
  t.is((await within(10000, bhyve.done, 'bhyve exit')).code, 1);
});
