// The status line's model: the outcome of the last action, built from errors without stack traces.
import {sanitizeLine} from '../text/format.js';

type StatusTone = 'info' | 'pending' | 'success' | 'error';

export interface Status {
  tone: StatusTone;
  /** one line */
  text: string;
  /** a few extra lines (a tool's stderr), already trimmed */
  detail?: string[];
}

/** How many stderr lines the status line shows at most. */
const MAX_DETAIL_LINES = 3;

export function infoStatus(text: string): Status {
  return {tone: 'info', text};
}

/** Keeps the last lines of a tool's output (where the fatal message usually is). */
export function trimDetail(detail: string | undefined, maxLines = MAX_DETAIL_LINES): string[] {
  if (detail === undefined) {
    return [];
  }

  const lines = detail
    .split(/\r?\n|\r/)
    .map((line) => sanitizeLine(line).trimEnd())
    .filter((line) => line.trim() !== '');
  if (lines.length <= maxLines) {
    return lines;
  }

  const kept = lines.slice(lines.length - (maxLines - 1));
  const hidden = lines.length - kept.length;
  return [`… ${hidden} earlier line${hidden === 1 ? '' : 's'}`, ...kept];
}

/**
 * Turns anything thrown by a Connection into a status: the message (with the exit code)
 * and the tool's stderr. Reads DriverError's fields by shape so it also works when the
 * error class comes from another copy of the module (a bundle). Never includes a stack.
 * When the message does not name the domain, `context` (e.g. `Cannot start web1`) is put in front.
 */
export function errorStatus(error: unknown, context?: {prefix: string; name: string}): Status {
  let message: string;
  let detail: string | undefined;
  let exitCode: number | undefined;
  if (error instanceof Error) {
    message = error.message;
    const extra = error as Error & {detail?: unknown; exitCode?: unknown};
    detail = typeof extra.detail === 'string' ? extra.detail : undefined;
    exitCode = typeof extra.exitCode === 'number' ? extra.exitCode : undefined;
  } else {
    message = String(error);
  }

  const [first = '', ...more] = message.split(/\r?\n/).map((line) => sanitizeLine(line).trimEnd());
  let text = first.trim() === '' ? 'Unknown error' : first;
  if (context !== undefined && !text.includes(context.name)) {
    text = `${context.prefix}: ${text}`;
  }

  if (exitCode !== undefined) {
    text += ` (exit code ${exitCode})`;
  }

  const extraLines = [more.join('\n'), detail ?? ''].filter((part) => part.trim() !== '').join('\n');
  const lines = trimDetail(extraLines === '' ? undefined : extraLines);
  return lines.length > 0 ? {tone: 'error', text, detail: lines} : {tone: 'error', text};
}

/** Rows the status line occupies. */
export function statusHeight(status: Status | null): number {
  return 1 + (status?.detail?.length ?? 0);
}

/** ` on nyc2` with several hosts, nothing with one. */
export function onHostText(host: string | undefined): string {
  return host === undefined ? '' : ` on ${host}`;
}

/** The status, naming the host when its text does not already (several hosts). */
export function naming(status: Status, host: string | undefined): Status {
  return host === undefined || status.text.includes(host) ? status : {...status, text: `${status.text} (${host})`};
}
