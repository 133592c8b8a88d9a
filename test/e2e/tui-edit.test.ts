// `E` in a real terminal: the XML opens in $EDITOR with Ink suspended; an invalid save
// shows the errors and keeps the text; `r` re-edits with the errors on top; a valid save
// defines the domain. The "editor" is a script that edits the file the way a person would.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import {cli} from '../helpers/sim-dir.js';
import {hasTmux, select, startTui} from './tui-helpers.js';

const e2e = hasTmux ? test.serial : test.skip;
if (!hasTmux) test('TUI edit test needs tmux (skipped: tmux is not installed; .ci/run installs it)', (t) => t.pass());

e2e('edit: an invalid save, then r and a valid save', async (t) => {
  let dir = '';
  // Filled in by prepare, before the TUI starts: the editor is a script inside the host dir.
  const env: Record<string, string> = {};
  const run = await startTui('tui-edit', {
    env,
    prepare(simDir) {
      dir = simDir;
      // First round: breaks <vcpu>; second round: writes 4 vCPUs.
      const editor = path.join(dir, 'fake-editor.sh');
      const rounds = path.join(dir, 'editor-rounds');
      fs.writeFileSync(
        editor,
        `#!/bin/sh
n=$(cat '${rounds}' 2>/dev/null || echo 0); n=$((n+1)); echo $n > '${rounds}'
cp "$1" '${dir}/editor-input-'$n
if [ $n = 1 ]; then sed -i 's|<vcpu>[0-9]*</vcpu>|<vcpu>banana</vcpu>|' "$1"; else sed -i 's|<vcpu>banana</vcpu>|<vcpu>4</vcpu>|' "$1"; fi
`,
        {mode: 0o755},
      );
      env.EDITOR = editor;
      env.VISUAL = editor;
    },
  });
  t.teardown(() => run.close());
  const {tmux} = run;
  await select(tmux, 'db1');
  tmux.keys('E');
  let screen = await tmux.waitFor(/Edit of db1 not saved/, 20_000);
  t.regex(screen, /vcpu/i, 'the error names the element');
  t.regex(screen, /kept/);
  t.regex(cli(dir, ['dumpxml', 'db1']).stdout, /<vcpu[^>]*>2<\/vcpu>/, 'the definition is unchanged');
  tmux.keys('r');
  screen = await tmux.waitFor(/Domain 'db1' XML configuration edited/, 20_000);
  const second = fs.readFileSync(path.join(dir, 'editor-input-2'), 'utf8');
  t.true(second.startsWith('<!-- bhyve-tui: NOT SAVED.'), 'the errors are on top of the second buffer');
  t.regex(second, /<vcpu>banana<\/vcpu>/, 'the edited text is kept, not reloaded from the file');
  const xml = cli(dir, ['dumpxml', 'db1']).stdout;
  t.regex(xml, /<vcpu[^>]*>4<\/vcpu>/);
  t.notRegex(xml, /bhyve-tui: NOT SAVED/);
  t.regex(screen, /db1\s+shut off\s+4/);
});
