// Every confirmation in a real terminal: destroy (y/N), reboot (y/N), undefine (type the
// name), kldload (y/N) and a shutdown with its countdown.
import test from 'ava';
import {updateHostStateSync} from '../../driver/sim/host-state.js';
import {cli} from '../helpers/sim-dir.js';
import {hasTmux, rowOf, select, startTui} from './tui-helpers.js';

const e2e = hasTmux ? test.serial : test.skip;
if (!hasTmux) test('TUI confirmation tests need tmux (skipped: tmux is not installed; .ci/run installs it)', (t) => t.pass());

e2e('D asks before destroying; n leaves it running; y destroys', async (t) => {
  const run = await startTui('tui-destroy');
  t.teardown(() => run.close());
  const {tmux, dir} = run;
  t.is(cli(dir, ['start', 'db1']).status, 0);
  await tmux.waitFor((screen) => /running|bootloader/.test(rowOf(screen, 'db1')), 20_000);
  await select(tmux, 'db1');
  tmux.keys('D');
  await tmux.waitFor(/Destroy domain 'db1'\?/);
  tmux.keys('n');
  await tmux.waitFor('Left db1 alone');
  t.regex(rowOf(tmux.screen(), 'db1'), /running|bootloader/);
  tmux.keys('D');
  await tmux.waitFor(/Destroy domain 'db1'\?/);
  tmux.keys('y');
  await tmux.waitFor((screen) => /shut off/.test(rowOf(screen, 'db1')) && !/Destroy domain/.test(screen), 20_000);
  t.pass();
});

e2e('R asks before a reboot; t shuts down with a countdown', async (t) => {
  const run = await startTui('tui-reboot');
  t.teardown(() => run.close());
  const {tmux, dir} = run;
  t.is(cli(dir, ['start', 'freebsd14']).status, 0);
  await tmux.waitFor((screen) => /running/.test(rowOf(screen, 'freebsd14')), 30_000);
  await select(tmux, 'freebsd14');
  tmux.keys('R');
  await tmux.waitFor(/Reboot domain 'freebsd14'\?/);
  tmux.keys('y');
  await tmux.waitFor(/Rebooted freebsd14|Cannot reboot freebsd14/, 30_000);
  t.notRegex(tmux.screen(), /Cannot reboot/);
  await tmux.waitFor((screen) => /running/.test(rowOf(screen, 'freebsd14')), 30_000);
  tmux.keys('t');
  const screen = await tmux.waitFor(/power-off in \d+ s|shut off/, 20_000);
  t.regex(screen, /in shutdown|shut off/);
});

e2e('U asks for the name; a wrong name is refused; the right one undefines', async (t) => {
  const run = await startTui('tui-undefine');
  t.teardown(() => run.close());
  const {tmux} = run;
  await select(tmux, 'debian12');
  tmux.keys('U');
  await tmux.waitFor(/Undefine domain 'debian12'\?/);
  tmux.type('debian');
  tmux.keys('Enter');
  await tmux.waitFor('› debian');
  t.regex(tmux.screen(), /Undefine domain/, 'still asking');
  tmux.type('12');
  await tmux.waitFor('Enter undefines it');
  tmux.keys('Enter');
  const screen = await tmux.waitFor(/Domain 'debian12' has been undefined/, 10_000);
  t.is(rowOf(screen.split("Domain 'debian12'")[0] ?? '', 'debian12'), '');
});

e2e('K loads a missing module after a confirmation and shows the sysrc line', async (t) => {
  const run = await startTui('tui-kldload', {
    prepare(dir) {
      updateHostStateSync(dir, (state) => {
        state.modules.if_bridge = 'unloaded';
      });
    },
  });
  t.teardown(() => run.close());
  const {tmux} = run;
  await tmux.waitFor(/if_bridge +missing/, 10_000);
  await tmux.waitFor('sysrc kld_list+=if_bridge');
  tmux.keys('K');
  await tmux.waitFor(/kldload if_bridge'\?/);
  tmux.keys('y');
  const screen = await tmux.waitFor(/Loaded if_bridge\. To load it at every boot: sysrc kld_list\+=if_bridge/, 15_000);
  t.regex(screen, /✔ if_bridge +loaded/);
});

e2e(':start NAME runs the CLI verb from the command line', async (t) => {
  const run = await startTui('tui-command');
  t.teardown(() => run.close());
  const {tmux} = run;
  tmux.type(':start web1');
  await tmux.waitFor(':start web1');
  tmux.keys('Enter');
  await tmux.waitFor((screen) => /bootloader|running/.test(rowOf(screen, 'web1')), 20_000);
  t.pass();
});
