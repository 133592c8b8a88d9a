// The user's settings file: its connections list, -c NAME, and one-line errors for a bad file.
import test from 'ava';
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {clientSettingsPath, readConnections, resolveConnection} from '../../../driver/client/client-settings.js';
import {DriverError} from '../../../driver/client/connection.js';
import {cliBundle, fastSimHost} from '../../helpers/sim-dir.js';

function configHome(t: {teardown(fn: () => void): void}, settings?: string): NodeJS.ProcessEnv {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'bhyve-tui-config-'));
  t.teardown(() => fs.rmSync(home, {recursive: true, force: true}));
  const env = {...process.env, XDG_CONFIG_HOME: home};
  if (settings !== undefined) {
    fs.mkdirSync(path.dirname(clientSettingsPath(env)), {recursive: true});
    fs.writeFileSync(clientSettingsPath(env), settings);
  }
  return env;
}

test('no file, no connections; a list of named URIs; -c NAME finds its URI and a URI stays itself', (t) => {
  t.deepEqual(readConnections(configHome(t)), []);
  const env = configHome(
    t,
    JSON.stringify({
      connections: [
        {name: 'nyc1', uri: 'bhyve+ssh://root@nyc1.example/system'},
        {name: 'lab', uri: 'sim:///tmp/lab'},
      ],
    }),
  );
  t.deepEqual(readConnections(env), [
    {name: 'nyc1', uri: 'bhyve+ssh://root@nyc1.example/system'},
    {name: 'lab', uri: 'sim:///tmp/lab'},
  ]);
  t.is(resolveConnection('nyc1', env), 'bhyve+ssh://root@nyc1.example/system');
  t.is(resolveConnection('sim:///x', env), 'sim:///x');
  t.throws(() => resolveConnection('nosuch', env), {instanceOf: DriverError, message: /^no connection named 'nosuch' in .*bhyve-tui\.json: give a URI/});
});

for (const [text, why] of [
  ['{', /not JSON/],
  ['[]', /not a JSON object/],
  ['{"connections": {}}', /"connections" is not a list/],
  ['{"connections": [{"uri": "sim:///a"}]}', /connection 1 needs a "name"/],
  ['{"connections": [{"name": "-x", "uri": "sim:///a"}]}', /connection 1 needs a "name"/],
  ['{"connections": [{"name": "a", "uri": "sim:///a"}, {"name": "a", "uri": "sim:///b"}]}', /the name 'a' is given twice/],
  ['{"connections": [{"name": "a"}]}', /connection 'a' needs a "uri"/],
  ['{"connections": [{"name": "a", "uri": "bhyve+ssh://h/session"}]}', /connection 'a': unsupported connection URI/],
] as const) {
  test(`a bad settings file is one line naming the file: ${text}`, (t) => {
    const env = configHome(t, text);
    const e = t.throws(() => readConnections(env), {instanceOf: DriverError});
    t.regex(e!.message, why);
    t.true(e!.message.startsWith(clientSettingsPath(env)));
    t.false(e!.message.includes('\n'));
  });
}

test('the CLI: -c NAME acts on that host; a command takes one -c, the TUI several', (t) => {
  const dir = fastSimHost(t, 'settings-name');
  const env = configHome(t, JSON.stringify({connections: [{name: 'lab', uri: `sim://${dir}`}]}));
  const run = (args: string[]) => spawnSync(process.execPath, [cliBundle, ...args], {encoding: 'utf8', env, input: ''});
  const byName = run(['-c', 'lab', 'list', '--all']);
  t.is(byName.status, 0, byName.stderr);
  t.regex(byName.stdout, /\bweb1\s+shut off\b/);
  const two = run(['-c', 'lab', '-c', `sim://${dir}`, 'list']);
  t.is(two.status, 2);
  t.is(two.stderr, "error: 'list' acts on one host: give -c once (several -c are for the TUI)\n");
  // Several -c open the TUI on all of them; here there is no terminal for it.
  const tui = run(['-c', 'lab', '-c', `sim://${dir}`]);
  t.is(tui.status, 1);
  t.is(tui.stderr, 'error: the TUI needs a terminal; use a command instead (bhyve-tui list, start, console, ...)\n');
  const tuiUnknown = run(['-c', 'lab', '-c', 'nosuch']);
  t.is(tuiUnknown.status, 1);
  t.regex(tuiUnknown.stderr, /^error: no connection named 'nosuch' in /);
  const unknown = run(['-c', 'nosuch', 'list']);
  t.is(unknown.status, 1);
  t.regex(unknown.stderr, /^error: no connection named 'nosuch' in /);
});
