// A domain's state as the host shows it: the supervisor's run record, the processes it
// names, and the kernel's VM instances in /dev/vmm (which outlive bhyve until destroyed).
import fs from 'node:fs';
import path from 'node:path';
import type {DomainState} from './connection.js';
import type {HostLayout} from './host-layout.js';
import {pidAlive} from './process-table.js';
import {lastErrorPath, readRunState} from './run-state.js';

export interface ObservedState {
  state: Exclude<DomainState, 'invalid'>;
  pid?: number;
  lastError?: string;
}

export function vmInstanceExists(layout: HostLayout, name: string): boolean {
  return fs.existsSync(path.join(layout.vmmDir, name));
}

export function observeDomain(layout: HostLayout, name: string): ObservedState {
  const rs = readRunState(layout, name);
  const out: ObservedState = {state: 'shut off'};
  const supervised = rs !== null && pidAlive(rs.supervisorPid);
  if (rs && (supervised || pidAlive(rs.pid))) {
    out.state = rs.phase === 'running' || rs.phase === 'stopping' ? 'running' : 'bootloader';
    if (rs.pid && pidAlive(rs.pid)) out.pid = rs.pid;
  } else if (vmInstanceExists(layout, name)) {
    out.state = 'orphaned';
  }
  try {
    const last = fs.readFileSync(lastErrorPath(layout, name), 'utf8').trim();
    if (last) out.lastError = last.split('\n')[0]!;
  } catch {
    // no failed start recorded
  }
  return out;
}
