import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {updateHostState} from '../../driver/sim/sim-host.js';
import {attachConsole, runTool, simHost, startTool, within} from './helpers.js';

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
    [[], 1, 'usage: bhyveload [-S][-c <console-device>] [-d <disk-path>] [-e <name=value>]\n                 [-h <host-path>] [-m memsize[K|k|M|m|G|g|T|t]] <vmname>\n'],
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
  const loader = startTool(t, dir, 'bhyveload', ['-c', '/dev/nmdm3A', '-e', 'autoboot_delay=NO', '-d', '/vm/disk.img', 'vm3']);
  const con = await attachConsole(t, dir, 'nmdm3');
  // the countdown is disabled: the loader waits for Enter
  await con.waitFor(/Welcome to FreeBSD/, 10000, ' ');
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
