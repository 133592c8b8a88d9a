// The simulated bhyve answers libvirt's capability probes as the FreeBSD release in
// host.json would (driver/sim/README.md, "Releases and capabilities"): usage text, which
// devices exist, the message forms and exit statuses of 10.4 and of the config-tree bhyve.
import test from 'ava';
import fs from 'node:fs';
import {runTool, simHost} from './helpers.js';
import {simLayout} from '../../../driver/sim/layout.js';
import type {SimRelease} from '../../../driver/sim/host-state.js';

const release = (r: SimRelease | string) => (s: {osrelease: string}) => {
  s.osrelease = r.includes('-') ? r : `${r}-RELEASE`;
};

/** [args, exit status, exact stderr or a pattern] of libvirt's probe commands. */
type Probe = [string[], number, string | RegExp];

const usage10 = /^Usage: bhyve \[-abehuwxACHPSWY\] \[-c vcpus\] \[-g <gdb port>\] \[-l <lpc>\]\n {13}\[-m mem\]/;
const usage14 = /^Usage: bhyve \[-AaCDeHhPSuWwxY\]\n {13}\[-c \[\[cpus=\]numcpus\]/;
const usage15 = /^Usage: bhyve \[-aCDeHhPSuWwxY\]\n {13}\[-c \[\[cpus=\]numcpus\]/;

const probes10: Probe[] = [
  [['-h'], 0, usage10],
  [['-s', '0,ahci'], 1, usage10],
  [['-s', '0,e1000'], 1, usage10],
  [['-l', 'bootrom'], 1, usage10], // accepted without a ROM file, then "no VM name"
  [['-s', '0,fbuf'], 1, 'pci slot 0:0: unknown device "fbuf"\n'],
  [['-s', '0,xhci'], 1, 'pci slot 0:0: unknown device "xhci"\n'],
  [['-s', '0,hda'], 1, 'pci slot 0:0: unknown device "hda"\n'],
  [['-s', '0,fbuf,password='], 1, 'pci slot 0:0: unknown device "fbuf"\n'],
  [['-s', '0,virtio-9p'], 1, 'pci slot 0:0: unknown device "virtio-9p"\n'],
  [['-s', '0,virtio-rnd'], 1, usage10],
];

function probesConfigTree(usage: RegExp): Probe[] {
  return [
    [['-h'], 0, usage],
    ...['0,ahci', '0,e1000', '0,fbuf', '0,xhci', '0,hda', '0,fbuf,password=', '0,virtio-9p', '0,virtio-rnd'].map((s): Probe => [['-s', s], 1, usage]),
    [['-l', 'bootrom'], 4, 'bhyve: invalid bootrom option "bootrom"\n'],
  ];
}

const cases: [SimRelease, Probe[]][] = [
  ['10.4', probes10],
  ['13.2', probesConfigTree(usage14)],
  ['14.2', probesConfigTree(usage14)],
  ['15.0', probesConfigTree(usage15)],
];

for (const [rel, probes] of cases) {
  test(`${rel}-RELEASE: libvirt's probe commands get that release's answers`, async (t) => {
    t.timeout(120_000);
    const dir = await simHost(t, release(rel));
    for (const [args, code, stderr] of probes) {
      const r = await runTool(t, dir, 'bhyve', args);
      t.is(r.code, code, `bhyve ${args.join(' ')}`);
      if (typeof stderr === 'string') t.is(r.stderr, stderr, `bhyve ${args.join(' ')}`);
      else t.regex(r.stderr, stderr, `bhyve ${args.join(' ')}`);
    }
    const grub = await runTool(t, dir, 'grub-bhyve', ['--help']);
    t.is(grub.code, 0);
    t.regex(grub.stdout, /^ {2}-c, --cons-dev=cons-dev {4}a tty\(4\) device to use for terminal I\/O$/m, 'grub2-bhyve has --cons-dev whatever the release');
    // every run of bhyve and grub-bhyve is in the sim's log, so probes can be counted
    const logged = fs
      .readFileSync(simLayout(dir).invocations, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as {tool: string; argv: string[]});
    t.deepEqual(
      logged.map((l) => [l.tool, ...l.argv].join(' ')),
      [...probes.map(([a]) => ['bhyve', ...a].join(' ')), 'grub-bhyve --help'],
    );
  });
}

test('10.4-RELEASE: no -s help / -l help, slot errors name slot:function and exit 1, -c is a plain count, two com ports', async (t) => {
  t.timeout(120_000);
  const dir = await simHost(t, release('10.4'));
  const cases: [string[], number, string][] = [
    [['-s', 'help'], 1, 'Invalid PCI slot info field "help"\n'],
    [['-l', 'help'], 64, "bhyve: invalid lpc device configuration 'help'\n"],
    [['-s', '3,virtio-net', '-s', '3:0,virtio-blk,/vm/disk.img', 'vm1'], 1, 'pci slot 3:0 already occupied!\n'],
    [['-s', '3,frobnicator', 'vm1'], 1, 'pci slot 3:0: unknown device "frobnicator"\n'],
    [['-l', 'com3,stdio', 'vm1'], 64, "bhyve: invalid lpc device configuration 'com3,stdio'\n"],
    [['-D', 'vm1'], 1, 'bhyve: illegal option -- D\n'],
  ];
  for (const [args, code, stderr] of cases) {
    const r = await runTool(t, dir, 'bhyve', args);
    t.is(r.code, code, args.join(' '));
    t.true(r.stderr.startsWith(stderr), `${args.join(' ')}: ${r.stderr}`);
  }
  // "-c cpus=2" is atoi("cpus=2") = 0 there, refused after the VM is opened
  const r = await runTool(t, dir, 'bhyve', ['-c', 'cpus=2', '-l', 'bootrom,/vm/disk.img', 'vm1']);
  t.is(r.code, 1);
  t.is(r.stderr, 'Invalid guest vCPUs (0)\n');
});

test('13.2 and later: -s help lists the emulations; 13.2 has no tpm', async (t) => {
  t.timeout(120_000);
  const dir = await simHost(t, release('13.2'));
  const s = await runTool(t, dir, 'bhyve', ['-s', 'help']);
  t.is(s.code, 0);
  t.true(s.stdout.split('\n').includes('hda'));
  const l = await runTool(t, dir, 'bhyve', ['-l', 'help']);
  t.deepEqual(l.stdout.trim().split('\n'), ['bootrom', 'com1', 'com2', 'com3', 'com4', 'pc-testdev']);
  const tpm = await runTool(t, dir, 'bhyve', ['-l', 'tpm,swtpm,/dev/null', 'vm1']);
  t.is(tpm.code, 64);
  t.is(tpm.stderr, "bhyve: invalid lpc device configuration 'tpm,swtpm,/dev/null'\n");
});

test('an osrelease the simulator does not model is a clear error from bhyve, exit 78 (EX_CONFIG)', async (t) => {
  t.timeout(60_000);
  const dir = await simHost(t, release('12.4-RELEASE'));
  const r = await runTool(t, dir, 'bhyve', ['-h']);
  t.is(r.code, 78);
  t.is(
    r.stderr,
    "bhyve (simulated): host.json: osrelease '12.4-RELEASE' is not a FreeBSD release the simulator models; set it to one of 10.4-RELEASE, 13.2-RELEASE, 14.2-RELEASE, 15.0-RELEASE\n",
  );
});
