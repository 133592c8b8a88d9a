// Every text input of the TUI (the `/` filter, the `:` command line, the typed name that
// confirms an undefine) stays responsive under a paste of any size and under key storms:
// input is cut at PROMPT_MAX_CHARS with a visible note, and each edit costs at most that.
// Times are compared with a small input measured in the same test, never with a fixed number.
import test from 'ava';
import {FakeConnection, domain} from '../helpers/fake-connection.js';
import {ESC, keys, press, renderApp, sleep, type Rendered} from '../helpers/helpers.js';
import {PROMPT_MAX_CHARS, appendInput, eraseChar, eraseWord} from '../../../ui/state/prompt-input.js';

const oneMB = 1024 * 1024;

function fleet(): FakeConnection {
  return new FakeConnection(Array.from({length: 200}, (_, i) => domain(`dom${String(i).padStart(3, '0')}`, 'shut off')));
}

async function timed(app: Rendered, data: string, done: (frame: string) => boolean): Promise<number> {
  const t0 = performance.now();
  app.write(data);
  await app.waitFor(done, 120_000);
  return performance.now() - t0;
}

/** No worse than `times` the baseline (plus a little for a loaded machine). */
function within(t: {true(v: boolean, m: string): void}, what: string, ms: number, base: number, times: number): void {
  t.true(ms <= times * base + 1000, `${what}: ${Math.round(ms)} ms, baseline ${Math.round(base)} ms`);
}

test('a 1 MB paste into the filter is cut with a note, about as fast as a small paste; the list stays usable', async (t) => {
  const app = renderApp(fleet());
  await app.waitForText('dom000');
  await press(app, '/');
  await app.waitForText('200 of 200');
  const base = await timed(app, 'x'.repeat(500) + 'Q', (f) => f.includes('xxQ'));
  app.write(keys.ctrlU);
  await app.waitForText('200 of 200');
  const big = await timed(app, 'x'.repeat(oneMB), (f) => f.includes('input cut at 1024 characters'));
  within(t, '1 MB paste', big, base, 50);
  t.regex(app.frame(), /0 of 200 {2}input cut at 1024 characters/);
  // Erasing brings the list back; Esc clears the filter and the list answers keys.
  app.write(keys.ctrlU);
  await app.waitForText('200 of 200');
  t.false(app.frame().includes('input cut'), 'the note goes with the text');
  await press(app, 'dom00');
  await app.waitForText('10 of 200');
  await press(app, ESC);
  await app.waitFor(() => !app.frame().includes('of 200'));
  await press(app, 'j');
  await app.waitFor(() => app.selected() === 'dom001');
  app.unmount();
});

test('a 1 MB paste into the command line and into the typed name of an undefine: cut, and both still work', async (t) => {
  const connection = fleet();
  const app = renderApp(connection, {initialSelection: 'dom005'});
  await app.waitFor(() => app.selected() === 'dom005');
  await press(app, ':');
  const base = await timed(app, 'y'.repeat(500) + 'Q', (f) => f.includes('yyQ'));
  app.write(keys.ctrlU);
  const big = await timed(app, 'y'.repeat(oneMB), (f) => f.includes('input cut at 1024 characters'));
  within(t, '1 MB paste into the command line', big, base, 50);
  app.write(keys.ctrlU);
  app.write('start dom007');
  await app.waitForText(':start dom007');
  app.write(keys.enter);
  await app.waitForText("Domain 'dom007' started");
  t.deepEqual(connection.calls, ['start dom007']);

  // A pasted script of many lines runs its first line only.
  await press(app, ':');
  app.write('start dom009\n'.repeat(50_000));
  await app.waitForText("Domain 'dom009' started");
  t.deepEqual(connection.calls, ['start dom007', 'start dom009']);

  await press(app, 'U');
  await app.waitForText('type dom005');
  const name = await timed(app, 'z'.repeat(oneMB), (f) => f.includes('input cut at 1024 characters'));
  within(t, '1 MB paste into the typed name', name, base, 50);
  app.write(keys.enter);
  await sleep(50);
  t.true(app.frame().includes('input cut at 1024 characters'), 'Enter with a wrong name leaves the question open');
  t.deepEqual(connection.calls, ['start dom007', 'start dom009']);
  app.write(keys.ctrlU);
  app.write('dom005');
  await app.waitForText('Enter undefines it');
  app.write(keys.enter);
  await app.waitForText("Domain 'dom005' has been undefined");
  t.deepEqual(connection.calls, ['start dom007', 'start dom009', 'undefine dom005']);
  app.unmount();
});

test('key storms: 100k keystrokes and then 100k backspaces, one write each, cost about 100 times 1k of them', async (t) => {
  const app = renderApp(fleet());
  await app.waitForText('dom000');
  await press(app, '/');
  await app.waitForText('200 of 200');
  const storm = async (count: number): Promise<number> => {
    const t0 = performance.now();
    for (let i = 0; i < count; i++) app.write(i === count - 1 ? 'Q' : 'x');
    await app.waitFor((f) => f.includes(count - 1 >= PROMPT_MAX_CHARS ? 'input cut' : 'xQ'), 120_000);
    for (let i = 0; i < count; i++) app.write(keys.backspace);
    await app.waitFor((f) => f.includes('200 of 200'), 120_000);
    return performance.now() - t0;
  };
  const small = await storm(1000);
  const large = await storm(100_000);
  // Linear is 100 times; growing work per key (the old quadratic cost) is far beyond 300.
  within(t, '100k keys and 100k backspaces', large, small, 300);
  await press(app, ESC);
  await press(app, 'j');
  await app.waitFor(() => app.selected() === 'dom001');
  app.unmount();
});

test('the edits themselves: cut at the bound without splitting a character, Ctrl-W and Backspace in one pass', (t) => {
  const cut = appendInput('a'.repeat(PROMPT_MAX_CHARS - 1), '😀b');
  t.deepEqual(cut, {value: 'a'.repeat(PROMPT_MAX_CHARS - 1), clipped: true}, 'half of a surrogate pair is never kept');
  t.deepEqual(appendInput('ab', 'c\u0007d\u007F\r'), {value: 'abcd', clipped: false});
  t.deepEqual(
    appendInput('x'.repeat(PROMPT_MAX_CHARS), '\u0007'),
    {value: 'x'.repeat(PROMPT_MAX_CHARS), clipped: false},
    'control characters would not have been kept anyway',
  );
  t.is(eraseChar('ab😀'), 'ab');
  t.is(eraseChar(''), '');
  t.is(eraseWord('start web1  '), 'start ');
  t.is(eraseWord('   '), '');
  // The shape that made the old /\S*\s*$/ quadratic: a long run of blanks before the end.
  const spaces = ' '.repeat(oneMB) + 'x';
  const t0 = performance.now();
  t.is(eraseWord(spaces), ' '.repeat(oneMB));
  const short = performance.now() - t0;
  t.true(short < 5000, `${Math.round(short)} ms`);
});
