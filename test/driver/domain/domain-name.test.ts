import test from 'ava';
import {domainNameProblem} from '../../../driver/domain/name.js';
import {interfaceNameProblem} from '../../../driver/host/tap-network.js';

for (const good of ['web1', 'a', 'freebsd-14.2', 'db_1', 'X9']) {
  test(`accepts domain name '${good}'`, (t) => t.is(domainNameProblem(good), null));
}

// Names become paths under /dev/vmm and command arguments: nothing that could escape.
for (const bad of ['', '../etc', 'a/b', 'web 1', 'we"b', "we'b", '-rf', '.hidden', 'x.', 'a\nb', 'a;b', 'x'.repeat(230)]) {
  test(`refuses domain name ${JSON.stringify(bad.slice(0, 20))}`, (t) => {
    const p = domainNameProblem(bad);
    t.truthy(p);
    t.false(p!.includes('\n'));
  });
}

test('interface names: at most 15 characters, never an option', (t) => {
  t.is(interfaceNameProblem('bridge0'), null);
  t.truthy(interfaceNameProblem('-l'));
  t.truthy(interfaceNameProblem('a'.repeat(16)));
  t.truthy(interfaceNameProblem('br 0'));
});
