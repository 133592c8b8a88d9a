// Render an argv as display text the way libvirt's test suite writes
// command lines (.args / .ldargs files). For display and comparison only:
// nothing here is ever executed through a shell.

const NEEDS_QUOTE = /[\r\t\n !"#$&'()*;<>?[\\\]^`{|}~]/;

/** Shell-quote one argument: single quotes when needed, ' written as '\''. */
export function shellQuote(arg: string): string {
  if (arg === '') return "''";
  if (!NEEDS_QUOTE.test(arg)) return arg;
  return "'" + arg.replace(/'/g, "'\\''") + "'";
}

function basename(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? p : p.slice(i + 1);
}

export interface RenderOptions {
  /** Put options on their own lines joined by " \\\n" (default true). */
  linebreaks?: boolean;
  /** Write only the last path component of argv[0] (default true). */
  basenameProgram?: boolean;
  /** Environment assignments written before the program (none for bhyve). */
  env?: [string, string][];
}

/**
 * Byte-exact rendering of HARNESS §0.2: program basename, one option per
 * line, values kept on their option's line, shell quoting, final newline.
 */
export function renderCommandLine(argv: readonly string[], opts: RenderOptions = {}): string {
  const linebreaks = opts.linebreaks ?? true;
  const sep = linebreaks ? ' \\\n' : ' ';
  let out = '';
  for (const [k, v] of opts.env ?? []) out += `${k}=${shellQuote(v)}${sep}`;
  if (argv.length === 0) return out + '\n';
  const prog = opts.basenameProgram === false ? argv[0]! : basename(argv[0]!);
  out += shellQuote(prog);
  const isOpt = (a: string | undefined) => a?.startsWith('-') === true;
  // laterOpt[i]: some argument at index >= i starts with '-'
  const laterOpt: boolean[] = new Array(argv.length + 1).fill(false);
  for (let i = argv.length - 1; i >= 1; i--) laterOpt[i] = laterOpt[i + 1]! || isOpt(argv[i]);
  let seenOpt = false;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    let newline: boolean;
    if (isOpt(a)) newline = true;
    else newline = !(seenOpt && (isOpt(argv[i - 1]) || laterOpt[i + 1]!));
    out += (newline && linebreaks ? ' \\\n' : ' ') + shellQuote(a);
    if (isOpt(a)) seenOpt = true;
  }
  return out + '\n';
}

/** One-line rendering with full program path (domxml-to-native style). */
export function renderCommandLineFlat(argv: readonly string[]): string {
  return renderCommandLine(argv, {linebreaks: false, basenameProgram: false});
}
