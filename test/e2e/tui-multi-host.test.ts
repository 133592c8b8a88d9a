// The TUI on four hosts in a real terminal: two simulated hosts with the same demo domains,
// one whose connection is refused and one that never answers. Both good hosts are usable
// while the other two show their errors, and s on the second host's web1 starts that one only.
import test from 'ava';
import path from 'node:path';
import {TmuxSession} from '../helpers/tmux.js';
import {cli, makeSimDir, removeSimDir, repoRoot} from '../helpers/sim-dir.js';
import {hasTmux, rowOf} from './tui-helpers.js';

const e2e = hasTmux ? test.serial : test.skip;
if (!hasTmux) test('the multi-host TUI test needs tmux (skipped: tmux is not installed; .ci/run installs it)', (t) => t.pass());

const selectedLine = (screen: string) => screen.split('\n').find((line) => line.includes('›')) ?? '';

e2e('four hosts: two usable, one refused, one hung; s starts web1 on the selected host only', async (t) => {
  const east = makeSimDir('multi-east');
  const west = makeSimDir('multi-west');
  cli(east, ['list']);
  cli(west, ['list']);
  const tmux = new TmuxSession('multi-host');
  t.teardown(() => {
    tmux.kill();
    cli(west, ['destroy', 'web1']);
    removeSimDir(east);
    removeSimDir(west);
  });
  tmux.start(
    [
      process.execPath,
      '--import',
      'tsx',
      path.join(repoRoot, 'test/helpers/multi-host-tui.ts'),
      `east=sim://${east}`,
      `west=sim://${west}`,
      'refuse:down',
      'hang:stuck',
    ],
    {cols: 150, rows: 40},
  );
  let screen = await tmux.waitFor((current) => /east {2}4 domains/.test(current) && /west {2}4 domains/.test(current), 30_000);
  t.regex(screen, /down {2}✘ ssh: connect to host down port 22: Connection refused — retry in \d+ s/);
  // The hung host turns into an error once the 10 s connect bound has passed.
  screen = await tmux.waitFor(/stuck {2}✘ no answer within 10 s — retry in \d+ s/, 25_000);

  // Rows: east's header and four domains, then west's header, db1, debian12, freebsd14, web1.
  for (let i = 0; i < 9; i++) {
    const before = selectedLine(tmux.screen());
    tmux.keys('j');
    // eslint-disable-next-line no-await-in-loop
    await tmux.waitFor((current) => selectedLine(current) !== before, 10_000);
  }

  t.regex(selectedLine(tmux.screen()), /web1\s+shut off/);
  tmux.keys('s');
  screen = await tmux.waitFor('Started web1 on west', 30_000);
  await tmux.waitFor(/west {2}4 domains, 1 running/, 15_000);
  t.regex(rowOf(cli(west, ['list']).stdout, 'web1'), /running/);
  const eastList = cli(east, ['list', '--all']);
  t.regex(rowOf(eastList.stdout, 'web1'), /shut off/, JSON.stringify(eastList));
  tmux.keys('q');
  await tmux.waitFor(() => tmux.paneDead(), 10_000);
});
