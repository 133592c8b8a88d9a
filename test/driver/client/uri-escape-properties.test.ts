// Properties of the two small parsers of what a user types on the command line: connection
// URIs (driver/client/connection-uri.ts) and the console escape character (-e, console.escape):
// any text is taken or refused with the module's own error in one line, quickly; what the
// product writes comes back as what it was written from.
import test from 'ava';
import fc from 'fast-check';
import {MAX_URI_LENGTH, parseConnectionUri} from '../../../driver/client/connection-uri.js';
import {DriverError} from '../../../driver/client/connection.js';
import {parseEscape} from '../../../src/commands-lifecycle.js';
import {UsageError} from '../../../src/command-spec.js';
import {escapeName} from '../../../driver/console/attach.js';
import {checkProperty, throwsOnly, timed} from '../../helpers/property-runs.js';

/** Pieces of URIs in libvirt's grammar, glued in any order, and plain junk. */
const uriText = fc.oneof(
  fc
    .array(
      fc.constantFrom(
        'bhyve',
        'sim',
        '+ssh',
        '+unix',
        '://',
        '/',
        'system',
        'root@',
        '@',
        'host',
        ':22',
        ':',
        '?',
        'socket=',
        '#',
        '%',
        '%2e',
        '%2F',
        '%00',
        '%zz',
        '..',
        '.',
        'tmp',
        '\0',
        '\n',
        ' ',
        'é',
      ),
      {maxLength: 30},
    )
    .map((p) => p.join('')),
  fc.string({unit: 'binary', maxLength: 200}),
  fc.tuple(fc.constantFrom('sim://', 'bhyve://', 'sim:///', 'bhyve+ssh://'), fc.string({unit: 'grapheme', maxLength: 100})).map(([a, b]) => a + b),
  // the longest URIs there are, and past them
  fc.integer({min: MAX_URI_LENGTH - 8, max: MAX_URI_LENGTH + 8}).map((n) => `sim:///${'a/'.repeat(n)}`.slice(0, n)),
);

test('connection URIs: parsed or refused with DriverError in one line, quickly', (t) => {
  checkProperty(
    t,
    'uri: any text',
    fc.property(uriText, (uri) => {
      const e = timed('parseConnectionUri', 100, () => throwsOnly(() => parseConnectionUri(uri), [DriverError])) as Error | undefined;
      if (e && /[\n\r]/.test(e.message)) throw new Error(`a message of several lines: ${JSON.stringify(e.message)}`);
      if (e && e.message.length > MAX_URI_LENGTH + 200) throw new Error(`a message of ${e.message.length} characters`);
    }),
    5000,
  );
});

/** A directory name: any characters but '/' and NUL, not '.' or '..'. */
const segment = fc.string({unit: 'grapheme', minLength: 1, maxLength: 12}).filter((s) => !s.includes('/') && !s.includes('\0') && s !== '.' && s !== '..');

test('sim:///DIR with every character of DIR percent-encoded names DIR', (t) => {
  checkProperty(
    t,
    'uri: sim path round trip',
    fc.property(fc.array(segment, {minLength: 1, maxLength: 6}), (segments) => {
      const dir = `/${segments.join('/')}`;
      const uri = `sim://${segments.map((s) => `/${encodeURIComponent(s)}`).join('')}`;
      const parsed = parseConnectionUri(uri);
      if (parsed.driver !== 'sim' || parsed.path !== dir) throw new Error(`${uri} → ${JSON.stringify(parsed)}, not ${dir}`);
    }),
    3000,
  );
});

test('bhyve:///system and its remote forms parse to their parts', (t) => {
  t.deepEqual(parseConnectionUri('bhyve:///system'), {driver: 'bhyve', path: '/system'});
  // Remote forms parse, or are refused with a DriverError; never anything else.
  checkProperty(
    t,
    'uri: remote forms',
    fc.property(
      fc.option(fc.stringMatching(/^[a-z_][a-z0-9_-]{0,8}$/), {nil: undefined}),
      fc.domain(),
      fc.option(fc.integer({min: 1, max: 65535}), {nil: undefined}),
      (user, host, port) => {
        const uri = `bhyve+ssh://${user ? `${user}@` : ''}${host}${port ? `:${port}` : ''}/system`;
        throwsOnly(() => parseConnectionUri(uri), [DriverError]);
      },
    ),
    500,
  );
});

test('escape characters: parsed or refused with UsageError in one line', (t) => {
  checkProperty(
    t,
    'escape: any text',
    fc.property(
      fc.oneof(
        fc.string({unit: 'binary', maxLength: 40}),
        fc.string({unit: fc.constantFrom('^', ']', '[', '@', '_', 'a', 'z', '~', '\x7f', '\n', 'é'), maxLength: 4}),
      ),
      (spec) => {
        const e = throwsOnly(() => parseEscape(spec), [UsageError]) as Error | undefined;
        if (e && /[\n\r]/.test(e.message)) throw new Error(`a message of several lines: ${JSON.stringify(e.message)}`);
        if (e && e.message.length > 120) throw new Error(`a message of ${e.message.length} characters`);
        if (!e) {
          const code = parseEscape(spec);
          if (!(Number.isInteger(code) && code >= 0 && code < 0x80)) throw new Error(`${JSON.stringify(spec)} gave ${code}`);
        }
      },
    ),
    5000,
  );
});

test('escape characters: what the console banner shows is taken back as the same key', (t) => {
  checkProperty(
    t,
    'escape: banner round trip',
    fc.property(fc.integer({min: 0, max: 0x7f}), (code) => {
      const shown = escapeName(code);
      const back = parseEscape(shown);
      if (back !== code) throw new Error(`0x${code.toString(16)} is shown as ${JSON.stringify(shown)}, which is taken as 0x${back.toString(16)}`);
    }),
    128,
  );
});
