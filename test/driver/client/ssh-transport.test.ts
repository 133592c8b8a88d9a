// The ssh command line bhyve+ssh:// runs, and OpenSSH's failures in one line each.
import test from 'ava';
import {spawnSync} from 'node:child_process';
import {parseConnectionUri} from '../../../driver/client/connection-uri.js';
import {shellWord, sshArgv, sshFailure} from '../../../driver/client/ssh-transport.js';

test('ssh gets options, then --, the host and the far end command as quoted words', (t) => {
  const argv = sshArgv(
    parseConnectionUri('bhyve+ssh://op@h.example:2222/system?keyfile=/k/id%25x&known_hosts=/k/kh&command=/opt/b%20t/bhyve-tui'),
    '/run/u/ssh',
  );
  const dash = argv.indexOf('--');
  t.deepEqual(argv.slice(dash), ['--', 'h.example', "'/opt/b t/bhyve-tui' -c bhyve:///system proxy"]);
  const opts = argv.slice(0, dash);
  for (const o of ['BatchMode=yes', 'ControlMaster=auto', 'ControlPath=/run/u/ssh/%C', 'UserKnownHostsFile=/k/kh', 'IdentitiesOnly=yes'])
    t.true(opts.includes(o), o);
  t.deepEqual(opts.slice(opts.indexOf('-i'), opts.indexOf('-i') + 2), ['-i', '/k/id%%x'], "ssh's % tokens are escaped");
  t.deepEqual(opts.slice(opts.indexOf('-p'), opts.indexOf('-p') + 2), ['-p', '2222']);
  t.deepEqual(opts.slice(opts.indexOf('-l'), opts.indexOf('-l') + 2), ['-l', 'op']);
  t.false(opts.includes('StrictHostKeyChecking=no'), 'host keys are checked unless no_verify=1');
  t.true(sshArgv(parseConnectionUri('bhyve+ssh://h/system?no_verify=1'), '/r').includes('StrictHostKeyChecking=no'));
});

test('a shell word comes back from sh exactly as it went in', (t) => {
  for (const word of ['plain', "it's", 'a b', '$(id)', '`id`', '"q"', '\\', '!x', '%41', 'é中', '-c', '']) {
    const r = spawnSync('sh', ['-c', `printf %s ${shellWord(word)}`], {encoding: 'utf8'});
    t.is(r.stdout, word, word);
  }
});

test("OpenSSH's failures become one line that says what to do", (t) => {
  const p = parseConnectionUri('bhyve+ssh://root@h:22/system');
  const cases: [string, number, RegExp][] = [
    ['Host key verification failed.\n', 255, /host key of root@h:22 is not in known_hosts: check it and accept it once with 'ssh -p 22 root@h'/],
    ['@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\nHost key verification failed.\n', 255, /has changed .*ssh-keygen -R h/],
    [
      'root@h: Permission denied (publickey).\n',
      255,
      /could not log in to root@h:22 \(Permission denied \(publickey\)\.\): add the key to ssh-agent or give \?keyfile=PATH/,
    ],
    ['ssh: connect to host h port 22: Connection refused\n', 255, /connection refused/],
    ['ssh: connect to host h port 22: Connection timed out\n', 255, /the connection timed out/],
    ['ssh: Could not resolve hostname h: Name or service not known\n', 255, /cannot resolve the host name h/],
    ['sh: bhyve-tui: not found\n', 127, /bhyve-tui was not found on root@h:22 .*\?command=/],
    [
      "error: cannot connect to 'bhyve:///system': this is not a FreeBSD host; use a simulated host\n",
      1,
      /^on root@h:22: cannot connect to 'bhyve:\/\/\/system': this is not a FreeBSD host/,
    ],
    ['', 255, /^ssh to root@h:22 ended \(exit 255\) before the far end answered$/],
  ];
  for (const [stderr, code, want] of cases) {
    const e = sshFailure(p, code, stderr);
    t.regex(e.message, want, stderr);
    t.false(e.message.includes('\n'));
  }
});
