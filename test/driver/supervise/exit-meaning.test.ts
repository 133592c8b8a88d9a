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

test('bhyve: every status bhyve(8) documents has its meaning; others are named by number', (t) => {
  t.is(bhyveExitMeaning(2), 'halted');
  t.is(bhyveExitMeaning(3), 'triple fault');
  t.is(bhyveExitMeaning(64), 'usage error');
  t.is(bhyveExitMeaning(71), 'operating system error');
  t.is(bhyveExitMeaning(100), 'unknown suspend reason');
  t.is(bhyveExitMeaning(5), 'exit status 5');
  t.is(bhyveExitMeaning(125), 'exit status 125');
});

test('128 is a status, 129 the first signal; only SIGABRT and SIGKILL are named', (t) => {
  t.is(bhyveExitMeaning(128), 'exit status 128');
  t.is(bhyveExitMeaning(129), 'killed by signal 1');
  t.is(bhyveExitMeaning(143), 'killed by signal 15');
});

test('255 is exit(-1), not a signal: FreeBSD has none past SIGRTMAX (126)', (t) => {
  t.notRegex(bhyveExitMeaning(255), /signal/);
  t.is(loaderExitMeaning('bhyveload', 255), 'exit status 255');
  t.is(loaderExitMeaning('grub-bhyve', 255), 'exit status 255');
  t.is(loaderExitMeaning('bhyveload', 130), 'killed by signal 2');
});

test("bhyveload: its documented statuses; a signal is named without bhyve's notes", (t) => {
  t.is(loaderExitMeaning('bhyveload', 1), 'the loader quit, or setting up the VM failed (see its output)');
  t.is(loaderExitMeaning('bhyveload', 2), 'the loader asked for a reboot');
  t.is(loaderExitMeaning('bhyveload', 64), 'usage error (a bad option or an unopenable disk or console)');
  t.is(loaderExitMeaning('bhyveload', 3), 'exit status 3');
  t.is(loaderExitMeaning('bhyveload', 137), 'killed by signal 9');
});

test("grub-bhyve: status 1 is GRUB exiting; other loaders' statuses are named by number", (t) => {
  t.is(loaderExitMeaning('grub-bhyve', 1), 'GRUB exited, or setting up the VM failed (see its output)');
  t.is(loaderExitMeaning('grub-bhyve', 2), 'exit status 2');
  t.is(loaderExitMeaning('grub-bhyve', 64), 'exit status 64');
  t.is(loaderExitMeaning('other-loader', 1), 'exit status 1');
  t.is(loaderExitMeaning('other-loader', 134), 'killed by signal 6');
});
