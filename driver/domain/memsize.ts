// Memory size parsing: libvirt's scaled XML values (<memory unit='...'>),
// FreeBSD expand_number(3) and bhyve's -m argument.

import {VirError} from './errors.js';

const U64_MAX = (1n << 64n) - 1n;

/** strtoull-like base-10 parse of a whole string (leading whitespace and '+' allowed). */
function parseWholeUnsigned(s: string): bigint | undefined {
  const m = /^[ \t\n\v\f\r]*\+?([0-9]+)$/.exec(s);
  if (!m) return undefined;
  const v = BigInt(m[1]!);
  return v > U64_MAX ? undefined : v;
}

/**
 * Multiplier for a libvirt unit suffix (virScaleInteger): b/byte/bytes = 1;
 * k, KiB, m, MiB ... = powers of 1024; KB, MB ... = powers of 1000.
 * An empty/absent suffix means `defaultScale`.
 */
function unitScale(suffix: string | undefined, defaultScale: bigint): bigint {
  if (!suffix) return defaultScale;
  const lower = suffix.toLowerCase();
  if (lower === 'b' || lower === 'byte' || lower === 'bytes') return 1n;
  let base: bigint;
  if (suffix.length === 1 || suffix.slice(1).toLowerCase() === 'ib') base = 1024n;
  else if (suffix.length === 2 && suffix[1]!.toLowerCase() === 'b') base = 1000n;
  else throw new VirError('invalid-arg', `unknown suffix '${suffix}'`);
  const order = 'kmgtpe'.indexOf(lower[0]!);
  if (order < 0) throw new VirError('invalid-arg', `unknown suffix '${suffix}'`);
  return base ** BigInt(order + 1);
}

/**
 * Parse a memory element value the way libvirt parses <memory unit='...'>N</memory>:
 * N is a non-negative decimal integer, the unit defaults to KiB, and the
 * result is returned in KiB, rounded up. Throws VirError on bad input.
 *
 * `element` is used in messages (e.g. "./memory[1]").
 */
export function parseMemorySize(value: string, unit?: string, element = 'memory'): number {
  const n = parseWholeUnsigned(value);
  if (n === undefined) throw new VirError('xml', `could not parse element ${element}`);
  const scale = unitScale(unit, 1024n);
  const limit = BigInt(Number.MAX_SAFE_INTEGER) * 1024n; // keep KiB values exactly representable
  if (n !== 0n && n > limit / scale) {
    throw new VirError('overflow', `${n}${unit ?? ''}`);
  }
  const bytes = n * scale;
  return Number((bytes + 1023n) / 1024n);
}

/**
 * FreeBSD expand_number(3): a number in C notation (decimal, 0x hex, 0 octal),
 * optionally followed by one of b, k, m, g, t, p, e (case-insensitive; powers
 * of 1024) and, after a unit other than b, an optional ignored 'b'.
 * Returns the value in bytes or undefined on error/overflow.
 */
export function expandNumber(buf: string): bigint | undefined {
  // strtoumax(buf, &end, 0)
  const m = /^[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)?/.exec(buf)!;
  let number = 0n;
  let rest: string;
  if (m[2] === undefined) {
    // no digits: strtoumax consumes nothing
    rest = buf;
  } else {
    const digits = m[2];
    if (/^0[xX]/.test(digits)) number = BigInt(digits);
    else if (digits.length > 1 && digits[0] === '0') number = BigInt('0o' + digits.slice(1));
    else number = BigInt(digits);
    if (number > U64_MAX) return undefined; // ERANGE
    if (m[1] === '-') number = (U64_MAX + 1n - number) & U64_MAX;
    rest = buf.slice(m[0].length);
  }
  const unit = rest[0]?.toLowerCase();
  let shift: bigint;
  switch (unit) {
    case undefined:
      return number;
    case 'e':
      shift = 60n;
      break;
    case 'p':
      shift = 50n;
      break;
    case 't':
      shift = 40n;
      break;
    case 'g':
      shift = 30n;
      break;
    case 'm':
      shift = 20n;
      break;
    case 'k':
      shift = 10n;
      break;
    case 'b':
      shift = 0n;
      break;
    default:
      return undefined;
  }
  let i = 1;
  if (shift !== 0n && rest[i]?.toLowerCase() === 'b') i++;
  if (i !== rest.length) return undefined;
  const result = number << shift;
  if (result > U64_MAX) return undefined;
  return result;
}

/**
 * bhyve/bhyveload `-m` argument as libvirt's native-argv parser reads it:
 * a plain decimal below 1 MiB is a count of MiB, any other plain decimal is
 * bytes, anything else goes through expand_number. Returns KiB (truncated),
 * or undefined when the value cannot be parsed.
 */
export function parseBhyveMemArg(arg: string): number | undefined {
  let bytes: bigint | undefined;
  const plain = parseWholeUnsigned(arg);
  if (plain !== undefined) {
    bytes = plain < 1024n * 1024n ? plain * 1024n * 1024n : plain;
  } else {
    bytes = expandNumber(arg);
  }
  if (bytes === undefined) return undefined;
  const kib = bytes / 1024n;
  if (kib > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  return Number(kib);
}

/** bhyve's -m value for a domain: KiB / 1024 rounded up. */
export function kibToBhyveMiB(kib: number): number {
  return Math.ceil(kib / 1024);
}
