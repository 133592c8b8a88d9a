// The daemon's logs on a real small tmpfs that is full: a log pauses instead of throwing,
// is listed as paused (for the host panel), says so once, and resumes after the retry
// interval with a line saying what was lost; a log that cannot be opened pauses too.
import test from 'ava';
import fs from 'node:fs';
import path from 'node:path';
import {makeSimDir} from '../../helpers/sim-dir.js';
import {fillUp, mountSmallTmpfs, tmpfsProblem} from '../../helpers/small-tmpfs.js';
import {logPauses, logRetryMs} from '../../../driver/io/append-log.js';
import {logLine, openTextLog} from '../../../driver/supervise/domain-log.js';

const diskTest = tmpfsProblem === undefined ? test.serial : test.serial.skip;
const skipNote = tmpfsProblem === undefined ? '' : ` (skipped: ${tmpfsProblem})`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function fullTmpfs(t: {teardown(fn: () => void): void}, label: string): {dir: string; filler: string} {
  const dir = makeSimDir(label);
  t.teardown(() => fs.rmSync(dir, {recursive: true, force: true}));
  mountSmallTmpfs(t, dir, dir, '64k');
  return {dir, filler: fillUp(dir)};
}

diskTest(`a log on a full disk pauses instead of throwing, and resumes with a line saying what was lost${skipNote}`, async (t) => {
  const {dir, filler} = fullTmpfs(t, 'log-full');
  const file = path.join(dir, 'web1.log');
  const events: string[] = [];
  t.teardown(
    logPauses.subscribe((f, pause, lost) => f === file && events.push(pause ? `paused: ${pause.cause}` : lost === undefined ? 'closed' : `resumed: ${lost}`)),
  );
  const log = openTextLog(file);
  t.teardown(() => log.close());
  const line = 'x'.repeat(1000);
  for (let i = 0; i < 10; i++) t.notThrows(() => logLine(log, line));
  t.is(log.paused?.error, `cannot write ${file}: no space left on device (ENOSPC)`);
  t.deepEqual(
    logPauses
      .list()
      .filter((p) => p.file === file)
      .map((p) => p.cause),
    ['no space left on device (ENOSPC)'],
  );
  t.deepEqual(events, ['paused: no space left on device (ENOSPC)'], 'said once');

  fs.rmSync(filler);
  logLine(log, 'dropped: within the retry interval');
  t.truthy(log.paused);
  await sleep(logRetryMs + 100);
  logLine(log, 'back');
  t.is(log.paused, undefined);
  t.deepEqual(
    logPauses.list().filter((p) => p.file === file),
    [],
  );
  const text = fs.readFileSync(file, 'utf8');
  t.regex(
    text,
    /(^|\n)\S+ logging resumed; paused since \S+: cannot write \S+web1\.log: no space left on device \(ENOSPC\); (\d+) bytes of log lines were lost\n\S+ back\n$/,
  );
  const lost = Number(/; (\d+) bytes of log lines were lost/.exec(text)![1]);
  t.true(lost > 1000, `${lost} bytes lost`);
  t.deepEqual(events, ['paused: no space left on device (ENOSPC)', `resumed: ${lost}`]);
});

test('a log that cannot even be opened pauses; writing to it never throws', (t) => {
  const dir = makeSimDir('log-noopen');
  t.teardown(() => fs.rmSync(dir, {recursive: true, force: true}));
  fs.writeFileSync(path.join(dir, 'not-a-dir'), '');
  const file = path.join(dir, 'not-a-dir', 'web1.log');
  const events: string[] = [];
  t.teardown(
    logPauses.subscribe((f, pause, lost) => f === file && events.push(pause ? `paused: ${pause.cause}` : lost === undefined ? 'closed' : `resumed: ${lost}`)),
  );
  const log = openTextLog(file);
  t.teardown(() => log.close());
  t.is(log.descriptor, -1);
  t.notThrows(() => logLine(log, 'lost'));
  t.is(log.paused?.error, `cannot create ${path.join(dir, 'not-a-dir')}: file exists (EEXIST)`);
  log.close();
  t.deepEqual(
    logPauses.list().filter((p) => p.file === file),
    [],
    'a closed log is no longer listed',
  );
  t.deepEqual(events, ['paused: file exists (EEXIST)', 'closed'], 'the host panel hears of it');
});
