// The `:` command line: the CLI's verbs (virsh names) typed inside the TUI. Verbs that
// show something in the TUI (details, errors, log, edit, console, help, filter, sort, quit)
// are handled by the App; the rest run the CLI's own implementation of the verb on the
// TUI's connection (runOnConnection). A verb that needs a domain and got none gets the
// selected one.
import type {Connection} from '../../driver/client/connection.js';
import {runVerbOn} from '../../src/verbs.js';

export type UiVerb = 'quit' | 'help' | 'details' | 'errors' | 'log' | 'edit' | 'console' | 'filter' | 'sort';

export const uiVerbs: Record<string, UiVerb> = {
  q: 'quit',
  quit: 'quit',
  exit: 'quit',
  help: 'help',
  '?': 'help',
  details: 'details',
  dominfo: 'details',
  errors: 'errors',
  problems: 'errors',
  validate: 'errors',
  log: 'log',
  edit: 'edit',
  console: 'console',
  filter: 'filter',
  sort: 'sort',
};

/** CLI verbs that act on one domain: without a name they get the selected one. */
const domainVerbs = new Set([
  'start',
  'shutdown',
  'destroy',
  'reboot',
  'undefine',
  'autostart',
  'dumpxml',
  'domstate',
  'domxml-to-native',
  'details',
  'dominfo',
  'errors',
  'problems',
  'validate',
  'log',
  'edit',
  'console',
]);

const knownVerbs = [
  ...new Set([
    ...Object.keys(uiVerbs).filter((verb) => verb.length > 1),
    'start',
    'shutdown',
    'destroy',
    'reboot',
    'undefine',
    'autostart',
    'dumpxml',
    'define',
    'list',
    'domstate',
    'version',
  ]),
].sort();

/** Splits a command line like a shell would for simple cases: blanks, 'single' and "double" quotes. */
export function parseArgv(line: string): string[] {
  const argv: string[] = [];
  let current = '';
  let quote: string | undefined;
  let started = false;
  for (const char of line) {
    if (quote !== undefined) {
      if (char === quote) {
        quote = undefined;
      } else {
        current += char;
      }
    } else if (char === "'" || char === '"') {
      quote = char;
      started = true;
    } else if (/\s/.test(char)) {
      if (started || current !== '') {
        argv.push(current);
      }

      current = '';
      started = false;
    } else {
      current += char;
    }
  }

  if (started || current !== '') {
    argv.push(current);
  }

  return argv;
}

/** argv with the selected domain appended when a domain verb has no positional argument. */
export function withDefaultDomain(argv: readonly string[], selected: string | undefined): string[] {
  const [verb, ...rest] = argv;
  if (verb === undefined || !domainVerbs.has(verb) || selected === undefined) {
    return [...argv];
  }

  const hasName = rest.some((argument) => !argument.startsWith('-'));
  return hasName ? [...argv] : [...argv, selected];
}

/** The domain name argument of a domain verb (its last positional argument). */
export function domainArgument(argv: readonly string[]): string | undefined {
  return argv
    .slice(1)
    .filter((argument) => !argument.startsWith('-'))
    .at(-1);
}

/** Tab: completes the last word with a verb (first word) or a domain name. */
export function complete(line: string, names: readonly string[]): string {
  const match = /(\S*)$/.exec(line);
  const word = match?.[1] ?? '';
  const first = line.trim() === word;
  const candidates = (first ? knownVerbs : names).filter((candidate) => candidate.startsWith(word));
  if (candidates.length === 0) {
    return line;
  }

  let common = candidates[0] ?? '';
  for (const candidate of candidates) {
    while (!candidate.startsWith(common)) {
      common = common.slice(0, -1);
    }
  }

  const done = candidates.length === 1;
  return line.slice(0, line.length - word.length) + common + (done ? ' ' : '');
}

/**
 * A `:` verb that is not the TUI's own: the CLI's implementation of it (src/verbs.ts), run
 * on the TUI's connection. Resolves with what `bhyve-tui VERB ...` prints; rejects with the
 * error it would print.
 */
export async function runOnConnection(connection: Connection, argv: readonly string[], options: {shutdownTimeoutS?: number} = {}): Promise<string> {
  if (argv[0] === undefined) {
    return '';
  }

  return runVerbOn(connection, argv, options);
}
