import test from 'ava';
import {readHostState, updateHostState} from '../../../driver/sim/sim-host.js';
import {runTool, simHost} from './helpers.js';

test('tap/bridge create print the new name; tapN create prints nothing', async (t) => {
  const dir = await simHost(t);
  let r = await runTool(t, dir, 'ifconfig', ['tap', 'create']);
  t.is(r.code, 0);
  t.is(r.stdout, 'tap0\n');
  r = await runTool(t, dir, 'ifconfig', ['tap5', 'create']);
  t.is(r.code, 0);
  t.is(r.stdout, '');
  r = await runTool(t, dir, 'ifconfig', ['bridge', 'create']);
  t.is(r.stdout, 'bridge1\n');
  r = await runTool(t, dir, 'ifconfig', ['tap', 'create', 'name', 'vm-web1']);
  t.is(r.stdout, 'vm-web1\n');
  r = await runTool(t, dir, 'ifconfig', ['tap0', 'create']);
  t.is(r.code, 1);
  t.is(r.stderr, 'ifconfig: interface tap0 already exists\n');
  r = await runTool(t, dir, 'ifconfig', ['-l']);
  t.is(r.stdout, 'em0 lo0 bridge0 tap0 tap5 bridge1 vm-web1\n');
  r = await runTool(t, dir, 'ifconfig', ['-l', 'ether']);
  t.is(r.stdout, 'em0 tap0 tap5 vm-web1\n');
});

test('bridge members, groups, description and errors', async (t) => {
  const dir = await simHost(t);
  await runTool(t, dir, 'ifconfig', ['tap', 'create']);
  let r = await runTool(t, dir, 'ifconfig', ['tap0', 'descr', 'vmnet/web1/0/public', 'group', 'vm-port', 'up']);
  t.is(r.code, 0);
  t.is(r.stdout + r.stderr, '');
  r = await runTool(t, dir, 'ifconfig', ['bridge0', 'addm', 'tap0']);
  t.is(r.code, 0);
  r = await runTool(t, dir, 'ifconfig', ['bridge0', 'addm', 'tap0']);
  t.is(r.code, 1);
  t.is(r.stderr, 'ifconfig: BRDGADD tap0: File exists\n');
  r = await runTool(t, dir, 'ifconfig', ['bridge0', 'addm', 'tap9']);
  t.is(r.stderr, 'ifconfig: BRDGADD tap9: No such file or directory\n');
  r = await runTool(t, dir, 'ifconfig', ['bridge0']);
  t.regex(r.stdout, /^bridge0: flags=8843<UP,BROADCAST,RUNNING,SIMPLEX,MULTICAST> metric 0 mtu 1500\n/);
  t.regex(r.stdout, /\n\tmember: tap0 flags=143<LEARNING,DISCOVER,AUTOEDGE,AUTOPTP>\n\t {8}ifmaxaddr 0 port 5 priority 128 path cost 2000000\n/);
  r = await runTool(t, dir, 'ifconfig', ['tap0']);
  t.regex(r.stdout, /^tap0: flags=8903<UP,BROADCAST,PROMISC,SIMPLEX,MULTICAST>/);
  t.regex(r.stdout, /\n\tdescription: vmnet\/web1\/0\/public\n/);
  t.regex(r.stdout, /\n\tgroups: tap vm-port\n/);
  t.regex(r.stdout, /\n\tstatus: no carrier\n/);
  t.notRegex(r.stdout, /Opened by PID/);
  r = await runTool(t, dir, 'ifconfig', ['-g', 'vm-port']);
  t.is(r.stdout, 'tap0\n');
  r = await runTool(t, dir, 'ifconfig', ['-g', 'nosuchgroup']);
  t.is(r.code, 0);
  t.is(r.stdout, '');
  // destroying a member takes it out of the bridge
  r = await runTool(t, dir, 'ifconfig', ['tap0', 'destroy']);
  t.is(r.code, 0);
  t.is(r.stdout + r.stderr, '');
  const st = await readHostState(dir);
  t.deepEqual(st.interfaces.find((i) => i.name === 'bridge0')?.members, []);
  r = await runTool(t, dir, 'ifconfig', ['tap0', 'destroy']);
  t.is(r.code, 1);
  t.is(r.stderr, 'ifconfig: interface tap0 does not exist\n');
  r = await runTool(t, dir, 'ifconfig', ['tap7']);
  t.is(r.stderr, 'ifconfig: interface tap7 does not exist\n');
});

test('tapCreateFails fault', async (t) => {
  const dir = await simHost(t);
  await updateHostState(dir, (s) => {
    s.faults['*'] = {tapCreateFails: true};
  });
  const r = await runTool(t, dir, 'ifconfig', ['tap', 'create']);
  t.is(r.code, 1);
  t.is(r.stderr, 'ifconfig: SIOCIFCREATE2: Device not configured\n');
  t.is((await runTool(t, dir, 'ifconfig', ['bridge', 'create'])).code, 0);
});

test('ifconfig bridge create auto-loads if_bridge', async (t) => {
  const dir = await simHost(t, (s) => {
    s.modules.if_bridge = 'unloaded';
  });
  t.is((await runTool(t, dir, 'kldstat', ['-qm', 'if_bridge'])).code, 1);
  const r = await runTool(t, dir, 'ifconfig', ['bridge', 'create']);
  t.is(r.stdout, 'bridge1\n');
  t.is((await runTool(t, dir, 'kldstat', ['-qm', 'if_bridge'])).code, 0);
});
