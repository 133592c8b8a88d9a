// Module probing against the simulated kernel (real kldstat processes), in every state the
// host panel distinguishes.
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
