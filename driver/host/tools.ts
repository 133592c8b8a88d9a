// Runs the host's tools (kldstat, ifconfig, bhyvectl, ...) as child processes with argv
// arrays: no shell, so names and paths can never be interpreted as shell syntax.
import {execa} from 'execa';
import {DriverError} from '../client/connection.js';
import type {HostLayout, HostTool} from './layout.js';

export interface ToolResult {
  argv: string[];
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function runTool(layout: HostLayout, tool: HostTool, args: string[], timeoutMs = 30_000): Promise<ToolResult> {
  const file = layout.tool(tool);
  const r = await execa(file, args, {reject: false, timeout: timeoutMs, stdin: 'ignore', env: {LC_ALL: 'C'}});
  if (r.failed && r.exitCode === undefined) {
    const why = r.timedOut ? `timed out after ${timeoutMs} ms` : r.code === 'ENOENT' ? 'not found' : (r.shortMessage ?? 'could not run');
    throw new DriverError(`${tool} ${why} (${file})`);
  }
  return {argv: [tool, ...args], exitCode: r.exitCode ?? 1, stdout: r.stdout, stderr: r.stderr};
}

/** The tool's own words for a failure: its stderr, else its stdout (some FreeBSD tools print errors there). */
export function toolMessage(r: ToolResult): string {
  return (r.stderr.trim() || r.stdout.trim() || `exit status ${r.exitCode}`).split('\n')[0]!;
}

export async function runToolChecked(layout: HostLayout, tool: HostTool, args: string[]): Promise<ToolResult> {
  const r = await runTool(layout, tool, args);
  if (r.exitCode !== 0) {
    throw new DriverError(`${r.argv.join(' ')} failed: ${toolMessage(r)}`, r.stderr.trim() || undefined, r.exitCode);
  }
  return r;
}
