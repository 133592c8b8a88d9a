// `bhyve-tui edit NAME` through real processes: the built CLI, the host's daemon, and a
// scripted $EDITOR (test/helpers/scripted-editor.mjs) standing in for the operator. An
// edit is defined, an unchanged one says so, a rejected one goes back to the editor with
// the errors on top, and one given up is kept in a file the message names.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import {spawnSync} from 'node:child_process';
import {cliBundle, fastSimHost, repoRoot} from '../helpers/sim-dir.js';

const editor = path.join(repoRoot, 'test/helpers/scripted-editor.mjs');
const definition = (dir: string) => fs.readFileSync(path.join(dir, 'usr/local/etc/bhyve-tui/domains/web1.xml'), 'utf8');
const editsOf = (dir: string) => path.join(dir, 'state/bhyve-tui/edits');

type Step = {replace?: [string, string]; exit?: number};

/** `bhyve-tui edit web1` with the editor doing `steps` and the operator typing `input`. */
function edit(dir: string, steps: Step[], input = ''): {status: number; stdout: string; stderr: string; stepsFile: string} {
  const stepsFile = path.join(dir, `steps-${Date.now()}.json`);
  fs.writeFileSync(stepsFile, JSON.stringify(steps));
  const {VISUAL: _visual, ...env} = process.env;
  const r = spawnSync(process.execPath, [cliBundle, '-c', `sim://${dir}`, 'edit', 'web1'], {
    encoding: 'utf8',
    input,
    env: {...env, EDITOR: `${process.execPath} ${editor} ${stepsFile}`, XDG_STATE_HOME: path.join(dir, 'state')},
    timeout: 120_000,
  });
  return {status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr, stepsFile};
}

const leftovers = (dir: string) => (fs.existsSync(editsOf(dir)) ? fs.readdirSync(editsOf(dir)) : []);

test("an edit that validates is defined: virsh's message, and no file is left behind", (t) => {
  const dir = fastSimHost(t, 'edit-ok');
  t.regex(definition(dir), /<vcpu>1<\/vcpu>/);
  const r = edit(dir, [{replace: ['<vcpu>1</vcpu>', '<vcpu>2</vcpu>']}]);
  t.is(r.status, 0, r.stderr);
  t.is(r.stdout, "Domain 'web1' XML configuration edited.\n\n");
  t.is(r.stderr, '');
  t.regex(definition(dir), /<vcpu>2<\/vcpu>/);
  t.deepEqual(leftovers(dir), []);
});

test('an edit that changes nothing is not defined; an editor that fails changes nothing either', (t) => {
  const dir = fastSimHost(t, 'edit-same');
  const before = fs.statSync(path.join(dir, 'usr/local/etc/bhyve-tui/domains/web1.xml')).mtimeMs;
  const r = edit(dir, [{}]);
  t.is(r.status, 0, r.stderr);
  t.is(r.stdout, "Domain 'web1' XML configuration not changed.\n\n");
  t.is(fs.statSync(path.join(dir, 'usr/local/etc/bhyve-tui/domains/web1.xml')).mtimeMs, before, 'not written');
  const failed = edit(dir, [{replace: ['<vcpu>1</vcpu>', '<vcpu>2</vcpu>'], exit: 1}]);
  t.is(failed.status, 1);
  t.is(failed.stdout, '');
  t.regex(failed.stderr, /^error: the editor exited with status 1; the definition of 'web1' is not changed; your edit is kept in (\S+\.xml)\n$/);
  const kept = /kept in (\S+\.xml)/.exec(failed.stderr)![1]!;
  t.regex(fs.readFileSync(kept, 'utf8'), /<vcpu>2<\/vcpu>/, 'what the editor saved is kept');
  t.regex(definition(dir), /<vcpu>1<\/vcpu>/);
});

test('a rejected edit goes back to the editor with the errors on top; fixed, it is defined', (t) => {
  const dir = fastSimHost(t, 'edit-retry');
  const r = edit(dir, [{replace: ['<vcpu>1</vcpu>', '<vcpu>many</vcpu>']}, {replace: ['<vcpu>many</vcpu>', '<vcpu>3</vcpu>']}], '?\ny\n');
  t.is(r.status, 0, r.stderr);
  t.is(r.stdout, "Domain 'web1' XML configuration edited.\n\n");
  t.is(
    r.stderr,
    'error: XML error: maximum vcpus count must be an integer\n' +
      'Failed. Try again? [y,n,?]: \ny - send me back to the editor\nn - give up (your edit is kept in a file)\n? - print this help\n' +
      'Failed. Try again? [y,n,?]: \n',
  );
  // The second time, the editor got the rejected text with the errors above it.
  const second = fs.readFileSync(`${r.stepsFile}.seen.2`, 'utf8');
  t.true(
    second.startsWith('<!-- bhyve-tui: NOT SAVED. The definition was rejected:\n     XML error: maximum vcpus count must be an integer\n'),
    second.slice(0, 200),
  );
  t.regex(second, /<vcpu>many<\/vcpu>/);
  // ... and the comment never reaches the definition.
  const now = definition(dir);
  t.regex(now, /<vcpu>3<\/vcpu>/);
  t.notRegex(now, /NOT SAVED/);
  t.deepEqual(leftovers(dir), []);
});

test('a rejected edit given up is kept in a file the message names; the definition is unchanged', (t) => {
  const dir = fastSimHost(t, 'edit-giveup');
  const original = definition(dir);
  for (const input of ['n\n', '']) {
    const r = edit(dir, [{replace: ['<vcpu>1</vcpu>', '<vcpu>many</vcpu>']}], input);
    t.is(r.status, 1, `answer ${JSON.stringify(input)}`);
    t.is(r.stdout, '');
    const last = r.stderr.trimEnd().split('\n').at(-1)!;
    const m =
      /^error: Domain 'web1' XML configuration not changed; your edit is kept in (\S+\.xml): fix it and run: bhyve-tui -c sim:\/\/(\S+) define (\S+\.xml)$/.exec(
        last,
      );
    t.truthy(m, r.stderr);
    t.is(m![2], dir);
    t.is(m![3], m![1]);
    t.true(m![1]!.startsWith(editsOf(dir)));
    t.is(fs.readFileSync(m![1]!, 'utf8'), original.replace('<vcpu>1</vcpu>', '<vcpu>many</vcpu>'), 'the text as edited, without the errors comment');
    t.is(definition(dir), original);
  }
});
