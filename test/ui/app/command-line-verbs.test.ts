// The `:` line and the CLI share one implementation of each verb: on a real simulated host,
// what `:VERB ARGS` gives the TUI (runOnConnection, on the TUI's own connection) is what
// `bhyve-tui VERB ARGS` prints, for the output and for the error alike.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import {spawnSync} from 'node:child_process';
import {cliBundle, eventually, fastSimHost} from '../../helpers/sim-dir.js';
import {openConnection, type DaemonConnection} from '../../../driver/client/daemon-client.js';
import {runOnConnection} from '../../../ui/app/command-line.js';

interface Both {
  cli: {status: number; stdout: string; stderr: string};
  tui: {output?: string; error?: string};
}

function bhyveTui(dir: string, argv: string[]): Both['cli'] {
  const r = spawnSync(process.execPath, [cliBundle, '-c', `sim://${dir}`, ...argv], {encoding: 'utf8', input: ''});
  return {status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr};
}

async function colon(conn: DaemonConnection, argv: string[]): Promise<Both['tui']> {
  try {
    return {output: await runOnConnection(conn, argv)};
  } catch (error) {
    return {error: (error as Error).message};
  }
}

/** The verb through the CLI and through the `:` line, in that order; both must agree. */
async function same(t: import('ava').ExecutionContext, dir: string, conn: DaemonConnection, argv: string[]): Promise<void> {
  const cli = bhyveTui(dir, argv);
  const tui = await colon(conn, argv);
  if (cli.status === 0) {
    t.is(cli.stderr, '', `bhyve-tui ${argv.join(' ')}`);
    t.is(tui.output, cli.stdout, `:${argv.join(' ')}`);
  } else {
    t.is(`error: ${tui.error}\n`, cli.stderr, `:${argv.join(' ')} fails as bhyve-tui ${argv.join(' ')} does`);
  }
}

const state = async (conn: DaemonConnection, name: string) => (await conn.listDomains()).find((d) => d.name === name)?.state;

test('every verb the : line runs prints what the CLI prints', async (t) => {
  const dir = fastSimHost(t, 'colon-verbs');
  const conn = await openConnection(`sim://${dir}`);
  t.teardown(() => conn.close());
  for (const argv of [
    ['dumpxml', 'web1'],
    ['dumpxml', 'db1', '--inactive', '--security-info'],
    ['dumpxml', 'nosuch'],
    ['list'],
    ['list', '--all'],
    ['list', '--name', '--inactive'],
    ['dominfo', 'web1'],
    ['domstate', 'web1', '--reason'],
    ['domstate', 'nosuch'],
    ['domcapabilities'],
    ['version'],
    ['log', 'web1', '--tail', '200'],
    ['autostart', 'web1', '--order', '3'],
    ['autostart', 'web1', '--disable'],
    ['autostart', 'web1', '--order', 'soon'],
    ['start'],
  ]) {
    await same(t, dir, conn, argv);
  }

  // Verbs that change the domain: each message from one side, then the same verb from the other.
  const file = path.join(dir, 'extra.xml');
  fs.writeFileSync(
    file,
    "<domain type='bhyve'>\n  <name>extra</name>\n  <memory unit='MiB'>256</memory>\n  <vcpu>1</vcpu>\n  <os><type>hvm</type></os>\n</domain>\n",
  );
  for (const argv of [
    ['define', file],
    ['validate', file],
    ['domxml-to-native', 'bhyve-argv', file],
  ])
    await same(t, dir, conn, argv);
  const undefineCli = bhyveTui(dir, ['undefine', 'extra']);
  t.is((await colon(conn, ['define', file])).output, `Domain 'extra' defined from ${file}\n\n`);
  t.is((await colon(conn, ['undefine', 'extra'])).output, undefineCli.stdout);

  const startCli = bhyveTui(dir, ['start', 'web1']);
  t.is(startCli.stdout, "Domain 'web1' started\n\n");
  await same(t, dir, conn, ['start', 'web1']); // both refuse: already running
  const running = async () => eventually('web1 running', () => bhyveTui(dir, ['domstate', 'web1']).stdout === 'running\n\n');
  await running();
  // A reboot ends the bhyve and starts the next one: it is over once another pid runs.
  const web1 = () => (JSON.parse(bhyveTui(dir, ['list', '--json']).stdout) as {name: string; state: string; pid?: number}[]).find((d) => d.name === 'web1');
  const pidOf = () => web1()?.pid;
  // State and pid from one listing: from two, 'running' could be the old bhyve's and the
  // new pid the loader's (the :reboot then met a guest in its loader, CI's flake).
  const rebooted = async (before: number | undefined) =>
    eventually('web1 running again', () => {
      const w = web1();
      return w?.state === 'running' && w.pid !== before;
    });
  let before = pidOf();
  const rebootCli = bhyveTui(dir, ['reboot', 'web1']);
  t.is(rebootCli.stdout, "Domain 'web1' is being rebooted\n\n", rebootCli.stderr);
  await rebooted(before);
  before = pidOf();
  const rebootTui = await colon(conn, ['reboot', 'web1']);
  // (If it fails, the message says why, and what the daemon did meanwhile.)
  const rebootFailed = () =>
    `:reboot web1 failed: ${rebootTui.error}; web1 then: ${JSON.stringify(web1())}; its log:\n${bhyveTui(dir, ['log', 'web1', '--tail', '6000']).stdout}`;
  t.is(rebootTui.output, rebootCli.stdout, rebootTui.output === rebootCli.stdout ? '' : rebootFailed());
  await rebooted(before);
  const destroyTui = await colon(conn, ['destroy', 'web1']);
  t.is(destroyTui.output, "Domain 'web1' destroyed\n\n");
  t.is((await colon(conn, ['start', 'web1'])).output, startCli.stdout);
  t.is(bhyveTui(dir, ['destroy', 'web1']).stdout, destroyTui.output ?? '');
  await same(t, dir, conn, ['destroy', 'web1']); // both refuse: not running
  t.is(await state(conn, 'web1'), 'shut off');

  // What needs the terminal says what to do in the TUI instead.
  t.regex((await colon(conn, ['console', 'web1'])).error ?? '', /^':console web1' needs the terminal to itself; in the TUI, press c on the domain$/);
  t.regex((await colon(conn, ['edit', 'web1'])).error ?? '', /^':edit web1' needs the terminal to itself; in the TUI, press E on the domain$/);
  t.regex((await colon(conn, ['start', 'web1', '--console'])).error ?? '', /needs the terminal/);
  // An unknown verb: the TUI points at its own help.
  t.is((await colon(conn, ['frobnicate'])).error, "unknown command 'frobnicate' — ? lists the commands");
});
