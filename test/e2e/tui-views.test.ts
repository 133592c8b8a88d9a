// The TUI's views in a real terminal: the incremental filter, the details view (with the
// command lines a start would run) and the errors view of a broken definition.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import {cli} from '../helpers/sim-dir.js';
import {hasTmux, rowOf, select, selectedRow, startTui} from './tui-helpers.js';

const e2e = hasTmux ? test.serial : test.skip;
if (!hasTmux) test('TUI view tests need tmux (skipped: tmux is not installed; .ci/run installs it)', (t) => t.pass());

e2e('/ filters the list as you type; Esc clears the filter', async (t) => {
  const run = await startTui('tui-filter');
  t.teardown(() => run.close());
  const {tmux} = run;
  tmux.type('/');
  await tmux.waitFor(/4 of 4/);
  tmux.type('eb');
  let screen = await tmux.waitFor(/3 of 4/);
  t.true(rowOf(screen, 'web1') !== '');
  t.true(rowOf(screen, 'debian12') !== '');
  t.is(rowOf(screen, 'db1'), '');
  tmux.type('1');
  screen = await tmux.waitFor(/1 of 4/);
  t.is(rowOf(screen, 'debian12'), '');
  t.is(rowOf(screen, 'freebsd14'), '');
  tmux.keys('Enter');
  screen = await tmux.waitFor(/\/eb1 {2}1\/1 of 4/);
  t.true(selectedRow(screen).includes('web1'));
  tmux.keys('Escape');
  screen = await tmux.waitFor('Filter cleared');
  t.true(rowOf(screen, 'freebsd14') !== '');
  t.true(selectedRow(screen).includes('web1'), 'the selection stays');
});

e2e('Enter opens the details view with devices and the command lines; Esc goes back', async (t) => {
  const run = await startTui('tui-details');
  t.teardown(() => run.close());
  const {tmux} = run;
  await select(tmux, 'freebsd14');
  tmux.keys('Enter');
  let screen = await tmux.waitFor(/Details: freebsd14[\s\S]*Boot/, 10_000);
  t.regex(screen, /Boot\s+bhyveload/);
  t.regex(screen, /vda\s+virtio\s+disk\s+\/vm\/freebsd14\/disk0\.img/);
  t.regex(screen, /bridge bridge0/);
  t.regex(screen, /\/dev\/nmdm-freebsd14\.1B/);
  t.regex(screen, /A start would run/);
  t.regex(screen, /\$ \S*bhyveload .*freebsd14/);
  t.regex(screen, /\$ \S*bhyve -c 2 /);
  tmux.keys('?');
  screen = await tmux.waitFor('Keys: Details');
  t.regex(screen, /c\s+serial console/);
  tmux.keys('Escape');
  await tmux.waitFor('Details: freebsd14');
  tmux.keys('Escape');
  screen = await tmux.waitFor(/NAME.*STATE/);
  t.true(selectedRow(screen).includes('freebsd14'));
});

e2e('a broken definition is listed with !, and e shows where the error is and what to do', async (t) => {
  const run = await startTui('tui-errors', {
    prepare(dir) {
      const file = path.join(dir, 'usr/local/etc/bhyve-tui/domains/web1.xml');
      // Break the XML: an unclosed <vcpu> element.
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('</vcpu>', ''));
    },
  });
  t.teardown(() => run.close());
  const {tmux} = run;
  let screen = await tmux.waitFor((screen) => /!\s+web1\s+invalid/.test(screen), 10_000);
  t.regex(rowOf(screen, 'web1'), /invalid/);
  await select(tmux, 'web1');
  tmux.keys('e');
  screen = await tmux.waitFor(/Errors: web1[\s\S]*✘ XML syntax/, 10_000);
  t.regex(screen, /web1\.xml:\d+(:\d+)?/, 'file, line and column');
  t.regex(screen, /→ /, 'what to do');
  tmux.keys('s');
  screen = await tmux.waitFor(/web1 cannot start/);
  t.pass();
});

e2e('e on a domain with a broken file, a missing disk and a failed last start shows all three with their places', async (t) => {
  const run = await startTui('tui-three', {
    cols: 160,
    prepare(dir) {
      const state = path.join(dir, 'host.json');
      const host = JSON.parse(fs.readFileSync(state, 'utf8')) as {faults?: Record<string, unknown>; autobootDelay?: number};
      host.faults = {web1: {bhyveExit: 4}};
      host.autobootDelay = 0;
      fs.writeFileSync(state, JSON.stringify(host));
      cli(dir, ['start', 'web1']);
      fs.rmSync(path.join(dir, 'vm/web1/disk0.img'));
      const file = path.join(dir, 'usr/local/etc/bhyve-tui/domains/web1.xml');
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('</vcpu>', ''));
    },
  });
  t.teardown(() => run.close());
  const {tmux} = run;
  await tmux.waitFor((screen) => /!\s+web1\s+invalid/.test(screen), 10_000);
  await select(tmux, 'web1');
  tmux.keys('e');
  const screen = await tmux.waitFor(/Errors: web1[\s\S]*Last start/, 10_000);
  t.regex(screen, /✘ XML syntax\s+\S*\/web1\.xml:\d+:\d+/);
  t.regex(screen, /✘ Host\s+\S*\/web1\.xml:\d+:\d+[\s│]*disk image \/vm\/web1\/disk0\.img does not exist/);
  t.regex(screen, /✘ Last start\s+\S*\/web1\.log/);
  t.regex(screen, /exit code 4: exited due to an error/);
  t.regex(screen, /Unable to setup memory/);
});
