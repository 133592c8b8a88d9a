// Properties of the two framings on the daemon's socket: protocol lines (LineSplitter,
// driver/protocol/messages.ts) and console frames (FrameReader, driver/protocol/console-frames.ts).
// Whatever the chunks the bytes arrive in, the same lines and frames come out, whole and
// byte-identical; any bytes at all are taken or refused with the module's own error.
import test from 'ava';
import fc from 'fast-check';
import {LineSplitter, ProtocolLineError} from '../../../driver/protocol/messages.js';
import {ConsoleFrameError, FrameReader, MAX_FRAME, frame} from '../../../driver/protocol/console-frames.js';
import {checkProperty, throwsOnly, timed} from '../../helpers/property-runs.js';

/** `bytes` cut at the given points (any number, anywhere, empty chunks included). */
function chunked(bytes: Buffer, cuts: number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const c of at) {
    chunks.push(bytes.subarray(from, c));
    from = c;
  }
  chunks.push(bytes.subarray(from));
  return chunks;
}

const cuts = fc.array(fc.nat(), {maxLength: 40});
/** Protocol lines: any text without a newline, multi-byte characters and all. */
const line = fc
  .string({unit: fc.oneof(fc.constantFrom('€', '𝄞', 'é', '"', '{', '}', ' ', '\\'), fc.string({unit: 'grapheme', minLength: 1, maxLength: 1})), maxLength: 60})
  .filter((s) => !s.includes('\n'));

test('protocol lines: any chunking gives back the same lines, byte for byte', (t) => {
  checkProperty(
    t,
    'framing: lines',
    fc.property(fc.array(line, {maxLength: 20}), cuts, (lines, at) => {
      const got: string[] = [];
      const splitter = new LineSplitter((l) => got.push(l));
      for (const c of chunked(Buffer.from(lines.map((l) => `${l}\n`).join('')), at)) splitter.push(c);
      // (lines of nothing but blanks carry no request and are skipped)
      const want = lines.filter((l) => l.trim() !== '');
      if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`sent ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
    }),
    3000,
  );
});

test('protocol lines: any bytes are taken or refused with ProtocolLineError, quickly', (t) => {
  checkProperty(
    t,
    'framing: any bytes to LineSplitter',
    fc.property(fc.uint8Array({maxLength: 4000}), cuts, fc.integer({min: 1, max: 2000}), (bytes, at, maxLine) => {
      const splitter = new LineSplitter(() => {}, maxLine);
      timed('LineSplitter', 500, () =>
        throwsOnly(() => {
          for (const c of chunked(Buffer.from(bytes), at)) splitter.push(c);
        }, [ProtocolLineError]),
      );
    }),
    2000,
  );
});

const consoleFrame = fc.tuple(fc.constantFrom(1, 2), fc.uint8Array({maxLength: 300}));

test('console frames: any chunking gives back the same frames, byte for byte', (t) => {
  checkProperty(
    t,
    'framing: console frames',
    fc.property(fc.array(consoleFrame, {maxLength: 20}), cuts, (frames, at) => {
      const got: Array<[number, string]> = [];
      const reader = new FrameReader((type, payload) => got.push([type, Buffer.from(payload).toString('hex')]));
      for (const c of chunked(Buffer.concat(frames.map(([type, p]) => frame(type, Buffer.from(p)))), at)) reader.push(c);
      const want = frames.map(([type, p]) => [type, Buffer.from(p).toString('hex')]);
      if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`sent ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
    }),
    3000,
  );
});

test('console frames: any bytes are taken or refused with ConsoleFrameError, quickly', (t) => {
  // Lengths near the bound, as a hostile peer would send them, and random ones.
  const header = fc
    .tuple(fc.nat({max: 255}), fc.oneof(fc.nat({max: 64}), fc.integer({min: MAX_FRAME - 2, max: MAX_FRAME + 2}), fc.nat()))
    .map(([type, len]) => {
      const h = Buffer.alloc(5);
      h[0] = type;
      h.writeUInt32BE(len >>> 0, 1);
      return h;
    });
  const stream = fc
    .array(
      fc.oneof(
        header,
        fc.uint8Array({maxLength: 200}).map((b) => Buffer.from(b)),
      ),
      {maxLength: 20},
    )
    .map((parts) => Buffer.concat(parts));
  checkProperty(
    t,
    'framing: any bytes to FrameReader',
    fc.property(stream, cuts, (bytes, at) => {
      const reader = new FrameReader(() => {});
      timed('FrameReader', 500, () =>
        throwsOnly(() => {
          for (const c of chunked(bytes, at)) reader.push(c);
        }, [ConsoleFrameError]),
      );
    }),
    2000,
  );
});
