// Audit item 8: destroying a domain whose loader waits at its menu. bhyveload and
// grub-bhyve create /dev/vmm/NAME before their menu and do not notice it being destroyed
// (driver/sim/README.md), so the daemon must stop the loader itself. Everything runs for
// real: daemon, recorder, loader, bhyvectl, ifconfig.
import test, {type ExecutionContext} from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import {execFileSync} from 'node:child_process';
import {cli, cliAsync, eventually, fastSimHost, within} from '../../helpers/sim-dir.js';
import {updateHostStateSync} from '../../../driver/sim/host-state.js';
import type {DomainSummary} from '../../../driver/client/connection.js';
import {pidAlive} from '../../../driver/host/process-alive.js';

const dom = (dir: string, name: string) => (JSON.parse(cli(dir, ['list', '--all', '--json']).stdout) as DomainSummary[]).find((d) => d.name === name)!;
const runDir = (dir: string) => path.join(dir, 'var/run/bhyve-tui');
const consoleLog = (dir: string, name: string) => {
  try {
    return fs.readFileSync(path.join(dir, 'var/log/bhyve-tui', `${name}.console.log`), 'latin1');
  } catch {
    return '';
  }
};

async function destroyAtMenu(t: ExecutionContext, dir: string, name: string, loader: RegExp, menu: RegExp): Promise<void> {
  const starting = cliAsync(dir, ['start', name]);
  await eventually(
    `${name}'s loader at its menu`,
    () => dom(dir, name).state === 'bootloader' && fs.existsSync(path.join(dir, 'dev/vmm', name)) && menu.test(consoleLog(dir, name)),
    20_000,
  );
  const loaderPid = dom(dir, name).pid!;
  t.regex(fs.readFileSync(`/proc/${loaderPid}/cmdline`, 'utf8'), loader);

  const began = Date.now();
  const d = await within(15_000, cliAsync(dir, ['destroy', name]), `bhyve-tui destroy ${name}`);
  const took = Date.now() - began;
  t.is(d.status, 0, d.stderr);
  t.true(took < 8_000, `destroy took ${took} ms`);

  const s = await within(5_000, starting, 'the start client');
  t.is(s.status, 1);
  t.regex(s.stderr, new RegExp(`start of '${name}' cancelled: the domain was destroyed`));
  const after = dom(dir, name);
  t.is(after.state, 'shut off');
  t.is(after.reason, 'destroyed');
  t.false(pidAlive(loaderPid), 'no loader is left');
  t.false(fs.existsSync(path.join(dir, 'dev/vmm', name)), 'no /dev/vmm/NAME is left');
  t.notRegex(execFileSync(path.join(dir, 'sbin/ifconfig'), ['-l'], {encoding: 'utf8'}), /\btap\d+/, 'no tap is left');
  const left = fs.readdirSync(runDir(dir)).filter((f) => f.startsWith(`${name}.`) && f !== `${name}.last.json`);
  t.deepEqual(left, [], 'run record and stage files are gone');
  t.regex(cli(dir, ['log', name]).stdout, /stopping the loader \(pid \d+\) before the VM/);
}

test.serial('destroy while bhyveload waits at its menu (autoboot_delay NO) returns at once and leaves nothing', async (t) => {
  const dir = fastSimHost(t, 'dstbhyveload');
  updateHostStateSync(dir, (s) => {
    s.autobootDelay = 'NO';
  });
  await destroyAtMenu(t, dir, 'web1', /bhyveload/, /Welcome to FreeBSD/);
});

test.serial('destroy while grub-bhyve waits at its menu (timeout -1) returns at once and leaves nothing', async (t) => {
  const dir = fastSimHost(t, 'dstgrub');
  updateHostStateSync(dir, (s) => {
    s.grubTimeout = -1;
  });
  await destroyAtMenu(t, dir, 'debian12', /grub-bhyve/, /GNU GRUB/);
});
