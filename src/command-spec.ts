// What a CLI verb declares about itself; src/verbs.ts parses arguments against it, and
// runs it for the CLI (src/cli.tsx) and for the TUI's `:` line alike.
import type {Connection} from '../driver/client/connection.js';

export class UsageError extends Error {}

export interface CommandContext {
  uri: string;
  /** positional arguments after the verb */
  args: string[];
  /** flags given: '--all' → true, '--timeout' → '30' */
  flags: Map<string, string | true>;
  /** opens the connection named by -c (or the default); the TUI's own connection there */
  connect(): Promise<Connection>;
  /** the verb's output (stdout for the CLI; the TUI shows it) */
  print(text: string): void;
  /** one line for stderr, with its 'warning: ' or 'error: ' prefix */
  note(line: string): void;
}

export interface CommandSpec {
  name: string;
  /** e.g. 'start NAME [--console]' */
  synopsis: string;
  summary: string;
  /** accepted flags; a trailing '=' means the flag takes a value ('--timeout=') */
  flags: string[];
  /** number of positional arguments: exact, or [min, max] */
  args: number | [number, number];
  /** hidden from --help (internal verbs) */
  hidden?: boolean;
  /**
   * The verb takes the terminal for itself (a console, an editor, a daemon in the
   * foreground) with these flags: what to do instead inside the TUI. Undefined when not.
   */
  needsTerminal?(flags: Map<string, string | true>): string | undefined;
  /** the exit status; output through ctx.print and ctx.note; failures throw (DriverError, UsageError) */
  run(ctx: CommandContext): Promise<number>;
}

export function flagValue(ctx: CommandContext, flag: string): string | undefined {
  const v = ctx.flags.get(flag);
  return typeof v === 'string' ? v : undefined;
}
