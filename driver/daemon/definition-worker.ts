// The worker thread that runs definition-work.ts's jobs for the daemon (definition-jobs.ts).
import {parentPort} from 'node:worker_threads';
import {runDefinitionJob, type DefinitionJob} from './definition-work.js';

parentPort?.on('message', (m: {id: number; job: DefinitionJob}) => {
  try {
    parentPort!.postMessage({id: m.id, result: runDefinitionJob(m.job)});
  } catch (e) {
    parentPort!.postMessage({id: m.id, failure: e instanceof Error ? e.message : String(e)});
  }
});
