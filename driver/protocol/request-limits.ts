// The numbers a client may ask for (CLI flags, TUI, daemon requests), each bounded by what
// will hold it: a delay or timeout becomes a Node timer, which fires at once past 2^31-1 ms
// (and warns TimeoutOverflowWarning); a log tail becomes one protocol line (16 MiB of
// JSON, where a control byte takes 6 characters). The CLI and the daemon check the same
// bounds, so a request from any client gets the same one-line refusal.

/** The longest Node timer, in whole seconds: setTimeout takes at most 2^31-1 ms. */
const MAX_TIMER_S = Math.floor((2 ** 31 - 1) / 1000);

export interface WholeNumberLimit {
  /** in messages: 'shutdown timeout' */
  what: string;
  /** in messages: 'seconds' */
  unit: string;
  min: number;
  max: number;
}

export const LIMITS = {
  shutdownTimeoutS: {what: 'shutdown timeout', unit: 'seconds', min: 1, max: MAX_TIMER_S},
  autostartDelayS: {what: 'autostart delay', unit: 'seconds', min: 0, max: MAX_TIMER_S},
  // Start order: compared as numbers and stored as JSON; a 32-bit range is plenty.
  autostartOrder: {what: 'autostart order', unit: '', min: 0, max: 2 ** 31 - 1},
  logTailBytes: {what: 'log tail', unit: 'bytes', min: 0, max: 2 * 1024 * 1024},
} as const satisfies Record<string, WholeNumberLimit>;

/** null when `v` is a whole number within the limit, else a one-line reason. */
export function wholeNumberProblem(v: unknown, limit: WholeNumberLimit): string | null {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= limit.min && v <= limit.max) return null;
  const shown = typeof v === 'string' ? `'${v.length > 30 ? `${v.slice(0, 30)}…` : v}'` : String(v);
  return `the ${limit.what} must be a whole number from ${limit.min} to ${limit.max}${limit.unit ? ` ${limit.unit}` : ''}, not ${shown}`;
}

/** A decimal string (a CLI flag) as a number within the limit, or a one-line reason. */
export function parseWholeNumber(text: string, limit: WholeNumberLimit): {value: number} | {problem: string} {
  // Digits only, so '1e3', '0x10' and ' 5' are refused rather than read some other way.
  const v = /^\d{1,16}$/.test(text) ? Number(text) : Number.NaN;
  return wholeNumberProblem(v, limit) === null ? {value: v} : {problem: wholeNumberProblem(text, limit)!};
}
