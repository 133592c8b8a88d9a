// CPU% and RSS of the running guests for the list: one ps(1) for all of them, at most
// every 2 s, however many clients list meanwhile.
import type {HostLayout} from '../host/layout.js';
import {sampleProcesses, type ProcessSample} from '../host/process-table.js';
import type {GuestRun} from '../supervise/guest-run.js';

export class GuestSampler {
  private samples: {at: number; value: Promise<Map<number, ProcessSample>>} | null = null;

  constructor(private readonly layout: HostLayout) {}

  /** Samples of the runs' loaders and bhyves, by pid; a failed ps gives none. */
  sample(runs: ReadonlyMap<string, GuestRun>): Promise<Map<number, ProcessSample>> {
    const now = Date.now();
    if (!this.samples || now - this.samples.at > 2000) {
      const pids = [...runs.values()].filter((r) => r.record.phase !== 'preparing' && r.record.pid).map((r) => r.record.pid!);
      this.samples = {at: now, value: sampleProcesses(this.layout, pids).catch(() => new Map())};
    }
    return this.samples.value;
  }
}
