// A console session's bytes on the daemon socket. After the 'console' request is answered,
// both sides send frames: one type byte, a 4-byte big-endian length, the payload. Data
// frames carry raw bytes (all 256 values); an end frame carries why the session ended.
export const FRAME_DATA = 1;
export const FRAME_END = 2;
/** The largest payload a reader accepts; a sender splits anything longer. */
export const MAX_FRAME = 1 << 20;

export function frame(type: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head[0] = type;
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);

  constructor(private readonly onFrame: (type: number, payload: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    while (this.buf.length >= 5) {
      const len = this.buf.readUInt32BE(1);
      if (len > MAX_FRAME) throw new Error('console frame too large');
      if (this.buf.length < 5 + len) return;
      const type = this.buf[0]!;
      const payload = this.buf.subarray(5, 5 + len);
      this.buf = this.buf.subarray(5 + len);
      this.onFrame(type, payload);
    }
  }
}
