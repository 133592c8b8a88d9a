import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {runTool, simHost} from './helpers.js';

test('kldstat lists loaded files in the 13/14 layout', async (t) => {
  const dir = await simHost(t);
  const r = await runTool(t, dir, 'kldstat', []);
  t.is(r.code, 0);
  const lines = r.stdout.trimEnd().split('\n');
  t.is(lines[0], 'Id Refs Address                Size Name');
  t.regex(lines[1]!, /^ 1 +\d+ 0xffffffff80200000 +[0-9a-f]+ kernel$/);
  t.true(lines.some((l) => / vmm\.ko$/.test(l)));
  t.true(lines.some((l) => / nmdm\.ko$/.test(l)));
  // tuntap is compiled into GENERIC by default: no file listed
  t.false(lines.some((l) => /if_tuntap/.test(l)));
});

test('kldstat -q -m / -n: exit status only', async (t) => {
  const dir = await simHost(t, (s) => {
    s.modules.nmdm = 'unloaded';
  });
  const cases: [string[], number][] = [
    [['-q', '-m', 'vmm'], 0],
    [['-qm', 'nmdm'], 1],
    [['-q', '-n', 'vmm'], 0],
    [['-q', '-n', 'vmm.ko'], 0],
    [['-q', '-m', 'if_tap'], 0], // if_tuntap registers if_tap and if_tun too
    [['-q', '-m', 'if_tun'], 0],
    [['-q', '-n', 'if_tuntap'], 1], // built in: no file
  ];
  for (const [args, code] of cases) {
    const r = await runTool(t, dir, 'kldstat', args);
    t.is(r.code, code, args.join(' '));
    t.is(r.stdout + r.stderr, '', args.join(' '));
  }
});

test('kldstat messages for missing modules and files', async (t) => {
  const dir = await simHost(t, (s) => {
    s.modules.vmm = 'unloaded';
  });
  let r = await runTool(t, dir, 'kldstat', ['-m', 'vmm']);
  t.is(r.code, 1);
  t.is(r.stderr, "kldstat: can't find module vmm: No such file or directory\n");
  r = await runTool(t, dir, 'kldstat', ['-n', 'vmm']);
  t.is(r.code, 1);
  t.is(r.stderr, "kldstat: can't find file vmm: No such file or directory\n");
  r = await runTool(t, dir, 'kldstat', ['-m', 'if_bridge']);
  t.is(r.code, 0);
  t.regex(r.stdout, /^Id {2}Refs Name\n *\d+ +1 if_bridge\n$/);
  r = await runTool(t, dir, 'kldstat', ['-z']);
  t.is(r.code, 1);
  t.regex(r.stderr, /^kldstat: illegal option -- z\nusage: kldstat/);
});

test('kldstat -v shows path and contained modules', async (t) => {
  const dir = await simHost(t);
  const r = await runTool(t, dir, 'kldstat', ['-v', '-n', 'vmm']);
  t.is(r.code, 0);
  t.regex(r.stdout, / vmm\.ko \(\/boot\/kernel\/vmm\.ko\)\n\tContains modules:\n\t\t Id Name\n\t\t\d+ vmm\n$/);
});

test('kldload: success, -v, EEXIST, -n, unknown', async (t) => {
  const dir = await simHost(t, (s) => {
    s.modules.nmdm = 'unloaded';
  });
  let r = await runTool(t, dir, 'kldload', ['-v', 'nmdm']);
  t.is(r.code, 0);
  t.regex(r.stdout, /^Loaded nmdm, id=\d+\n$/);
  t.is((await runTool(t, dir, 'kldstat', ['-qm', 'nmdm'])).code, 0);
  r = await runTool(t, dir, 'kldload', ['nmdm']);
  t.is(r.code, 1);
  t.is(r.stderr, "kldload: can't load nmdm: module already loaded or in kernel\n");
  r = await runTool(t, dir, 'kldload', ['-n', 'nmdm']);
  t.is(r.code, 0);
  t.is(r.stderr, '');
  // compiled-in tuntap: both names are "already loaded or in kernel"
  r = await runTool(t, dir, 'kldload', ['if_tap']);
  t.is(r.code, 1);
  t.is(r.stderr, "kldload: can't load if_tap: module already loaded or in kernel\n");
  r = await runTool(t, dir, 'kldload', ['nosuchmod']);
  t.is(r.code, 1);
  t.is(r.stderr, "kldload: can't load nosuchmod: No such file or directory\n");
  // -q silences only path_check()'s warnings, not a failed load
  r = await runTool(t, dir, 'kldload', ['-q', 'nosuchmod']);
  t.is(r.code, 1);
  t.is(r.stderr, "kldload: can't load nosuchmod: No such file or directory\n");
  r = await runTool(t, dir, 'kldload', []);
  t.is(r.code, 1);
  t.is(r.stderr, 'usage: kldload [-nqv] file ...\n');
});

test('vmm without hardware support: kldload fails with ENOEXEC and leaves nothing loaded', async (t) => {
  const dir = await simHost(t, (s) => {
    s.modules.vmm = 'unloaded';
    s.vmmHardware = false;
  });
  const enoexec = 'kldload: an error occurred while loading module vmm. Please check dmesg(8) for more details.\n';
  for (const args of [['vmm'], ['-n', 'vmm'], ['-q', 'vmm'], ['-v', 'vmm']]) {
    const r = await runTool(t, dir, 'kldload', args);
    t.is(r.code, 1, args.join(' '));
    t.is(r.stderr, enoexec, args.join(' '));
    t.is(r.stdout, '', args.join(' '));
  }
  // linker_load_file() unloaded the file again: neither file nor module
  t.is((await runTool(t, dir, 'kldstat', ['-qn', 'vmm'])).code, 1);
  t.is((await runTool(t, dir, 'kldstat', ['-qm', 'vmm'])).code, 1);
  t.notRegex((await runTool(t, dir, 'kldstat', [])).stdout, /vmm\.ko/);
  // libvmmapi's vm_create() tries the same kldload, then finds no hw.vmm.create sysctl
  const load = await runTool(t, dir, 'bhyveload', ['-m', '256M', 'vm1']);
  t.is(load.code, 1);
  t.is(load.stderr, 'vm_create: No such file or directory\n');
  const bhyve = await runTool(t, dir, 'bhyve', ['-c', '1', '-m', '256M', '-l', 'bootrom,/vm/disk.img', 'vm1']);
  t.is(bhyve.code, 4);
  t.regex(bhyve.stderr, /^vm_create: No such file or directory\n/);
  t.is((await runTool(t, dir, 'kldstat', ['-qn', 'vmm'])).code, 1, 'the auto-load left nothing either');
  t.deepEqual(fs.readdirSync(path.join(dir, 'dev', 'vmm')), []);
});

test('vmm.ko kept loaded with its module failed (preloaded on an old kernel): file listed, no module, ENXIO', async (t) => {
  const dir = await simHost(t, (s) => {
    s.modules.vmm = 'loaded';
    s.vmmHardware = false;
  });
  t.is((await runTool(t, dir, 'kldstat', ['-qn', 'vmm'])).code, 0);
  t.is((await runTool(t, dir, 'kldstat', ['-qm', 'vmm'])).code, 1);
  t.regex((await runTool(t, dir, 'kldstat', ['-v', '-n', 'vmm'])).stdout, / vmm\.ko \(\/boot\/kernel\/vmm\.ko\)\n\tContains modules:\n\t\t Id Name\n$/);
  // the module name resolves to the loaded file: EEXIST
  const r = await runTool(t, dir, 'kldload', ['vmm']);
  t.is(r.code, 1);
  t.is(r.stderr, "kldload: can't load vmm: module already loaded or in kernel\n");
  const load = await runTool(t, dir, 'bhyveload', ['-m', '256M', 'vm1']);
  t.is(load.code, 1);
  t.is(load.stderr, 'vm_create: Device not configured\n');
});
