// What a guest's exit means and what follows it, as pure functions: the meaning of bhyve's
// and a loader's exit statuses (for the log and the stop record), and the domain's <on_*>
// policy with libvirt's crash-loop guard. The run (guest-run.ts) applies them; tests check
// them without running a guest.
import type {LifecycleAction} from '../domain/model.js';

/** Automatic restarts allowed within the window; the next exit that would restart stops the guest. */
export const crashLoopLimit = 3;
export const crashLoopWindowMs = 60_000;

/**
 * The signal behind an exit status as sh reports it (128+N), if it is one: FreeBSD's signals
 * end at SIGRTMAX, 126 (sys/signal.h), so 255 is exit(-1)'s status and no signal.
 */
function signalOf(status: number): number | undefined {
  return status > 128 && status - 128 <= 126 ? status - 128 : undefined;
}

/** What a loader's exit status means (bhyveload(8), grub2-bhyve); 0 is success. */
export function loaderExitMeaning(program: string, status: number): string {
  const signal = signalOf(status);
  if (signal !== undefined) return `killed by signal ${signal}`;
  if (program === 'bhyveload') {
    switch (status) {
      case 1:
        return 'the loader quit, or setting up the VM failed (see its output)';
      case 2:
        return 'the loader asked for a reboot';
      case 64:
        return 'usage error (a bad option or an unopenable disk or console)';
    }
  } else if (program === 'grub-bhyve' && status === 1) {
    return 'GRUB exited, or setting up the VM failed (see its output)';
  }
  return `exit status ${status}`;
}

/** What bhyve's exit status means (bhyve(8) EXIT STATUS); sh reports a signal N as 128+N. */
export function bhyveExitMeaning(status: number): string {
  const signal = signalOf(status);
  if (signal !== undefined) return `killed by signal ${signal}${signal === 6 ? ' (SIGABRT: fatal VM exit)' : signal === 9 ? ' (SIGKILL)' : ''}`;
  switch (status) {
    case 0:
      return 'rebooted';
    case 1:
      return 'powered off';
    case 2:
      return 'halted';
    case 3:
      return 'triple fault';
    case 4:
      return 'exited due to an error';
    case 64:
      return 'usage error';
    case 71:
      return 'operating system error';
    case 100:
      return 'unknown suspend reason';
    default:
      return `exit status ${status}`;
  }
}

export interface ExitDecision {
  action: 'restart' | 'destroy' | 'preserve';
  reason: string;
}

export interface ExitContext {
  /** the domain's <on_reboot>, <on_poweroff> and <on_crash> */
  policies: {onReboot: LifecycleAction; onPoweroff: LifecycleAction; onCrash: LifecycleAction};
  /** start times (epoch ms) of the run's automatic restarts so far */
  restarts: readonly number[];
  now: number;
  /** a stop the operator asked for: whatever the status, the guest stops */
  stopRequested?: 'destroyed' | 'shutdown' | undefined;
  /** the operator reset this bhyve (reboot): its exit 0 is that reset, not the guest's doing */
  operatorReset?: boolean;
}

/**
 * What follows bhyve's exit with `status` (0 reboot, 1 power-off, 2 halt, else a fault),
 * and the restarts to keep counting: a policy that restarts the guest does so unless
 * crashLoopLimit restarts fell within the last crashLoopWindowMs (libvirt's rule), which
 * stops it as a 'crash loop'. The caller records the restart it then makes when `counts`:
 * a reset the operator asked for neither trips the guard nor counts toward it (virsh reboot
 * four times in a minute is no crash loop).
 */
export function exitDecision(status: number, ctx: ExitContext): ExitDecision & {restarts: number[]; counts: boolean} {
  const restarts = [...ctx.restarts];
  if (ctx.stopRequested) return {action: 'destroy', reason: ctx.stopRequested, restarts, counts: false};
  let policy: LifecycleAction;
  let reason: string;
  if (status === 0) [policy, reason] = [ctx.policies.onReboot, 'rebooted'];
  else if (status === 1 || status === 2) [policy, reason] = [ctx.policies.onPoweroff, status === 1 ? 'shutdown' : 'halted'];
  else [policy, reason] = [ctx.policies.onCrash, 'crashed'];
  if (policy === 'preserve') return {action: 'preserve', reason, restarts, counts: false};
  if (policy === 'restart' || policy === 'rename-restart' || policy === 'coredump-restart') {
    // Only the restarts inside the window count; older ones are forgotten.
    const recent = restarts.filter((t) => ctx.now - t < crashLoopWindowMs);
    if (status === 0 && ctx.operatorReset) return {action: 'restart', reason, restarts: recent, counts: false};
    if (recent.length >= crashLoopLimit) return {action: 'destroy', reason: 'crash loop', restarts: recent, counts: false};
    return {action: 'restart', reason, restarts: recent, counts: true};
  }
  return {action: 'destroy', reason, restarts, counts: false};
}
