// A console session's bytes on the daemon socket. After the 'console' request is answered,
// both sides send frames: one type byte, a 4-byte big-endian length, the payload. Data
// frames carry raw bytes (all 256 values); an end frame carries why the session ended.
export const FRAME_DATA = 1;
export const FRAME_END = 2;
/** The largest payload a reader accepts; a sender splits anything longer. */
export const MAX_FRAME = 1 << 20;

/** The one error a FrameReader throws: the peer broke the framing. */
export class ConsoleFrameError extends Error {
  override readonly name = 'ConsoleFrameError';
}

export function frame(type: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head[0] = type;
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

/**
 * Cuts a byte stream into frames, whatever the chunks it arrives in. Bytes are appended to
 * one buffer that grows by doubling, so a peer that sends a big frame a byte at a time costs
 * time and memory in proportion to its bytes, not to their square. A payload handed out is
 * never written again: the buffer is only ever appended to, and replaced when it is full.
 */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);
  /** the unread bytes are buf[start, end) */
  private start = 0;
  private end = 0;

  constructor(private readonly onFrame: (type: number, payload: Buffer) => void) {}

  push(chunk: Buffer): void {
    const unread = this.end - this.start;
    if (this.end + chunk.length > this.buf.length) {
      const next = Buffer.allocUnsafe(Math.max(4096, 2 * (unread + chunk.length)));
      this.buf.copy(next, 0, this.start, this.end);
      this.buf = next;
      this.start = 0;
      this.end = unread;
    }
    chunk.copy(this.buf, this.end);
    this.end += chunk.length;
    while (this.end - this.start >= 5) {
      const len = this.buf.readUInt32BE(this.start + 1);
      if (len > MAX_FRAME) throw new ConsoleFrameError(`console frame of ${len} bytes (at most ${MAX_FRAME})`);
      if (this.end - this.start < 5 + len) return;
      const type = this.buf[this.start]!;
      const payload = this.buf.subarray(this.start + 5, this.start + 5 + len);
      this.start += 5 + len;
      this.onFrame(type, payload);
    }
  }
}
