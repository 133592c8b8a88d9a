// What follows bhyve's exit: the domain's <on_*> policy and the crash-loop guard (libvirt's
// rule: a guest restarted 3 times within 60 s is stopped), checked on the pure function the
// run applies. The simulator test in daemon.test.ts checks a whole loop end to end.
import test from 'ava';
import {crashLoopLimit, crashLoopWindowMs, exitDecision, type ExitContext} from '../../../driver/supervise/exit-policy.js';
import type {LifecycleAction} from '../../../driver/domain/model.js';

const policies = (onReboot: LifecycleAction = 'restart', onPoweroff: LifecycleAction = 'destroy', onCrash: LifecycleAction = 'destroy') => ({
  onReboot,
  onPoweroff,
  onCrash,
});
const now = 1_000_000_000;
const ctx = (over: Partial<ExitContext> = {}): ExitContext => ({policies: policies(), restarts: [], now, ...over});

test("the rule is libvirt's: 3 restarts in 60 s", (t) => {
  t.is(crashLoopLimit, 3);
  t.is(crashLoopWindowMs, 60_000);
});

test('status 0 follows <on_reboot>, 1 and 2 <on_poweroff>, anything else <on_crash>', (t) => {
  const p = policies('restart', 'destroy', 'preserve');
  t.like(exitDecision(0, ctx({policies: p})), {action: 'restart', reason: 'rebooted'});
  t.like(exitDecision(1, ctx({policies: p})), {action: 'destroy', reason: 'shutdown'});
  t.like(exitDecision(2, ctx({policies: p})), {action: 'destroy', reason: 'halted'});
  for (const status of [3, 4, 64, 134, 137, 255]) t.like(exitDecision(status, ctx({policies: p})), {action: 'preserve', reason: 'crashed'}, `status ${status}`);
});

test('every restarting policy restarts; coredump-destroy destroys', (t) => {
  for (const policy of ['restart', 'rename-restart', 'coredump-restart'] as const) {
    t.like(exitDecision(3, ctx({policies: policies('destroy', 'destroy', policy)})), {action: 'restart', reason: 'crashed'}, policy);
  }
  t.like(exitDecision(3, ctx({policies: policies('destroy', 'destroy', 'coredump-destroy')})), {action: 'destroy', reason: 'crashed'});
  t.like(exitDecision(1, ctx({policies: policies('destroy', 'restart')})), {action: 'restart', reason: 'shutdown'});
});

test('fewer than 3 restarts within the window: the guest restarts, and they keep counting', (t) => {
  const restarts = [now - 50_000, now - 10_000];
  const d = exitDecision(0, ctx({restarts}));
  t.like(d, {action: 'restart', reason: 'rebooted'});
  t.deepEqual(d.restarts, restarts);
});

test('a 4th exit with 3 restarts in the last 60 s is a crash loop: the guest stops', (t) => {
  const restarts = [now - 59_000, now - 30_000, now - 1_000];
  t.like(exitDecision(0, ctx({restarts})), {action: 'destroy', reason: 'crash loop'});
  t.like(exitDecision(3, ctx({restarts, policies: policies('restart', 'destroy', 'restart')})), {action: 'destroy', reason: 'crash loop'});
});

test("the operator's reset restarts the guest without tripping the guard or counting toward it", (t) => {
  const restarts = [now - 30_000, now - 20_000, now - 10_000];
  const d = exitDecision(0, ctx({restarts, operatorReset: true}));
  t.like(d, {action: 'restart', reason: 'rebooted', counts: false});
  t.deepEqual(d.restarts, restarts);
  // The guest's own reboot counts; a crash right after the reset is still the guest's.
  t.like(exitDecision(0, ctx({restarts: restarts.slice(1)})), {action: 'restart', counts: true});
  t.like(exitDecision(3, ctx({restarts, operatorReset: true, policies: policies('restart', 'destroy', 'restart')})), {action: 'destroy', reason: 'crash loop'});
  // <on_reboot>destroy</on_reboot> is still obeyed.
  t.like(exitDecision(0, ctx({operatorReset: true, policies: policies('destroy')})), {action: 'destroy', reason: 'rebooted'});
});

test('restarts older than the window are forgotten, not counted', (t) => {
  const d = exitDecision(0, ctx({restarts: [now - 120_000, now - 61_000, now - 30_000, now - 1_000]}));
  t.like(d, {action: 'restart', reason: 'rebooted'});
  t.deepEqual(d.restarts, [now - 30_000, now - 1_000]);
});

test('a restart exactly 60 s ago is outside the window', (t) => {
  t.like(exitDecision(0, ctx({restarts: [now - crashLoopWindowMs, now - 20_000, now - 10_000]})), {action: 'restart'});
  t.like(exitDecision(0, ctx({restarts: [now - crashLoopWindowMs + 1, now - 20_000, now - 10_000]})), {action: 'destroy', reason: 'crash loop'});
});

test('a stop the operator asked for wins over every policy and the crash-loop guard', (t) => {
  const restarts = [now - 3_000, now - 2_000, now - 1_000];
  t.like(exitDecision(0, ctx({restarts, stopRequested: 'destroyed'})), {action: 'destroy', reason: 'destroyed'});
  t.like(exitDecision(1, ctx({stopRequested: 'shutdown', policies: policies('restart', 'restart')})), {action: 'destroy', reason: 'shutdown'});
  t.like(exitDecision(3, ctx({stopRequested: 'destroyed', policies: policies('restart', 'destroy', 'preserve')})), {action: 'destroy', reason: 'destroyed'});
});

test('a policy that does not restart leaves the restarts as they were; the input is not changed', (t) => {
  const restarts = [now - 500_000, now - 1_000];
  const frozen = Object.freeze([...restarts]);
  t.deepEqual(exitDecision(1, ctx({restarts: frozen})).restarts, restarts);
  t.deepEqual(exitDecision(3, ctx({restarts: frozen, policies: policies('restart', 'destroy', 'preserve')})).restarts, restarts);
  t.deepEqual(exitDecision(0, ctx({restarts: frozen})).restarts, [now - 1_000]);
  t.deepEqual(frozen, restarts);
});

/** Runs the rule as the run does: each restart is recorded at the time it is made. */
function exitsEvery(intervalMs: number, exits: number): string[] {
  let restarts: number[] = [];
  const out: string[] = [];
  for (let i = 0; i < exits; i++) {
    const at = now + i * intervalMs;
    const d = exitDecision(0, ctx({restarts, now: at}));
    restarts = d.restarts;
    out.push(d.action === 'restart' ? 'restart' : d.reason);
    if (d.action !== 'restart') break;
    restarts.push(at);
  }
  return out;
}

test('a guest that reboots at once every time is stopped at its 4th reboot', (t) => {
  t.deepEqual(exitsEvery(1_000, 10), ['restart', 'restart', 'restart', 'crash loop']);
  t.deepEqual(exitsEvery(19_000, 10), ['restart', 'restart', 'restart', 'crash loop']);
});

test('a guest that reboots every 20 s or slower keeps running', (t) => {
  t.deepEqual(exitsEvery(20_000, 10), Array(10).fill('restart'));
  t.deepEqual(exitsEvery(45_000, 10), Array(10).fill('restart'));
});
