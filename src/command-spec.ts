// What a CLI verb declares about itself; src/cli.tsx parses arguments against it.
import type {DaemonConnection} from '../driver/client/daemon-client.js';

export class UsageError extends Error {}

export interface CommandContext {
  uri: string;
  /** positional arguments after the verb */
  args: string[];
  /** flags given: '--all' → true, '--timeout' → '30' */
  flags: Map<string, string | true>;
  /** opens the connection named by -c (or the default) */
  connect(): Promise<DaemonConnection>;
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
  run(ctx: CommandContext): Promise<number>;
}

export function flagValue(ctx: CommandContext, flag: string): string | undefined {
  const v = ctx.flags.get(flag);
  return typeof v === 'string' ? v : undefined;
}
