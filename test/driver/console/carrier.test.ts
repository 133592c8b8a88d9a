// The console against FreeBSD's tty rules as the simulator models them (driver/sim/README.md,
// "nmdm pairs"): the daemon's opens of the user side never wait for carrier, the console
// survives the loader's exit and guest reboots (bhyve's side closing drops the carrier),
// a console that ends anyway is reopened, and no descriptor of it outlives the guest.
import fs from 'node:fs';
import path from 'node:path';
import test from 'ava';
import {simViolations} from '../../../driver/sim/sim-host.js';
import {ESC_DEFAULT, attached, consoleLog, hostWithGuest, loginRoot, ptyClient, shell} from './helpers.js';
import {cli, daemonPid, eventually, fastSimHost, sttysOf} from '../../helpers/sim-dir.js';
import {updateHostStateSync} from '../../../driver/sim/host-state.js';

const device = (dir: string): string => path.join(dir, 'dev', 'nmdm-web1.1B');

function domainLog(dir: string): string {
  try {
    return fs.readFileSync(path.join(dir, 'var/log/bhyve-tui/web1.log'), 'utf8');
  } catch {
    return '';
  }
}

/** The daemon's descriptors of a pty slave (also once it was hung up: "(deleted)"). */
function daemonFdsOn(pid: number, slave: string): string[] {
  return fs.readdirSync(`/proc/${pid}/fd`).filter((fd) => {
    try {
      const target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
      return target === slave || target === `${slave} (deleted)`;
    } catch {
      return false;
    }
  });
}

test('starting a guest: no open of its console would wait for carrier on FreeBSD', async (t) => {
  const dir = fastSimHost(t, 'carrier-open');
  const r = cli(dir, ['start', 'web1']);
  t.is(r.status, 0, r.stderr);
  // The loader opens its side after the daemon opened the console; once the loader's text
  // reached the console, the simulator has judged every open of the console before it.
  await eventually('the loader text in the console log', () => /User boot/i.test(consoleLog(dir, 'web1')), 20_000);
  t.deepEqual(simViolations(dir), []);
});

test('the console shows the loader, answers once the guest booted, and again after a reboot', async (t) => {
  const dir = fastSimHost(t, 'carrier-reboot');
  const c = ptyClient(t, dir, ['start', 'web1', '--console']);
  await c.waitFor(/Escape character is \^\] \(Ctrl \+ \]\)\r+\n/);
  const m = c.text().indexOf('Escape character');
  await c.waitFor(/User boot/i, m);
  // the loader exited (its side closed) and bhyve runs the guest
  await c.waitFor(/login: $/, m);
  await loginRoot(c, 'web1');
  t.regex(await shell(c, 'web1', 'uname'), /\r\nFreeBSD\r\n/);
  const before = c.mark();
  c.send('reboot\r');
  await c.waitFor(/---<<BOOT>>---[\s\S]*login: $/, before, 30_000);
  await loginRoot(c, 'web1');
  t.regex(await shell(c, 'web1', 'uname'), /\r\nFreeBSD\r\n/);
  c.send(ESC_DEFAULT);
  t.is(await c.exit(), 0);
  t.deepEqual(simViolations(dir), []);
});

test('a console that ends while the guest runs is reopened; the attached client keeps working', async (t) => {
  const dir = await hostWithGuest(t, 'carrier-drop');
  const c = ptyClient(t, dir, ['console', 'web1']);
  await attached(c, 'web1');
  await loginRoot(c, 'web1');
  // Sim fault: B loses carrier as if it lacked CLOCAL; the daemon's descriptors of it
  // read end of file and fail writes with EIO until it closes them.
  const relay = Number(fs.readFileSync(path.join(dir, 'var/run/bhyve-sim/nmdm/nmdm-web1.1.pid'), 'utf8'));
  process.kill(relay, 'SIGUSR1');
  // Keys typed before the daemon reopened the console are lost; Enter until the guest answers.
  const m = c.mark();
  let lastEnter = 0;
  await eventually('a fresh prompt through the reopened console', () => {
    if (/root@web1:~ # $/.test(c.text(m))) return true;
    if (Date.now() - lastEnter >= 300) {
      c.send('\r');
      lastEnter = Date.now();
    }
    return false;
  });
  t.regex(await shell(c, 'web1', 'echo after-carrier-drop'), /\r\nafter-carrier-drop\r\n/);
  // The daemon meets the dead side on its next read (end of file) or, if a key came first, on
  // its next write (EIO): either way it reopens.
  t.regex(domainLog(dir), /console \S+nmdm-web1\.1B: (end of file|write EIO) while the guest runs; reopening it/);
  c.send(ESC_DEFAULT);
  t.is(await c.exit(), 0);
  t.deepEqual(simViolations(dir), [], 'the old descriptors were all closed before the reopen');
});

test('a destroy while a lost console is being reopened returns once the reopen let go of it; the next start opens it cleanly', async (t) => {
  const dir = await hostWithGuest(t, 'carrier-reopen-destroy');
  // The reopen's stty is slow to start: its descriptor is held 1.5 s without CLOCAL.
  updateHostStateSync(dir, (s) => {
    s.faults['*'] = {...s.faults['*'], sttyStartDelayMs: 1500};
  });
  const stty = () => sttysOf(dir);
  const relay = Number(fs.readFileSync(path.join(dir, 'var/run/bhyve-sim/nmdm/nmdm-web1.1.pid'), 'utf8'));
  process.kill(relay, 'SIGUSR1');
  await eventually("the reopen's stty", () => stty().length > 0);
  const r = cli(dir, ['destroy', 'web1']);
  t.is(r.status, 0, r.stderr);
  // (Before: the destroy returned at once, and the next start opened the console while this
  // stty still held it without CLOCAL; CI's 200-cycle leak test once met that.)
  t.deepEqual(stty(), [], 'the reopen still held the console when the destroy returned');
  const before = consoleLog(dir, 'web1').length;
  t.is(cli(dir, ['start', 'web1']).status, 0);
  // Once the loader's text came through, the relay has judged every open of the console.
  await eventually('the loader text in the console log', () => /User boot/i.test(consoleLog(dir, 'web1').slice(before)), 20_000);
  t.deepEqual(simViolations(dir), []);
});

test('once the guest stopped, the daemon holds no descriptor of its console', async (t) => {
  const dir = await hostWithGuest(t, 'carrier-fds');
  const pid = daemonPid(dir);
  const slave = fs.readlinkSync(device(dir));
  t.is(daemonFdsOn(pid, slave).length, 2, 'one to read, one to write');
  const r = cli(dir, ['destroy', 'web1']);
  t.is(r.status, 0, r.stderr);
  await eventually('the console descriptors closed', () => daemonFdsOn(pid, slave).length === 0, 10_000);
  t.pass();
});
