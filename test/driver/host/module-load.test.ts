// Only the kernel modules bhyve needs can be loaded through the daemon: whatever else a
// client names (a module, a path, an option) is refused with one line and kldload never runs.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import {cli, fastSimHost, rawRequest as request} from '../../helpers/sim-dir.js';
import {updateHostStateSync} from '../../../driver/sim/host-state.js';

const kldloads = (dir: string): string[][] => {
  const file = path.join(dir, 'var/run/bhyve-sim/invocations.log');
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as {tool: string; argv: string[]})
    .filter((r) => r.tool === 'kldload')
    .map((r) => r.argv);
};

test('loadModule: anything but vmm, nmdm, if_bridge, if_tuntap is refused and kldload never runs', async (t) => {
  const dir = fastSimHost(t, 'kld-only');
  t.is(cli(dir, ['list']).status, 0);
  for (const bad of ['evil', '../x', '/tmp/evil.ko', '-v', 'nmdm.ko', 'vmm; reboot', '']) {
    const reply = await request(dir, 'loadModule', [bad]);
    t.regex(reply.error?.message ?? '', /^cannot load ".*": not one of the modules bhyve needs \(vmm, if_tuntap, if_bridge, nmdm\)$/, JSON.stringify(bad));
  }
  t.is((await request(dir, 'loadModule', [42])).error?.message, 'bad request: module must be a string');
  t.deepEqual(kldloads(dir), [], 'kldload never ran');

  // A known module is loaded, and the record above would have shown it.
  updateHostStateSync(dir, (s) => {
    s.modules.nmdm = 'unloaded';
  });
  const ok = await request(dir, 'loadModule', ['nmdm']);
  t.is(ok.error, undefined);
  t.deepEqual(kldloads(dir), [['-n', 'nmdm']]);
});
