// The daemon's side of the definition worker (definition-worker.ts): jobs go to one worker
// thread, started on first use, so the daemon's event loop stays free to answer every other
// client while a megabyte of XML is parsed. A job that runs too long costs the worker, not
// the daemon: the worker is ended and the next job gets a new one. Where no worker can be
// started the jobs run in place, as before there was a worker.
import path from 'node:path';
import {Worker} from 'node:worker_threads';
import {DriverError} from '../client/connection.js';
import {packageRoot} from '../host/install-paths.js';
import type {BhyveCaps, BhyveCapName} from '../bhyve/capabilities.js';
import type {DefinitionScan} from '../domain/definition-scan.js';
import {runDefinitionJob, type DefinitionJob, type FormatResult, type JobResult, type LoadResult, type ParseResult} from './definition-work.js';

/** Far longer than the largest definition takes (well under a second): only a bug gets here. */
const JOB_TIMEOUT_MS = 30_000;

/** The worker's script: next to this module when it runs from the sources, else the bundle's. */
function workerScript(): URL | string {
  if (import.meta.url.endsWith('.ts')) return new URL('./definition-worker.ts', import.meta.url);
  return path.join(packageRoot(), 'dist', 'lib', 'definition-worker.js');
}

interface Pending {
  job: DefinitionJob;
  resolve: (r: JobResult) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
  what: string;
}

export class DefinitionJobs {
  private worker: Worker | undefined;
  private pending = new Map<number, Pending>();
  private nextId = 1;
  /** set when no worker could be started: jobs run in place */
  private inPlace = false;
  private closed = false;

  constructor(private readonly log: (line: string) => void = () => {}) {}

  /** Parses a definition file (with `caps`: as a host with those bhyve capabilities would). */
  load(file: string, caps?: BhyveCaps): Promise<LoadResult> {
    return this.run({op: 'load', file, ...(caps ? {caps: [...caps] as BhyveCapName[]} : {})}, file) as Promise<LoadResult>;
  }

  /** Parses the XML of a define: the domain's name, or the error with its place. */
  parse(xml: string): Promise<ParseResult> {
    return this.run({op: 'parse', xml}, 'the domain XML') as Promise<ParseResult>;
  }

  /** Scans a definition file for the places of its disks, bridges, consoles and <vcpu>. */
  scan(file: string): Promise<DefinitionScan> {
    return this.run({op: 'scan', file}, file) as Promise<DefinitionScan>;
  }

  /** Formats a definition file for dumpxml (with the VNC password when `secure`). */
  format(file: string, secure: boolean): Promise<FormatResult> {
    return this.run({op: 'format', file, secure}, file) as Promise<FormatResult>;
  }

  close(): void {
    this.closed = true;
    this.stop(new DriverError('the daemon is shutting down'));
  }

  private run(job: DefinitionJob, what: string): Promise<JobResult> {
    const worker = this.inPlace || this.closed ? undefined : this.start();
    if (!worker) return Promise.resolve().then(() => runDefinitionJob(job));
    const id = this.nextId++;
    return new Promise<JobResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.log(`definition worker: ${what} took longer than ${JOB_TIMEOUT_MS / 1000} s; the worker is restarted`);
        this.stop(new DriverError(`reading ${what} took longer than ${JOB_TIMEOUT_MS / 1000} s`));
      }, JOB_TIMEOUT_MS);
      this.pending.set(id, {job, resolve, reject, timer, what});
      worker.postMessage({id, job});
    });
  }

  private start(): Worker | undefined {
    if (this.worker) return this.worker;
    let worker: Worker;
    try {
      worker = new Worker(workerScript());
    } catch (e) {
      this.log(`definition worker: cannot start (${(e as Error).message}); definitions are parsed in the daemon's thread`);
      this.inPlace = true;
      return undefined;
    }
    // The daemon's life is not the worker's business: it exits whether or not the worker runs.
    worker.unref();
    let answered = false;
    worker.on('message', (m: {id: number; result?: JobResult; failure?: string}) => {
      answered = true;
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.failure !== undefined) p.reject(new DriverError(`reading ${p.what}: ${m.failure}`));
      else p.resolve(m.result!);
    });
    const gone = (why: string) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      // A worker that never answered could not start (its script missing, say): from now on
      // the jobs run in place, these first.
      if (!answered) {
        this.log(`definition worker: ${why} before its first job; definitions are parsed in the daemon's thread`);
        this.inPlace = true;
      }
      for (const [id, p] of this.pending) {
        this.pending.delete(id);
        clearTimeout(p.timer);
        if (answered) p.reject(new DriverError(`reading ${p.what}: the definition worker ${why}`));
        else {
          try {
            p.resolve(runDefinitionJob(p.job));
          } catch (e) {
            p.reject(e as Error);
          }
        }
      }
    };
    worker.on('error', (e) => gone(`failed: ${e.message}`));
    worker.on('exit', (code) => gone(`exited (${code})`));
    this.worker = worker;
    return worker;
  }

  private stop(why: Error): void {
    const worker = this.worker;
    this.worker = undefined;
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      clearTimeout(p.timer);
      p.reject(why);
    }
    void worker?.terminate();
  }
}
