// Writers on a real small tmpfs that is full (or read-only): the atomic writer fails with
// one line naming the file and leaves neither a temp file nor a changed target; the TUI's
// edit file is not left half-written.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import {execFileSync} from 'node:child_process';
import {makeSimDir} from '../../helpers/sim-dir.js';
import {fillUp, mountSmallTmpfs, tmpfsProblem} from '../../helpers/small-tmpfs.js';
import {writeFileAtomic} from '../../../driver/io/atomic-file.js';
import {FileError} from '../../../driver/io/fs-errors.js';
import {SIM_ROOT_MARKER} from '../../../driver/sim/sim-root.js';
import {editText} from '../../../src/tui-editor.js';

const diskTest = tmpfsProblem === undefined ? test.serial : test.serial.skip;
const skipNote = tmpfsProblem === undefined ? '' : ` (skipped: ${tmpfsProblem})`;

/** What the test wrote into the directory: the simulator's own root marker aside. */
function ownFiles(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((name) => name !== SIM_ROOT_MARKER)
    .sort();
}

function fullTmpfs(t: {teardown(fn: () => void): void}, label: string): {dir: string; filler: string} {
  const dir = makeSimDir(label);
  t.teardown(() => fs.rmSync(dir, {recursive: true, force: true}));
  mountSmallTmpfs(t, dir, dir, '64k');
  return {dir, filler: fillUp(dir)};
}

diskTest(`writeFileAtomic on a full disk: one line naming the file, the old content kept, no temp file${skipNote}`, (t) => {
  const dir = makeSimDir('atomic-full');
  t.teardown(() => fs.rmSync(dir, {recursive: true, force: true}));
  mountSmallTmpfs(t, dir, dir, '64k');
  const file = path.join(dir, 'web1.xml');
  fs.writeFileSync(file, '<domain/>\n');
  const filler = fillUp(dir);
  const e = t.throws(() => writeFileAtomic(file, 'x'.repeat(10_000)));
  t.true(e instanceof FileError);
  t.is(e?.message, `cannot write ${file}: no space left on device (ENOSPC)`);
  t.is(fs.readFileSync(file, 'utf8'), '<domain/>\n');
  t.deepEqual(ownFiles(dir), ['.filler', 'web1.xml']);

  fs.rmSync(filler);
  execFileSync('mount', ['-o', 'remount,ro', dir]);
  const ro = t.throws(() => writeFileAtomic(file, '<domain type="bhyve"/>\n'));
  t.is(ro?.message, `cannot write ${file}: read-only file system (EROFS)`);
  execFileSync('mount', ['-o', 'remount,rw', dir]);
  writeFileAtomic(file, '<domain type="bhyve"/>\n');
  t.is(fs.readFileSync(file, 'utf8'), '<domain type="bhyve"/>\n');
  t.deepEqual(ownFiles(dir), ['web1.xml']);
});

diskTest(`the TUI's edit file on a full disk: one line naming it, and no partial file${skipNote}`, async (t) => {
  const {dir} = fullTmpfs(t, 'edit-full');
  const saved = process.env.XDG_STATE_HOME;
  process.env.XDG_STATE_HOME = dir;
  t.teardown(() => {
    if (saved === undefined) delete process.env.XDG_STATE_HOME;
    else process.env.XDG_STATE_HOME = saved;
  });
  const e = await t.throwsAsync(editText('<domain>…</domain>\n'.repeat(1000), {name: 'web1', attempt: 1}));
  t.regex(e?.message ?? '', new RegExp(`^cannot write ${dir}/bhyve-tui/edits/web1-\\S+-1\\.xml: no space left on device \\(ENOSPC\\)$`));
  t.deepEqual(fs.readdirSync(path.join(dir, 'bhyve-tui/edits')), []);
});
