// Starting and destroying guests from a client. A start hands the guest to a detached
// supervisor process and waits for its report; a destroy asks the supervisor to stop
// (the destroy flag) and pulls the plug with `bhyvectl --destroy`.
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import readline from 'node:readline';
import {DriverError} from './connection.js';
import type {HostLayout} from './host-layout.js';
import {cliPath} from './install-paths.js';
import type {SupervisorEvent} from './guest-supervisor.js';
import {requireValidDomain} from './domain-store.js';
import {observeDomain, vmInstanceExists} from './domain-monitor.js';
import {destroyFlagPath, readRunState, removeRunState} from './run-state.js';
import {runTool, toolMessage} from './host-tools.js';
import {pidAlive} from './process-table.js';
import {destroyTaps} from './tap-network.js';

export async function startDomain(layout: HostLayout, uri: string, name: string, onProgress?: (e: SupervisorEvent) => void): Promise<void> {
  requireValidDomain(layout, name);
  const now = observeDomain(layout, name);
  if (now.state === 'running' || now.state === 'bootloader') {
    throw new DriverError(`Requested operation is not valid: domain '${name}' is already running`);
  }
  const child = spawn(process.execPath, [cliPath(), '-c', uri, '_run', name], {
    detached: true,
    stdio: ['ignore', 'pipe', 'ignore'],
    env: {...process.env, BHYVE_TUI_SUPERVISOR: '1'},
  });
  child.unref();
  const lines = readline.createInterface({input: child.stdout!});
  try {
    for await (const line of lines) {
      let ev: SupervisorEvent;
      try {
        ev = JSON.parse(line) as SupervisorEvent;
      } catch {
        continue;
      }
      onProgress?.(ev);
      if (ev.event === 'running') return;
      if (ev.event === 'failed') throw new DriverError(ev.message, ev.detail, ev.exitCode);
    }
  } finally {
    lines.close();
    child.stdout?.destroy();
  }
  throw new DriverError(`the supervisor for '${name}' exited before the guest started; see the domain log`);
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

export async function destroyDomain(layout: HostLayout, name: string): Promise<void> {
  requireValidDomain(layout, name);
  const rs = readRunState(layout, name);
  const supervised = rs !== null && pidAlive(rs.supervisorPid);
  if (!supervised && !(rs && pidAlive(rs.pid)) && !vmInstanceExists(layout, name)) {
    throw new DriverError(`Requested operation is not valid: domain '${name}' is not running`);
  }
  if (supervised) fs.writeFileSync(destroyFlagPath(layout, name), `${process.pid}\n`);
  // A guest still in its loader has no VM to destroy yet: stop the loader itself.
  if (rs?.phase === 'bootloader' && rs.pid && pidAlive(rs.pid)) process.kill(rs.pid, 'SIGTERM');
  if (vmInstanceExists(layout, name)) {
    const r = await runTool(layout, 'bhyvectl', ['--destroy', `--vm=${name}`]);
    if (r.exitCode !== 0 && vmInstanceExists(layout, name)) {
      throw new DriverError(`failed to destroy '${name}': ${toolMessage(r)}`, r.stderr.trim() || undefined, r.exitCode);
    }
  }
  if (supervised) {
    // The supervisor sees bhyve exit, finds the destroy flag and cleans up.
    if (await waitFor(() => readRunState(layout, name) === null, 15_000)) return;
  }
  // No supervisor (or it did not finish): clean up what it would have.
  const left = readRunState(layout, name);
  if (left?.pid && pidAlive(left.pid)) process.kill(left.pid, 'SIGKILL');
  if (left?.supervisorPid && pidAlive(left.supervisorPid)) process.kill(left.supervisorPid, 'SIGKILL');
  if (left?.taps.length) await destroyTaps(layout, left.taps, () => {});
  if (vmInstanceExists(layout, name)) await runTool(layout, 'bhyvectl', ['--destroy', `--vm=${name}`]);
  removeRunState(layout, name);
}
