// What a guest's or a loader's exit status means, as the log and the stop record say it.
import test from 'ava';
import {bhyveExitMeaning, loaderExitMeaning} from '../../../driver/supervise/exit-policy.js';

test('bhyve: the statuses of bhyve(8), and signals as sh reports them (128+N)', (t) => {
  t.is(bhyveExitMeaning(0), 'rebooted');
  t.is(bhyveExitMeaning(1), 'powered off');
  t.is(bhyveExitMeaning(4), 'exited due to an error');
  t.is(bhyveExitMeaning(134), 'killed by signal 6 (SIGABRT: fatal VM exit)');
  t.is(bhyveExitMeaning(137), 'killed by signal 9 (SIGKILL)');
  t.is(bhyveExitMeaning(254), 'killed by signal 126');
});

test('255 is exit(-1), not a signal: FreeBSD has none past SIGRTMAX (126)', (t) => {
  t.notRegex(bhyveExitMeaning(255), /signal/);
  t.is(loaderExitMeaning('bhyveload', 255), 'exit status 255');
  t.is(loaderExitMeaning('grub-bhyve', 255), 'exit status 255');
  t.is(loaderExitMeaning('bhyveload', 130), 'killed by signal 2');
});
