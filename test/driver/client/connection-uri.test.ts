import test from 'ava';
import {defaultConnectionUri, parseConnectionUri} from '../../../driver/client/connection-uri.js';
import {DriverError} from '../../../driver/client/connection.js';

test('bhyve:///system is the local host', (t) => {
  t.deepEqual(parseConnectionUri('bhyve:///system'), {driver: 'bhyve', path: '/system'});
});

test('sim:///DIR names the simulated host directory', (t) => {
  t.deepEqual(parseConnectionUri('sim:///tmp/some%20where'), {driver: 'sim', path: '/tmp/some where'});
});

test('remote bhyve+ssh URIs parse but are refused for now with a clear message', (t) => {
  const e = t.throws(() => parseConnectionUri('bhyve+ssh://root@host.example/system'), {instanceOf: DriverError});
  t.regex(e!.message, /remote connections .* not supported yet/);
});

for (const bad of ['', 'bhyve', 'qemu:///system', 'bhyve:///session', 'sim://', 'sim:///', 'sim://host/tmp']) {
  test(`refuses '${bad}' with a one-line error naming it`, (t) => {
    const e = t.throws(() => parseConnectionUri(bad), {instanceOf: DriverError});
    t.true(e!.message.includes(`'${bad}'`));
    t.false(e!.message.includes('\n'));
  });
}

test('default: BHYVE_TUI_DEFAULT_URI, else bhyve:///system on FreeBSD, else a simulated host', (t) => {
  t.is(defaultConnectionUri({BHYVE_TUI_DEFAULT_URI: 'sim:///x'}, 'linux'), 'sim:///x');
  t.is(defaultConnectionUri({}, 'freebsd'), 'bhyve:///system');
  t.regex(defaultConnectionUri({HOME: '/home/u'}, 'linux'), /^sim:\/\/\/.*bhyve-tui\/sim$/);
  t.is(defaultConnectionUri({XDG_STATE_HOME: '/st'}, 'linux'), 'sim:///st/bhyve-tui/sim');
});
