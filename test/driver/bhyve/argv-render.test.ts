import test from 'ava';
import {renderCommandLine, renderCommandLineFlat, shellQuote} from '../../../driver/bhyve/argv-render.js';

test('plain words are not quoted', (t) => {
  for (const w of ['abc', '/usr/sbin/bhyve', '2:0,ahci,hd:/tmp/x.img', 'a%b+c,d-e.f/g:h=i@j_k', '52:54:00:00:00:00']) {
    t.is(shellQuote(w), w);
  }
});

test('special characters force single quotes', (t) => {
  for (const c of ['\r', '\t', '\n', ' ', '!', '"', '#', '$', '&', "'", '(', ')', '*', ';', '<', '>', '?', '[', '\\', ']', '^', '`', '{', '|', '}', '~']) {
    const q = shellQuote(`a${c}b`);
    t.true(q.startsWith("'") && q.endsWith("'"), JSON.stringify(c));
  }
  t.is(shellQuote('<device.map>'), "'<device.map>'");
  t.is(shellQuote("it's"), "'it'\\''s'");
  t.is(shellQuote(''), "''");
});

test('options start lines, values stay on their option line, trailing name on its own line', (t) => {
  const out = renderCommandLine(['/usr/sbin/bhyve', '-c', '1', '-m', '214', '-u', '-H', '-s', '0:0,hostbridge', 'vm1']);
  t.is(out, 'bhyve \\\n-c 1 \\\n-m 214 \\\n-u \\\n-H \\\n-s 0:0,hostbridge \\\nvm1\n');
});

test('program is written as its basename', (t) => {
  t.is(renderCommandLine(['/usr/local/sbin/grub-bhyve']), 'grub-bhyve\n');
  t.is(renderCommandLine(['/fizz_buzz_bazz', '-a']), 'fizz_buzz_bazz \\\n-a\n');
});

test('a run of plain words between options stays together', (t) => {
  const out = renderCommandLine(['timeout', '--foreground', '--verbose', '-k', '20s', '300s', 'bhyveload', '-m', '214', 'vm']);
  t.is(out, 'timeout \\\n--foreground \\\n--verbose \\\n-k 20s 300s bhyveload \\\n-m 214 \\\nvm\n');
});

test('plain words before any option each start a line', (t) => {
  t.is(renderCommandLine(['prog', 'a', 'b', '-x']), 'prog \\\na \\\nb \\\n-x\n');
});

test('a plain word right after an option stays even at the end', (t) => {
  t.is(renderCommandLine(['bhyve', '-s', '1:0,lpc', '-somearg', 'vm']), 'bhyve \\\n-s 1:0,lpc \\\n-somearg vm\n');
});

test('quoted arguments keep their position rules', (t) => {
  t.is(
    renderCommandLine(['/usr/local/sbin/grub-bhyve', '--root', 'cd', '--device-map', '<device.map>', '--memory', '214', 'bhyve']),
    "grub-bhyve \\\n--root cd \\\n--device-map '<device.map>' \\\n--memory 214 \\\nbhyve\n",
  );
  t.is(renderCommandLine(['p', '-x', '']), "p \\\n-x ''\n");
});

test('flat rendering keeps the full program path on one line', (t) => {
  t.is(renderCommandLineFlat(['/usr/sbin/bhyveload', '-m', '214', '-d', '/a b', 'vm']), "/usr/sbin/bhyveload -m 214 -d '/a b' vm\n");
});
