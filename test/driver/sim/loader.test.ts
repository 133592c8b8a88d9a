import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {updateHostState} from '../../../driver/sim/sim-host.js';
import {attachConsole, openConsole, runTool, simHost, startTool, within} from './helpers.js';

const vmFile = (dir: string, name: string): string => path.join(dir, 'dev', 'vmm', name);

test('bhyveload creates /dev/vmm/NAME and reinitialises it', async (t) => {
  const dir = await simHost(t);
  let r = await runTool(t, dir, 'bhyveload', ['-m', '1G', '-e', 'autoboot_delay=0', '-d', '/vm/disk.img', 'web1']);
  t.is(r.code, 0, r.stderr);
  // stdio console: the loader text goes to stdout
  t.regex(r.stdout, /Consoles: userboot/);
  t.regex(r.stdout, /Booting\.\.\./);
  const vm = JSON.parse(fs.readFileSync(vmFile(dir, 'web1'), 'utf8')) as {memoryBytes: number; state: string};
  t.is(vm.memoryBytes, 1024 ** 3);
  t.is(vm.state, 'loaded');
  r = await runTool(t, dir, 'bhyveload', ['-m', '512M', '-e', 'autoboot_delay=0', 'web1']);
  t.is(r.code, 0);
  t.is((JSON.parse(fs.readFileSync(vmFile(dir, 'web1'), 'utf8')) as {memoryBytes: number}).memoryBytes, 512 * 1024 ** 2);
});

test('bhyveload option errors', async (t) => {
  const dir = await simHost(t);
  const cases: [string[], number, string][] = [
    [
      [],
      1,
      'usage: bhyveload [-S][-c <console-device>] [-d <disk-path>] [-e <name=value>]\n                 [-h <host-path>] [-m memsize[K|k|M|m|G|g|T|t]] <vmname>\n',
    ],
    [['-m', '12X', 'vm1'], 64, "bhyveload: Invalid memsize '12X'\n"],
    [['-d', '/vm/missing.img', 'vm1'], 64, "bhyveload: Could not open '/vm/missing.img'\n"],
    [['-c', '/dev/ttyNope', 'vm1'], 64, "bhyveload: Could not open '/dev/ttyNope'\n"],
    [['-c', '/vm/disk.img', 'vm1'], 64, "bhyveload: Could not open '/vm/disk.img'\n"], // not a tty
    [['-l', 'a', '-l', 'b', 'vm1'], 64, 'bhyveload: -l can only be given once\n'],
    [['-e', 'autoboot_delay=0', 'bad name'], 1, 'vm_create: Invalid argument\n'],
    [['-e', 'autoboot_delay=0', '..'], 1, 'vm_create: Invalid argument\n'],
    [['-e', 'autoboot_delay=0', 'x'.repeat(230)], 1, 'vm_create: Invalid argument\n'],
  ];
  for (const [args, code, stderr] of cases) {
    const r = await runTool(t, dir, 'bhyveload', args);
    t.is(r.code, code, args.join(' '));
    t.is(r.stderr, stderr, args.join(' '));
  }
  t.deepEqual(fs.readdirSync(path.join(dir, 'dev', 'vmm')), []);
});

test('bhyveload on an nmdm console: the user sees the loader on the B side', async (t) => {
  const dir = await simHost(t);
  const con = openConsole(t, dir, 'nmdm3'); // before the loader, which prints its menu once
  const loader = startTool(t, dir, 'bhyveload', ['-c', '/dev/nmdm3A', '-e', 'autoboot_delay=NO', '-d', '/vm/disk.img', 'vm3']);
  // the countdown is disabled: the loader waits for a key
  await con.waitFor(/Welcome to FreeBSD/, 10000);
  con.send('\r');
  const r = await within(10000, loader.done, 'bhyveload exit');
  t.is(r.code, 0, r.stderr);
  await con.waitFor(/Booting\.\.\./);
});

test('loaderExit fault', async (t) => {
  const dir = await simHost(t);
  await updateHostState(dir, (s) => {
    s.faults.vm1 = {loaderExit: 1};
  });
  const r = await runTool(t, dir, 'bhyveload', ['-e', 'autoboot_delay=0', 'vm1']);
  t.is(r.code, 1);
  t.is(r.stderr, 'vm_setup_memory: Cannot allocate memory\n');
});

test('grub-bhyve: name required, device map, VM created', async (t) => {
  const dir = await simHost(t);
  let r = await runTool(t, dir, 'grub-bhyve', ['-M', '512']);
  t.is(r.code, 1);
  t.is(r.stderr, 'Required VM name parameter not supplied\n');
  r = await runTool(t, dir, 'grub-bhyve', ['-M', 'lots', 'vm1']);
  t.is(r.code, 1);
  t.is(r.stderr, "Invalid guest memory size `lots'.\nError in parsing command line arguments\n");
  fs.writeFileSync(path.join(dir, 'vm', 'device.map'), '(hd0) /vm/disk.img\n(cd0) /vm/install.iso\n');
  r = await runTool(t, dir, 'grub-bhyve', ['-m', '/vm/device.map', '-r', 'hd0,msdos1', '-M', '512M', 'linux1']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /GNU GRUB {2}version 2\.00/);
  t.true(fs.existsSync(vmFile(dir, 'linux1')));
  r = await runTool(t, dir, 'grub-bhyve', ['-m', '/vm/device.map', '-r', 'hd1', 'linux2']);
  t.is(r.code, 1);
  t.regex(r.stdout, /error: disk `hd1' not found\./);
});

test('bhyvectl: usage, missing VM, create, destroy', async (t) => {
  const dir = await simHost(t);
  let r = await runTool(t, dir, 'bhyvectl', ['--destroy']);
  t.is(r.code, 1);
  t.regex(r.stderr, /^Usage: bhyvectl --vm=<vmname>\n {7}\[--cpu=<vcpu_number>\]\n/);
  r = await runTool(t, dir, 'bhyvectl', ['--vm=ghost', '--destroy']);
  t.is(r.code, 1);
  t.is(r.stderr, 'vm_open: ghost could not be opened: No such file or directory\n');
  r = await runTool(t, dir, 'bhyvectl', ['--vm=vm1', '--bogus']);
  t.is(r.code, 1);
  t.regex(r.stderr, /^bhyvectl: unknown option -- bogus\nUsage:/);
  r = await runTool(t, dir, 'bhyvectl', ['--vm=vm1', '--create']);
  t.is(r.code, 0);
  t.true(fs.existsSync(vmFile(dir, 'vm1')));
  r = await runTool(t, dir, 'bhyvectl', ['--vm=vm1', '--create']);
  t.is(r.code, 255);
  t.is(r.stdout, 'errno = 17\n');
  r = await runTool(t, dir, 'bhyvectl', ['--vm', 'vm1', '--get-active-cpus']);
  t.is(r.stdout, 'active cpus:\t (none)\n');
  r = await runTool(t, dir, 'bhyvectl', ['--vm=vm1', '--destroy']);
  t.is(r.code, 0);
  t.is(r.stdout + r.stderr, '');
  t.false(fs.existsSync(vmFile(dir, 'vm1')));
});

// A loader waiting at its menu when its VM is destroyed (driver/sim/README.md, "bhyveload
// and grub-bhyve when their VM is destroyed"): it keeps waiting, and fails only when it
// sets up the guest's registers.
const bhyvectl = (t: Parameters<typeof runTool>[0], dir: string, ...args: string[]) => runTool(t, dir, 'bhyvectl', args);
const stillRunning = async (tool: {child: {exitCode: number | null; signalCode: string | null}}, ms: number): Promise<boolean> => {
  await new Promise((r) => setTimeout(r, ms));
  return tool.child.exitCode === null && tool.child.signalCode === null;
};

test('bhyveload at its menu outlives the destroy of its VM; loading the kernel then fails with ENXIO, exit 1', async (t) => {
  const dir = await simHost(t);
  const con = openConsole(t, dir, 'nmdm4'); // before the loader, which prints its menu once
  const loader = startTool(t, dir, 'bhyveload', ['-c', '/dev/nmdm4A', '-e', 'autoboot_delay=NO', '-d', '/vm/disk.img', 'vm4']);
  // the countdown is disabled: the loader waits for a key
  await con.waitFor(/Welcome to FreeBSD/, 10000);
  t.is((await bhyvectl(t, dir, '--vm=vm4', '--destroy')).code, 0);
  t.false(fs.existsSync(vmFile(dir, 'vm4')));
  t.true(await stillRunning(loader, 700), 'the loader keeps waiting at its menu');
  con.send('\r');
  const r = await within(10000, loader.done, 'bhyveload exit');
  t.is(r.code, 1);
  t.is(r.stderr, 'vm_set_register: Device not configured\n');
  await con.waitFor(/Booting\.\.\./);
  t.false(fs.existsSync(vmFile(dir, 'vm4')), 'the loader does not bring the VM back');
});

test('bhyveload whose VM was destroyed and created anew under its name still fails: it holds the old one', async (t) => {
  const dir = await simHost(t);
  const con = openConsole(t, dir, 'nmdm5'); // before the loader, which prints its menu once
  const loader = startTool(t, dir, 'bhyveload', ['-c', '/dev/nmdm5A', '-e', 'autoboot_delay=NO', 'vm5']);
  // the countdown is disabled: the loader waits for a key
  await con.waitFor(/Welcome to FreeBSD/, 10000);
  t.is((await bhyvectl(t, dir, '--vm=vm5', '--destroy')).code, 0);
  t.is((await bhyvectl(t, dir, '--vm=vm5', '--create')).code, 0);
  con.send('1');
  const r = await within(10000, loader.done, 'bhyveload exit');
  t.is(r.code, 1);
  t.is(r.stderr, 'vm_set_register: Device not configured\n');
  t.is((JSON.parse(fs.readFileSync(vmFile(dir, 'vm5'), 'utf8')) as {state: string}).state, 'created', 'the new VM is untouched');
});

test('bhyveload has no signal handlers: SIGTERM, SIGINT and SIGHUP at the menu kill it, the VM stays', async (t) => {
  const dir = await simHost(t);
  for (const [i, sig] of (['SIGTERM', 'SIGINT', 'SIGHUP'] as const).entries()) {
    const name = `sig${i}`;
    const loader = startTool(t, dir, 'bhyveload', ['-c', `/dev/nmdm-${name}A`, '-e', 'autoboot_delay=NO', name]);
    // It made the VM before its menu; with autoboot_delay NO it then waits there for good.
    // (Its menu text is not awaited: a console attached after it was printed never sees it.)
    await within(
      10000,
      (async () => {
        while (!fs.existsSync(vmFile(dir, name))) await new Promise((r) => setTimeout(r, 20));
      })(),
      `${name}: the VM instance`,
    );
    await new Promise((r) => setTimeout(r, 300));
    loader.child.kill(sig);
    const r = await within(5000, loader.done, `bhyveload after ${sig}`);
    t.is(r.signal, sig, sig);
    t.true(fs.existsSync(vmFile(dir, name)), `${sig}: the VM instance outlives the loader`);
  }
});

test('grub-bhyve: the menu counts down grubTimeout, a key stops it, Enter boots', async (t) => {
  const dir = await simHost(t, (s) => {
    s.grubTimeout = 2;
  });
  fs.writeFileSync(path.join(dir, 'vm', 'device.map'), '(hd0) /vm/disk.img\n');
  const grub = startTool(t, dir, 'grub-bhyve', ['-c', '/dev/nmdm6A', '-m', '/vm/device.map', '-r', 'hd0,msdos1', 'lin6']);
  const con = await attachConsole(t, dir, 'nmdm6');
  await con.waitFor(/executed automatically in [12]s/);
  con.send(' ');
  t.true(await stillRunning(grub, 2500), 'the countdown stopped');
  con.send('\r');
  const r = await within(10000, grub.done, 'grub-bhyve exit');
  t.is(r.code, 0, r.stderr);
  await con.waitFor(/Booting `Linux'/);
  t.is((JSON.parse(fs.readFileSync(vmFile(dir, 'lin6'), 'utf8')) as {state: string}).state, 'loaded');
});

test('grub-bhyve at its menu outlives the destroy of its VM; booting then fails an assert (SIGABRT)', async (t) => {
  const dir = await simHost(t, (s) => {
    s.grubTimeout = -1;
  });
  fs.writeFileSync(path.join(dir, 'vm', 'device.map'), '(hd0) /vm/disk.img\n');
  const grub = startTool(t, dir, 'grub-bhyve', ['-c', '/dev/nmdm7A', '-m', '/vm/device.map', '-r', 'hd0,msdos1', 'lin7']);
  // The menu is drawn once, as soon as GRUB opened its console: usually before a client
  // can attach. The B side existing means GRUB is that far.
  const con = await attachConsole(t, dir, 'nmdm7');
  t.is((await bhyvectl(t, dir, '--vm=lin7', '--destroy')).code, 0);
  t.true(await stillRunning(grub, 700), 'GRUB keeps waiting at its menu');
  con.send('\r');
  const r = await within(10000, grub.done, 'grub-bhyve exit');
  t.is(r.signal, 'SIGABRT');
  t.regex(
    r.stderr,
    /^Assertion failed: \(vm_set_register\(bhyve_vcpu, VM_REG_GUEST_CR0, cr0\) == 0\), function grub_emu_bhyve_boot32, file .*bhyve_hostif\.c, line \d+\.\n$/,
  );
  await con.waitFor(/Booting `Linux'/);
  t.false(fs.existsSync(vmFile(dir, 'lin7')));
});

test('grub-bhyve ignores SIGINT; SIGTERM ends it with status 1 (ncurses); SIGHUP kills it', async (t) => {
  const dir = await simHost(t, (s) => {
    s.grubTimeout = -1;
  });
  fs.writeFileSync(path.join(dir, 'vm', 'device.map'), '(hd0) /vm/disk.img\n');
  const start = async (n: number) => {
    const grub = startTool(t, dir, 'grub-bhyve', ['-c', `/dev/nmdm8${n}A`, '-m', '/vm/device.map', `lin8${n}`]);
    // its B side exists once GRUB opened its console, after it set up its signals
    await attachConsole(t, dir, `nmdm8${n}`);
    return grub;
  };
  const a = await start(0);
  a.child.kill('SIGINT');
  t.true(await stillRunning(a, 500), 'SIGINT is ignored');
  a.child.kill('SIGTERM');
  const ra = await within(5000, a.done, 'grub-bhyve after SIGTERM');
  t.is(ra.code, 1);
  t.is(ra.signal, null);
  const b = await start(1);
  b.child.kill('SIGHUP');
  t.is((await within(5000, b.done, 'grub-bhyve after SIGHUP')).signal, 'SIGHUP');
});
