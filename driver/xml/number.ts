// Integer parsing with C library semantics, as libvirt's virStrToLong_* helpers use them.

/**
 * Unsigned integer like virStrToLong_uip / virXMLPropUInt: optional leading
 * whitespace, optional '+', digits in `base` (0 = C notation: 0x hex, 0 octal,
 * decimal), nothing after. Negative values are rejected. Returns undefined on
 * failure or when the value exceeds `max`.
 */
export function parseUnsigned(s: string | undefined, base: 0 | 10 | 16 = 10, max = 0xffffffff): number | undefined {
  if (s === undefined) return undefined;
  const m = /^[ \t\n\v\f\r]*\+?(.*)$/s.exec(s)!;
  let body = m[1]!;
  let radix: number = base;
  if (base === 0) {
    if (/^0[xX]/.test(body)) {
      radix = 16;
      body = body.slice(2);
      if (body === '') return undefined;
    } else if (body.length > 1 && body[0] === '0') {
      radix = 8;
      body = body.slice(1);
    } else radix = 10;
  } else if (base === 16 && /^0[xX]/.test(body)) {
    body = body.slice(2);
  }
  const digits = radix === 16 ? /^[0-9a-fA-F]+$/ : radix === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
  if (!digits.test(body)) return undefined;
  const v = parseInt(body, radix);
  if (!Number.isSafeInteger(v) || v > max) return undefined;
  return v;
}

/** Signed integer like virStrToLong_i (base 10). */
export function parseSigned(s: string | undefined, min = -0x80000000, max = 0x7fffffff): number | undefined {
  if (s === undefined) return undefined;
  const m = /^[ \t\n\v\f\r]*([+-]?[0-9]+)$/.exec(s);
  if (!m) return undefined;
  const v = parseInt(m[1]!, 10);
  if (!Number.isSafeInteger(v) || v < min || v > max) return undefined;
  return v;
}
