import test from 'ava';
import {defaultConnectionUri, farEndUri, parseConnectionUri} from '../../../driver/client/connection-uri.js';
import {DriverError} from '../../../driver/client/connection.js';

test('bhyve:///system is the local host', (t) => {
  t.deepEqual(parseConnectionUri('bhyve:///system'), {driver: 'bhyve', path: '/system'});
});

test('sim:///DIR names the simulated host directory', (t) => {
  t.deepEqual(parseConnectionUri('sim:///tmp/some%20where'), {driver: 'sim', path: '/tmp/some where'});
});

test('bhyve+ssh:// and sim+ssh:// parse to their parts and libvirt-named options', (t) => {
  t.deepEqual(parseConnectionUri('bhyve+ssh://root@host.example/system'), {
    driver: 'bhyve',
    transport: 'ssh',
    user: 'root',
    host: 'host.example',
    path: '/system',
  });
  t.deepEqual(parseConnectionUri('sim+ssh://op@[::1]:2222/tmp/a%20b?keyfile=%2Fk%2Fid%25x&no_verify=1&command=/usr/local/bin/bhyve-tui&socket=/run/d.sock'), {
    driver: 'sim',
    transport: 'ssh',
    user: 'op',
    host: '::1',
    port: 2222,
    path: '/tmp/a b',
    options: {keyfile: '/k/id%x', no_verify: true, command: '/usr/local/bin/bhyve-tui', socket: '/run/d.sock'},
  });
  t.deepEqual(parseConnectionUri('bhyve+unix:///system?socket=/var/run/other.sock'), {
    driver: 'bhyve',
    transport: 'unix',
    path: '/system',
    options: {socket: '/var/run/other.sock'},
  });
});

test('the far end serves the same host locally', (t) => {
  t.is(farEndUri(parseConnectionUri('bhyve+ssh://root@h/system')), 'bhyve:///system');
  t.is(farEndUri(parseConnectionUri('sim+ssh://h/tmp/a%20b')), 'sim:///tmp/a%20b');
  t.is(farEndUri(parseConnectionUri('bhyve+ssh://h/system?socket=/run/x.sock')), 'bhyve+unix:///system?socket=%2Frun%2Fx.sock');
});

for (const [bad, part] of [
  ['bhyve+tcp://h/system', /the transport 'tcp'/],
  ['bhyve://h/system', /a host needs a transport; bhyve-tui reaches other hosts over ssh: bhyve\+ssh:\/\/h\/system/],
  ['bhyve+ssh:///system', /needs a host/],
  ['bhyve+ssh://h/session', /the bhyve driver's path is \/system/],
  ['bhyve+ssh://-oProxyCommand=x/system', /the host '-oProxyCommand=x' is not a host name/],
  ['bhyve+ssh://-l@h/system', /the user name '-l' is not a login name/],
  ['bhyve+ssh://h:0/system', /the port '0' is not a number from 1 to 65535/],
  ['bhyve+ssh://h:99999/system', /the port '99999'/],
  ['bhyve+ssh://h/system?nosuch=1', /unknown parameter 'nosuch'/],
  ['bhyve+ssh://h/system?no_verify=yes', /no_verify is 0 or 1/],
  ['bhyve+ssh://h/system?keyfile=', /'keyfile' needs a value/],
  ['bhyve+ssh://h/system?keyfile=/a%20b', /has a space, quote or backslash/],
  ['bhyve+ssh://h/system?socket=rel', /must be an absolute path/],
  ['bhyve+ssh://h/system?command=a&command=b', /given twice/],
  ['bhyve:///system?keyfile=/k', /'keyfile' applies to \+ssh URIs only/],
  ['bhyve+unix://h/system', /has no host/],
  ['sim+ssh://h/', /filesystem root|give the simulated host's directory/],
] as const) {
  test(`refuses '${bad}' in one line naming what is wrong`, (t) => {
    const e = t.throws(() => parseConnectionUri(bad), {instanceOf: DriverError});
    t.regex(e!.message, part);
    t.false(e!.message.includes('\n'));
  });
}

for (const bad of ['', 'bhyve', 'qemu:///system', 'bhyve:///session', 'sim://', 'sim:///', 'sim://host/tmp', 'bhyve+ssh://h/system?keyfile']) {
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
