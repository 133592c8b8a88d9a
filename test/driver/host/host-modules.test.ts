// Module probing against the simulated kernel (real kldstat processes), in every state the
// host panel distinguishes.
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {simHostLayout} from '../../../driver/sim/sim-backend.js';
import {loadModule, parseKldstatVerbose, probeModules} from '../../../driver/host/modules.js';
import {ensureSimHost} from '../../../driver/sim/sim-host.js';
import {updateHostStateSync} from '../../../driver/sim/host-state.js';
import {makeSimDir, removeSimDir} from '../../helpers/sim-dir.js';

test('kldstat -v in FreeBSD 14 format: files and the modules they contain, built-ins under the kernel', (t) => {
  const text = [
    'Id Refs Address                Size Name',
    ' 1   38 0xffffffff80200000  2448f20 kernel (/boot/kernel/kernel)',
    '\tContains modules:',
    '\t\t Id Name',
    '\t\t 34 if_tuntap',
    '\t\t 35 if_tun',
    '\t\t 36 if_tap',
    ' 5    1 0xffffffff82a22000    2c4c8 vmm.ko (/boot/kernel/vmm.ko)',
    '\tContains modules:',
    '\t\t Id Name',
    '\t\t519 vmm',
    '',
  ].join('\n');
  const parsed = parseKldstatVerbose(text)!;
  t.deepEqual([...parsed.files].sort(), ['kernel', 'vmm']);
  t.deepEqual([...parsed.modules].sort(), ['if_tap', 'if_tun', 'if_tuntap', 'vmm']);
  t.is(parseKldstatVerbose('kldstat: something else'), null);
});

test('probe: loaded, compiled in, missing with its fix, and a vmm.ko that failed (no VT-x)', async (t) => {
  const dir = makeSimDir('modules');
  t.teardown(() => removeSimDir(dir));
  await ensureSimHost(dir);
  const layout = simHostLayout(dir);
  const byName = async () => Object.fromEntries((await probeModules(layout)).map((m) => [m.name, m]));
  let m = await byName();
  t.is(m.vmm!.detail, 'loaded');
  t.is(m.if_tuntap!.detail, 'compiled in');
  t.true(m.if_tuntap!.loaded);
  updateHostStateSync(dir, (s) => {
    s.modules.nmdm = 'unloaded';
    s.modules.vmm = 'loaded';
    s.vmmHardware = false;
  });
  m = await byName();
  t.deepEqual(m.nmdm, {name: 'nmdm', label: 'nmdm', loaded: false, detail: 'missing', fix: 'kldload nmdm', persist: 'sysrc kld_list+=nmdm'});
  // a vmm.ko kept loaded although its module failed: preloaded by an old kernel
  t.is(m.vmm!.detail, 'failed');
  t.false(m.vmm!.loaded);
  t.is(m.vmm!.fix, undefined, 'loading vmm again would not help');
});

test('kldload vmm on a CPU without VT-x/AMD-V: the error says to enable CPU virtualization', async (t) => {
  const dir = makeSimDir('novtx');
  t.teardown(() => removeSimDir(dir));
  await ensureSimHost(dir);
  updateHostStateSync(dir, (s) => {
    s.modules.vmm = 'unloaded';
    s.vmmHardware = false;
  });
  const layout = simHostLayout(dir);
  const r = await loadModule(layout, 'vmm');
  t.false(r.ok);
  t.regex(r.message, /^CPU virtualization \(VT-x\/AMD-V\) missing or disabled in the firmware: enable it in the BIOS\/UEFI setup/);
  t.regex(r.message, /kldload said: kldload: an error occurred while loading module vmm\. Please check dmesg\(8\) for more details\.$/);
  // nothing stays loaded: the panel still shows vmm as missing
  const vmm = (await probeModules(layout)).find((m) => m.name === 'vmm')!;
  t.is(vmm.detail, 'missing');
  // other failures keep kldload's own words
  updateHostStateSync(dir, (s) => {
    s.modules.nmdm = 'absent';
  });
  t.deepEqual(await loadModule(layout, 'nmdm'), {ok: false, message: "kldload: can't load nmdm: No such file or directory"});
});

test('a module with no file in kern.module_path: no kldload offered, the fix installs the file', async (t) => {
  const dir = makeSimDir('nofile');
  t.teardown(() => removeSimDir(dir));
  await ensureSimHost(dir);
  const layout = simHostLayout(dir);
  const nmdmKo = path.join(dir, 'boot/kernel/nmdm.ko');
  t.true(fs.existsSync(nmdmKo), 'the simulated kernel set has nmdm.ko');
  updateHostStateSync(dir, (s) => {
    s.modules.nmdm = 'absent';
    s.modules.if_bridge = 'unloaded';
  });
  t.false(fs.existsSync(nmdmKo), 'an absent module has no file');
  const m = Object.fromEntries((await probeModules(layout)).map((x) => [x.name, x]));
  t.false(m.nmdm!.loaded);
  t.is(m.nmdm!.detail, 'no file');
  t.is(m.nmdm!.searched, '/boot/kernel;/boot/modules');
  t.regex(m.nmdm!.fix!, /build it: make -C \/usr\/src\/sys\/modules\/nmdm all install$/);
  t.is(m.nmdm!.persist, undefined, 'no kld_list line for a module that cannot load');
  // a file kldload finds: still the kldload fix
  t.is(m.if_bridge!.detail, 'missing');
  t.is(m.if_bridge!.fix, 'kldload if_bridge');
  // and kldload itself agrees
  t.regex((await loadModule(layout, 'nmdm')).message, /can't load nmdm: No such file or directory/);
  // the directories are the kernel's (kldconfig changes them), not assumed
  t.is(spawnSync(path.join(dir, 'sbin/sysctl'), ['kern.module_path=/boot/modules']).status, 0);
  const moved = (await probeModules(layout)).find((x) => x.name === 'if_bridge')!;
  t.is(moved.detail, 'no file', 'if_bridge.ko is in /boot/kernel, no longer searched');
  t.is(moved.searched, '/boot/modules');
  t.regex((await loadModule(layout, 'if_bridge')).message, /can't load if_bridge: No such file or directory/);
  t.is(spawnSync(path.join(dir, 'sbin/sysctl'), ['kern.module_path=/boot/kernel;/boot/modules']).status, 0);
  // the file back: loadable again
  updateHostStateSync(dir, (s) => void (s.modules.nmdm = 'unloaded'));
  t.true(fs.existsSync(nmdmKo));
  t.is((await probeModules(layout)).find((x) => x.name === 'nmdm')!.detail, 'missing');
  t.true((await loadModule(layout, 'if_bridge')).ok);
});
