// vm_parse_memsize(3) from libvmmapi: a bare number below 1 MiB means megabytes, otherwise
// expand_number(3) with K/M/G/T (either case, optional trailing B not accepted).
const MiB = 1024 * 1024;

/** expand_number(3): digits plus an optional single unit letter. */
function expandNumber(text: string): number | null {
  const m = /^(\d+)([kKmMgGtTpPeE]?)$/.exec(text);
  if (!m) return null;
  const shift = {'': 0, k: 10, m: 20, g: 30, t: 40, p: 50, e: 60}[m[2]!.toLowerCase()] ?? 0;
  const n = Number(m[1]) * 2 ** shift;
  return Number.isSafeInteger(n) ? n : null;
}

export function parseMemsize(text: string): number | null {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n < MiB) return n * MiB;
    return n;
  }
  return expandNumber(text);
}
