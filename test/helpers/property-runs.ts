// Running fast-check properties under ava: a fixed seed per property by default, so that CI
// runs the same cases every time (PROPERTY_SEED=<n> or PROPERTY_SEED=random explores other
// ones; PROPERTY_RUNS=<factor> multiplies every property's number of cases), the seed and
// the number of cases in the test's log, the counterexample in the failure.
import fc from 'fast-check';
import type {ExecutionContext} from 'ava';

/** The cases a property ran, by property, for the summary the lead reports. */
export interface PropertyRun {
  name: string;
  cases: number;
  seed: number;
  ms: number;
}

const factor = Number(process.env.PROPERTY_RUNS ?? '1') || 1;

function seedFor(name: string): number {
  const given = process.env.PROPERTY_SEED;
  if (given === 'random') return Math.floor(Math.random() * 0x7fff_ffff);
  if (given !== undefined && given !== '') return Number(given);
  // a stable seed per property name
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h & 0x7fff_ffff;
}

/** Runs `property` with `numRuns` cases and fails the test with fast-check's report if one fails. */
export function checkProperty<Ts>(t: ExecutionContext, name: string, property: fc.IProperty<Ts>, numRuns: number): PropertyRun {
  const seed = seedFor(name);
  const start = performance.now();
  const details = fc.check(property, {seed, numRuns: Math.max(1, Math.round(numRuns * factor))});
  const ms = performance.now() - start;
  const cases = details.numRuns;
  t.log(`${name}: ${cases} cases, seed ${seed}, ${(ms / 1000).toFixed(1)} s${details.failed ? ' — FAILED' : ''}`);
  if (details.failed) t.fail(`${name}: ${fc.defaultReportMessage(details) ?? 'failed'}`);
  else t.pass();
  return {name, cases, seed, ms};
}

/**
 * `work`, with its time checked: a case that takes longer than `ms` fails ("never hang":
 * every input here is small, so even a second means something is worse than linear).
 */
export function timed<T>(what: string, ms: number, work: () => T): T {
  let m = measure(work);
  if (m.took > ms) {
    // Once more: slow input is slow every time; a GC pause or a busy machine is not.
    const again = measure(work);
    if (again.took > ms) throw new Error(`${what} took ${m.took.toFixed(0)} ms, then ${again.took.toFixed(0)} ms (at most ${ms})`);
    m = again;
  }
  if (m.threw) throw m.error;
  return m.value as T;
}

function measure<T>(work: () => T): {took: number; threw: boolean; value?: T; error?: unknown} {
  const start = performance.now();
  try {
    const value = work();
    return {took: performance.now() - start, threw: false, value};
  } catch (error) {
    return {took: performance.now() - start, threw: true, error};
  }
}

/** What is thrown, if anything: its class must be one of `allowed`. */
export function throwsOnly(work: () => unknown, allowed: Array<abstract new (...args: never[]) => unknown>): unknown {
  try {
    work();
    return undefined;
  } catch (e) {
    if (!allowed.some((type) => e instanceof type))
      throw new Error(`threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)} (not ${allowed.map((a) => a.name).join(' or ')})`);
    return e;
  }
}
