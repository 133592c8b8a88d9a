// BSD getopt(3) as FreeBSD's libc implements it: no permutation (parsing stops at the
// first operand), "--" ends options, and the two libc diagnostics word for word.
interface ParsedOpt {
  opt: string;
  arg?: string;
}

export type GetoptResult = {ok: true; opts: ParsedOpt[]; operands: string[]} | {ok: false; message: string};

export function getopt(prog: string, argv: readonly string[], spec: string): GetoptResult {
  const opts: ParsedOpt[] = [];
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      i++;
      break;
    }
    if (!a.startsWith('-') || a === '-') break;
    for (let j = 1; j < a.length; j++) {
      const c = a[j]!;
      const at = c === ':' ? -1 : spec.indexOf(c);
      if (at < 0) return {ok: false, message: `${prog}: illegal option -- ${c}`};
      if (spec[at + 1] === ':') {
        let arg = a.slice(j + 1);
        if (arg === '') {
          if (i + 1 >= argv.length) return {ok: false, message: `${prog}: option requires an argument -- ${c}`};
          arg = argv[++i]!;
        }
        opts.push({opt: c, arg});
        break;
      }
      opts.push({opt: c});
    }
  }
  return {ok: true, opts, operands: argv.slice(i)};
}
