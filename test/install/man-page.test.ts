// bhyve-tui(8): clean mdoc, and it documents every verb of --help and every key of the list.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import {spawnSync} from 'node:child_process';
import {bindings} from '../../ui/state/keymap.js';
import {cliBundle, repoRoot} from '../helpers/sim-dir.js';

const page = path.join(repoRoot, 'man', 'bhyve-tui.8');
const text = fs.readFileSync(page, 'utf8');
const hasMandoc = spawnSync('mandoc', ['-V'], {stdio: 'ignore'}).error === undefined;

if (hasMandoc) {
  test('man/bhyve-tui.8 is clean under mandoc -T lint -W warning', (t) => {
    const r = spawnSync('mandoc', ['-T', 'lint', '-W', 'warning', page], {encoding: 'utf8'});
    t.is(`${r.stdout}${r.stderr}`.trim(), '');
    t.is(r.status, 0);
  });
} else {
  test.skip('man/bhyve-tui.8 is clean under mandoc -T lint -W warning (skipped: mandoc is not installed; .ci/run installs the Debian package mandoc)', (t) =>
    t.pass());
}

test('the man page is mdoc for section 8', (t) => {
  t.regex(text, /^\.Dt BHYVE-TUI 8$/m);
  for (const section of [
    'NAME',
    'SYNOPSIS',
    'DESCRIPTION',
    'COMMANDS',
    'CONNECTION URIS',
    'ENVIRONMENT',
    'FILES',
    'RC.CONF VARIABLES',
    'EXIT STATUS',
    'EXAMPLES',
    'SEE ALSO',
  ]) {
    t.regex(text, new RegExp(`^\\.Sh ${section}$`, 'm'), `section ${section} is missing`);
  }
});

test('every verb of bhyve-tui --help has an entry under COMMANDS', (t) => {
  const help = spawnSync(process.execPath, [cliBundle, '--help'], {encoding: 'utf8'});
  t.is(help.status, 0, help.stderr);
  const commands = help.stdout.split(/^Commands:$/m)[1]!.split(/^Options:$/m)[0]!;
  const verbs = [...commands.matchAll(/^ {2}([a-z][a-z-]*)/gm)].map((m) => m[1]!);
  t.true(verbs.length >= 15, `found only ${verbs.join(', ')} in --help`);
  const documented = new Set([...text.matchAll(/^\.It Cm ([a-z][a-z-]*)/gm)].map((m) => m[1]!));
  t.deepEqual(
    verbs.filter((v) => !documented.has(v)),
    [],
  );
});

test('every key of the domain list is in the Keys section', (t) => {
  // Keys are written with Ic; roff's \& guards (\&? \&:) are not part of the key.
  const written = new Set(
    [...text.matchAll(/^(?:\.It )?\.?Ic (.*)$/gm)].flatMap((m) =>
      m[1]!
        .replaceAll('\\&', '')
        .split(/\s+/)
        .filter((w) => w !== ',' && w !== 'Ic'),
    ),
  );
  const keys = bindings.list.flatMap((b) => [...(b.chars ?? ''), ...(b.ctrl ? [`Ctrl-${b.ctrl.toUpperCase()}`] : [])]);
  t.deepEqual(
    [...new Set(keys)].filter((k) => !written.has(k)),
    [],
  );
});
