// A serial console endpoint as bhyve and the loaders use it: a tty opened non-blocking
// (nmdm side A or any tty) or stdio. Writes never block: bytes wait in a bounded queue
// and are retried when the tty is full, beyond the bound they are lost (a UART with
// nobody draining it loses characters too).
import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import tty from 'node:tty';
import {PassThrough} from 'node:stream';
import {openTtyBackend} from './nmdm.js';
import {errnoCode} from './tool-runtime.js';

const MAX_QUEUED = 256 * 1024;

export class ConsolePort {
  private queue: Buffer[] = [];
  private queued = 0;
  private retry: NodeJS.Timeout | null = null;
  private waiters: (() => void)[] = [];
  private input: NodeJS.ReadableStream | null = null;

  private constructor(
    private readonly fd: number,
    private readonly isStdio: boolean,
  ) {}

  /** Open `spec` ("stdio" or a device path in the sim tree); throws errno errors. */
  static open(root: string, spec: string): ConsolePort {
    if (spec === 'stdio') return new ConsolePort(1, true);
    const fd = openTtyBackend(root, spec);
    // Before anything else, as bhyve's uart backend (uart_backend.c ttyopen) and the
    // loaders do: cfmakeraw plus CLOCAL, so this side ignores the carrier (a new nmdm side
    // starts cooked, with echo and without CLOCAL). Later opens of the device (libuv
    // reopens a tty by name, without O_NONBLOCK) then never wait for a carrier. stty acts
    // on its stdin; the tty goes in as fd 3 because a child's fds 0-2 are made blocking
    // by libuv, which would clear O_NONBLOCK on this open file too.
    spawnSync('/bin/sh', ['-c', 'exec stty raw -echo clocal <&3'], {stdio: ['ignore', 'ignore', 'ignore', fd]});
    return new ConsolePort(fd, false);
  }

  write(data: string | Buffer): void {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    if (this.queued + buf.length > MAX_QUEUED) return;
    this.queue.push(buf);
    this.queued += buf.length;
    this.flush();
  }

  private flush(): void {
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      let n: number;
      try {
        n = fs.writeSync(this.fd, head);
      } catch (e) {
        const code = errnoCode(e);
        if (code === 'EAGAIN') {
          this.retry ??= setTimeout(() => {
            this.retry = null;
            this.flush();
          }, 10);
          return;
        }
        // The tty went away (relay killed): drop everything, like a dead line.
        this.queue = [];
        this.queued = 0;
        break;
      }
      this.queued -= n;
      if (n === head.length) this.queue.shift();
      else this.queue[0] = head.subarray(n);
    }
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolve when queued output is written (or after timeoutMs). */
  drain(timeoutMs = 1000): Promise<void> {
    if (this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, timeoutMs);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  /** Start delivering input bytes. */
  onData(cb: (data: Buffer) => void): void {
    if (this.input) return;
    let stream: NodeJS.ReadableStream;
    if (this.isStdio) {
      stream = process.stdin;
      if (process.stdin.isTTY) process.stdin.setRawMode(true);
    } else {
      try {
        stream = new tty.ReadStream(this.fd);
      } catch {
        // The line is already dead (a zombie side after the other side's last close, see
        // nmdm.ts). bhyveload's cb_getc (usr.sbin/bhyveload/bhyveload.c) returns -1 when
        // read(2) gives no byte and its countdown goes on: a dead line never delivers a key.
        stream = new PassThrough();
      }
    }
    stream.on('data', (d: Buffer | string) => cb(typeof d === 'string' ? Buffer.from(d, 'utf8') : d));
    stream.on('error', () => {
      /* EIO when the relay vanished: the line is dead, nothing more to read */
    });
    this.input = stream;
  }

  private keys: number[] = [];
  private keyWaiter: (() => void) | null = null;

  /**
   * Next input byte, or null after timeoutMs (null = wait forever). Bytes are queued,
   * so keys typed in one burst are all seen (for the loaders' menus).
   */
  readKey(timeoutMs: number | null): Promise<number | null> {
    this.onData((d) => {
      this.keys.push(...d);
      this.keyWaiter?.();
    });
    return new Promise((resolve) => {
      const take = (): void => {
        this.keyWaiter = null;
        if (timer) clearTimeout(timer);
        resolve(this.keys.shift() ?? null);
      };
      const timer = timeoutMs === null ? null : setTimeout(take, timeoutMs);
      if (this.keys.length > 0) take();
      else this.keyWaiter = take;
    });
  }

  /** Stop reading so the process can exit. */
  close(): void {
    if (this.retry) clearTimeout(this.retry);
    const s = this.input as (NodeJS.ReadableStream & {destroy?: () => void}) | null;
    if (s && !this.isStdio) s.destroy?.();
    else if (s) process.stdin.pause();
  }
}
