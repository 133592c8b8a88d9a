// UUID and MAC address parsing/formatting/generation with libvirt's rules.

import {randomBytes} from 'node:crypto';

const HEX = '0123456789abcdef';

/**
 * Parse a UUID liberally, like virUUIDParse: surrounding whitespace allowed,
 * '-' and ' ' allowed between hex digit pairs, exactly 32 hex digits.
 * Returns the canonical lowercase dashed form or undefined.
 */
export function parseUuid(s: string): string | undefined {
  let i = 0;
  while (i < s.length && /\s/.test(s[i]!)) i++;
  const bytes: number[] = [];
  while (bytes.length < 16) {
    const c = s[i];
    if (c === undefined) return undefined;
    if (c === '-' || c === ' ') {
      i++;
      continue;
    }
    const hi = HEX.indexOf(c.toLowerCase());
    const d2 = s[i + 1];
    if (hi < 0 || d2 === undefined) return undefined;
    const lo = HEX.indexOf(d2.toLowerCase());
    if (lo < 0) return undefined;
    bytes.push(hi * 16 + lo);
    i += 2;
  }
  for (; i < s.length; i++) if (!/\s/.test(s[i]!)) return undefined;
  return formatUuidBytes(bytes);
}

function formatUuidBytes(b: readonly number[]): string {
  const h = b.map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Random UUID as libvirt generates it (random bytes, RFC 4122 v4 bits). */
// Random bytes are taken from a pool: one call into the system's generator per 64
// identifiers instead of one per MAC address (a domain list parses many at once).
let pool = Buffer.alloc(0);
let poolPos = 0;

function randomByteArray(n: number): number[] {
  if (poolPos + n > pool.length) {
    pool = randomBytes(1024);
    poolPos = 0;
  }
  const out = [...pool.subarray(poolPos, poolPos + n)];
  poolPos += n;
  return out;
}

export function generateUuid(): string {
  const b = randomByteArray(16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  return formatUuidBytes(b);
}

/**
 * Parse a MAC address like virMacAddrParse. Returns `{ok, bytes}`: on
 * failure `bytes` holds whatever was parsed before the error (libvirt keeps
 * such partial addresses in one place, see native argv parsing).
 */
export function parseMacPartial(str: string): {ok: boolean; bytes: number[]} {
  const bytes = [0, 0, 0, 0, 0, 0];
  let s = str;
  for (let i = 0; i < 6; i++) {
    if (!/^[0-9a-fA-F]/.test(s)) return {ok: false, bytes};
    const m = /^[0-9a-fA-F]+/.exec(s)!;
    const digits = m[0];
    if (digits.length < 1 || digits.length > 2) return {ok: false, bytes};
    bytes[i] = parseInt(digits, 16);
    const rest = s.slice(digits.length);
    if (i === 5 && (rest === '' || rest.charCodeAt(0) <= 0x20)) return {ok: true, bytes};
    if (rest[0] !== ':') return {ok: false, bytes};
    s = rest.slice(1);
  }
  return {ok: false, bytes};
}

export function formatMac(bytes: readonly number[]): string {
  return bytes.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

/** Canonical lowercase MAC or undefined. */
export function parseMac(s: string): string | undefined {
  const r = parseMacPartial(s);
  return r.ok ? formatMac(r.bytes) : undefined;
}

export function isMulticastMac(mac: string): boolean {
  return (parseInt(mac.slice(0, 2), 16) & 1) === 1;
}

/** Random MAC with libvirt's default prefix 52:54:00. */
export function generateMac(): string {
  const b = randomByteArray(3);
  return formatMac([0x52, 0x54, 0x00, ...b]);
}

/**
 * virDiskNameToIndex: "hda" -> 0, "sdb" -> 1, "vdaa" -> 26, trailing
 * partition digits allowed. Returns -1 for names it cannot parse.
 */
export function diskNameToIndex(name: string): number {
  const prefixes = ['fd', 'hd', 'vd', 'sd', 'xvd', 'ubd'];
  const p = prefixes.find((x) => name.startsWith(x));
  if (p === undefined) return -1;
  let i = p.length;
  let idx = 0;
  let n = 0;
  while (i < name.length && name[i]! >= 'a' && name[i]! <= 'z') {
    idx = (idx + (n < 1 ? 0 : 1)) * 26;
    idx += name.charCodeAt(i) - 97;
    i++;
    n++;
  }
  if (!/^[0-9]*$/.test(name.slice(i))) return -1;
  return idx;
}
