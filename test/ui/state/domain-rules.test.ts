// Which actions the TUI refuses in which state: the ones that depend on whether a domain
// is active follow the shared rule (driver/domain/state.ts), as the daemon and the CLI do.
import test from 'ava';
import type {DomainState} from '../../../driver/client/connection.js';
import {isActive} from '../../../driver/domain/state.js';
import {consoleRefusal, destroyRefusal, undefineRefusal} from '../../../ui/state/domain-rules.js';
import {domain} from '../helpers/fake-connection.js';

const states: DomainState[] = ['running', 'bootloader', 'in shutdown', 'shut off', 'crashed', 'orphaned', 'invalid'];

test('undefine is refused exactly while the domain is active, an orphan included', (t) => {
  for (const state of states) t.is(undefineRefusal(domain('web1', state)) !== undefined, isActive(state), state);
  t.is(undefineRefusal(domain('web1', 'orphaned'))?.text, 'web1 is orphaned; shut it down (t) or destroy it (D) before undefining it');
});

test('destroy stops an active guest and cleans up a crash; a domain that is off has nothing to destroy', (t) => {
  for (const state of ['running', 'bootloader', 'in shutdown', 'orphaned', 'crashed'] as const) t.is(destroyRefusal(domain('web1', state)), undefined, state);
  t.is(destroyRefusal(domain('web1', 'shut off'))?.text, 'web1 is not running');
  t.is(destroyRefusal(domain('web1', 'invalid'))?.text, 'web1 is not running');
});

test('an orphan is active but has no console to attach to', (t) => {
  t.regex(consoleRefusal(domain('web1', 'orphaned'))?.text ?? '', /no bhyve process/);
});
