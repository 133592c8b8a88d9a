// The daemon owns each running guest's console: it opens the user side (B) of the nmdm
// pair when the guest starts and reads it for the guest's whole life, so output printed
// while nobody is attached is kept (a scrollback ring and a rotated console log). Clients
// attach through the daemon: one interactive client at a time (another may take over with
// force), any number of read-only watchers. Detaching never disturbs the guest.
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {finished} from 'node:stream';
import tty from 'node:tty';
import type net from 'node:net';
import {DriverError} from '../client/connection.js';
import type {HostLayout} from '../host/layout.js';
import {FRAME_DATA, FRAME_END, MAX_FRAME, frame} from '../protocol/console-frames.js';
import {readBounded} from '../io/bounded-read.js';
import {AppendLog} from '../io/append-log.js';

/** Output queued for one client beyond this ends its session. */
const maxClientBacklog = 4 * 1024 * 1024;

export interface ConsoleClient {
  sock: net.Socket;
  readonly: boolean;
  pid: number;
  user: string;
  since: Date;
}

/**
 * Opens a tty device as bhyve does (O_RDWR|O_NONBLOCK|O_NOCTTY); nmdm names clone the pair.
 * O_NONBLOCK matters: on FreeBSD an open without it waits for carrier when CLOCAL is off.
 * The host's backend knows how (on the simulator a pair is a relay between two ptys).
 */
function openDevice(layout: HostLayout, hostPath: string): Promise<number> {
  return layout.backend.openConsoleDevice(hostPath);
}

/**
 * Puts the console raw both ways like cu(1) (no echo, no line editing, no output
 * processing) and sets CLOCAL, on the tty open as `fd`. CLOCAL makes the console ignore
 * the modem carrier, which an nmdm side has only while the other side (the loader's, then
 * bhyve's) is open. Without it FreeBSD turns the console into a zombie (end of file, EIO)
 * whenever the loader exits or the guest reboots (sys/kern/tty_ttydisc.c ttydisc_modem),
 * and an open without O_NONBLOCK waits in the kernel for carrier (sys/kern/tty.c
 * ttydev_open). Building a tty stream is such an open: libuv reopens the device by name.
 * stty works on its standard input; the shell gives it fd 3 as stdin because libuv makes a
 * child's fds 0-2 blocking, which would clear O_NONBLOCK on the daemon's open file too.
 * It is the host's /bin/stty (FreeBSD's grammar; the simulator's stand-in checks it).
 */
function setConsoleModes(layout: HostLayout, fd: number, device: string): Promise<void> {
  const sttyProgram = layout.tool('stty');
  return new Promise((resolve, reject) => {
    let stderr = '';
    const child = spawn('/bin/sh', ['-c', 'exec "$0" "$@" <&3', sttyProgram, 'raw', '-echo', '-opost', 'clocal'], {stdio: ['ignore', 'ignore', 'pipe', fd]});
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', (e) => reject(new Error(`cannot run ${sttyProgram} for ${device}: ${e.message}`)));
    child.once('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${sttyProgram} could not make ${device} raw with clocal: ${stderr.trim() || `exit ${code ?? signal}`}`));
    });
  });
}

/**
 * A tty stream on `fd`. libuv reopens a tty by name, dup2()s the new open file over `fd`
 * and keeps a descriptor of its own, which is the one destroying the stream closes: `fd`
 * would stay open (the device never closed). Close it now.
 */
function ttyStream<T extends tty.ReadStream | tty.WriteStream>(make: (fd: number) => T, fd: number): T {
  const stream = make(fd);
  const used = (stream as unknown as {_handle?: {fd?: unknown}})._handle?.fd;
  if (typeof used === 'number' && used >= 0 && used !== fd) fs.closeSync(fd);
  return stream;
}

/** Resolves once the stream is destroyed and its descriptor closed. */
function destroyed(stream: tty.ReadStream | tty.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    finished(stream, () => resolve());
    stream.destroy();
  });
}

/** A console whose device ends while the guest runs is reopened at most this often... */
const maxReopens = 5;
/** ...within this window; after that it stays closed (the guest keeps running). */
const reopenWindowMs = 60_000;

const maxPendingInput = 1024 * 1024;

/** A byte ring: the last `size` bytes written. */
class Ring {
  private buf: Buffer;
  private start = 0;
  private len = 0;

  constructor(readonly size: number) {
    this.buf = Buffer.alloc(size);
  }

  write(data: Buffer): void {
    if (data.length >= this.size) {
      data.copy(this.buf, 0, data.length - this.size);
      this.start = 0;
      this.len = this.size;
      return;
    }
    const end = (this.start + this.len) % this.size;
    const first = Math.min(data.length, this.size - end);
    data.copy(this.buf, end, 0, first);
    if (first < data.length) data.copy(this.buf, 0, first);
    const overflow = Math.max(0, this.len + data.length - this.size);
    this.len = Math.min(this.size, this.len + data.length);
    this.start = (this.start + overflow) % this.size;
  }

  contents(): Buffer {
    if (this.start + this.len <= this.size) return Buffer.from(this.buf.subarray(this.start, this.start + this.len));
    return Buffer.concat([this.buf.subarray(this.start), this.buf.subarray(0, (this.start + this.len) % this.size)]);
  }
}

export class GuestConsole {
  private reader: tty.ReadStream | undefined;
  private writer: tty.WriteStream | undefined;
  private ring: Ring;
  /** the console log; on a full disk it pauses while the console itself goes on */
  private logFile: AppendLog | undefined;
  private clients = new Set<ConsoleClient>();
  private holder: ConsoleClient | undefined;
  private closed = false;
  private reopening = false;
  /** settles once every set-up, reopen and stream close begun so far has ended (released()) */
  private busy: Promise<unknown> = Promise.resolve();
  private reopens: number[] = [];

  constructor(
    private readonly layout: HostLayout,
    readonly name: string,
    readonly device: string,
    private readonly opts: {scrollbackKiB: number; logMaxKiB: number},
    private readonly log: (text: string) => void = () => {},
  ) {
    this.ring = new Ring(opts.scrollbackKiB * 1024);
  }

  get logPath(): string {
    return path.join(this.layout.logDir, `${this.name}.console.log`);
  }

  /** Opens the device (creating an nmdm pair as FreeBSD's devfs does) and starts reading. */
  async open(): Promise<void> {
    if (this.reader) return;
    await this.track(this.connect());
    // Closed while connecting (the guest stopped): close() released the streams.
    if (this.closed) throw new Error('the console was closed meanwhile');
    this.seedFromLog();
    this.logFile = new AppendLog(this.logPath, {
      rotateBytes: this.opts.logMaxKiB * 1024,
      onPause: (p) => this.log(`console logging paused: ${p.error}; the console keeps working, its output is not logged until writes succeed again`),
      onResume: (p, lost) => this.log(`console logging resumed; paused since ${p.since}: ${p.cause}; ${lost} bytes of console output were not logged`),
    });
    this.logFile.open();
  }

  /**
   * One non-blocking open, raw + CLOCAL on it, and only then a second open and the tty
   * streams (whose reopen by libuv then never waits for carrier on FreeBSD).
   */
  private async connect(): Promise<void> {
    let fds: number[] = [];
    for (let attempt = 1; ; attempt++) {
      fds = [];
      try {
        fds.push(await openDevice(this.layout, this.device));
        await setConsoleModes(this.layout, fds[0]!, this.device);
        if (this.closed) throw new Error('the console was closed meanwhile');
        fds.push(await openDevice(this.layout, this.device));
        if (this.closed) throw new Error('the console was closed meanwhile');
        break;
      } catch (e) {
        for (const fd of fds) fs.closeSync(fd);
        // The other side closed (the loader exited) between the open and CLOCAL: this open
        // turned zombie (EIO). It clears once every descriptor of it is closed, as ours now
        // are (tty_ttydisc.c ttydisc_close): open again.
        if (this.closed || attempt >= 3 || !/Input\/output error|EIO/.test((e as Error).message)) throw e;
        this.log(`console ${this.device}: lost carrier before CLOCAL was set; opening it again`);
        await new Promise((r) => setTimeout(r, 100 * attempt));
      }
    }
    const reader = ttyStream((fd) => new tty.ReadStream(fd), fds[0]!);
    const writer = ttyStream((fd) => new tty.WriteStream(fd), fds[1]!);
    // Node makes tty write streams blocking. A guest that stops reading its console (hung,
    // or its UART FIFO full while it does not drain it) would then stop the whole daemon
    // in one write: every guest, every client. Non-blocking, the bytes wait in the stream.
    (writer as unknown as {_handle?: {setBlocking?(on: boolean): number}})._handle?.setBlocking?.(false);
    writer.on('error', (e: Error) => this.lost(reader, e.message));
    reader.on('error', (e: Error) => this.lost(reader, e.message));
    reader.on('end', () => this.lost(reader, 'end of file'));
    reader.on('data', (chunk: Buffer) => this.output(chunk));
    this.reader = reader;
    this.writer = writer;
  }

  /**
   * The device ended (end of file, EIO) while the guest runs: on FreeBSD, a console that
   * lost carrier without CLOCAL. It stays a zombie until every descriptor of it is closed,
   * so close both, then open it afresh; clients stay attached meanwhile.
   */
  private lost(reader: tty.ReadStream, why: string): void {
    if (this.closed || this.reader !== reader) return;
    const streams = [this.reader, this.writer].filter((x) => x !== undefined);
    this.reader = undefined;
    this.writer = undefined;
    void this.track(Promise.all(streams.map(destroyed)).then(() => this.reopen(why)));
  }

  /** Remembers work that holds (or is about to open) the device, for released(). */
  private track<T>(work: Promise<T>): Promise<T> {
    this.busy = Promise.all([this.busy, work.catch(() => {})]);
    return work;
  }

  /**
   * Resolves once, after close(), nothing of this console holds the device: a set-up or
   * reopen still under way (its stty, its first descriptor) has ended, and the streams'
   * descriptors are closed. A guest is not reported stopped before that, so the next start's
   * console never meets a descriptor of this one (on FreeBSD still without CLOCAL).
   */
  async released(): Promise<void> {
    await this.busy;
  }

  private async reopen(why: string): Promise<void> {
    if (this.closed || this.reopening) return;
    this.reopening = true;
    try {
      for (;;) {
        const now = Date.now();
        this.reopens = this.reopens.filter((t) => now - t < reopenWindowMs);
        if (this.reopens.length >= maxReopens) {
          this.log(`console ${this.device}: ${why}; not reopened again (${maxReopens} reopens within ${reopenWindowMs / 1000} s)`);
          return;
        }
        // Back off when it keeps ending: at once, then 0.1, 0.2, 0.4, 0.8 s.
        const pause = this.reopens.length === 0 ? 0 : 100 * 2 ** (this.reopens.length - 1);
        this.reopens.push(now);
        this.log(`console ${this.device}: ${why} while the guest runs; reopening it`);
        await new Promise((r) => setTimeout(r, pause));
        if (this.closed) return;
        try {
          await this.connect();
          return;
        } catch (e) {
          why = `reopening failed: ${(e as Error).message}`;
        }
      }
    } finally {
      this.reopening = false;
    }
  }

  /** After a daemon restart the ring starts from the end of the console log. */
  private seedFromLog(): void {
    try {
      this.ring.write(readBounded(this.logPath, {maxBytes: this.ring.size, tail: true}));
    } catch {
      // no log yet (or not a file: nothing to seed from)
    }
  }

  private output(chunk: Buffer): void {
    // Clients first: the (synchronous) log write is not on the way of a keystroke's echo,
    // and a log that cannot be written (a full disk) never stops the console.
    const f = frame(FRAME_DATA, chunk);
    for (const c of [...this.clients]) {
      if (c.sock.destroyed) continue;
      // A client that stopped reading must not make the daemon hold the guest's output.
      if (c.sock.writableLength > maxClientBacklog) this.end(c, 'closed', 'the client fell too far behind the guest output');
      else c.sock.write(f);
    }
    this.ring.write(chunk);
    this.logFile?.write(chunk);
  }

  holderInfo(): string | null {
    const h = this.holder;
    if (!h) return null;
    return `pid ${h.pid} (${h.user}) since ${h.since.toISOString().replace('T', ' ').slice(0, 19)}`;
  }

  /** Throws DriverError naming the holder when the console is busy and the client may not take it. */
  checkAttach(client: ConsoleClient, force: boolean): void {
    if (!client.readonly && this.holder && !this.holder.sock.destroyed && !force) {
      throw new DriverError(`the console of '${this.name}' is in use by ${this.holderInfo()}; attach with --force to take it over, or --readonly to watch`);
    }
  }

  /** Adds a client (after checkAttach): replays the scrollback, then streams live output. */
  attach(client: ConsoleClient, force: boolean): void {
    this.checkAttach(client, force);
    if (!client.readonly) {
      if (this.holder && !this.holder.sock.destroyed) this.end(this.holder, 'taken', `by pid ${client.pid} (${client.user})`);
      this.holder = client;
    }
    this.clients.add(client);
    const replay = this.ring.contents();
    // The scrollback may be larger than one frame may carry (console.scrollbackKiB).
    for (let at = 0; at < replay.length; at += MAX_FRAME) client.sock.write(frame(FRAME_DATA, replay.subarray(at, at + MAX_FRAME)));
    client.sock.on('close', () => this.detach(client));
  }

  input(client: ConsoleClient, bytes: Buffer): void {
    if (client !== this.holder || client.readonly || !this.writer) return;
    // Keys for a guest that does not read them are lost past this, like a UART overrun,
    // rather than held without bound.
    if (this.writer.writableLength > maxPendingInput) return;
    this.writer.write(bytes);
  }

  detach(client: ConsoleClient): void {
    this.clients.delete(client);
    if (this.holder === client) this.holder = undefined;
  }

  private end(client: ConsoleClient, why: 'stopped' | 'taken' | 'closed', detail?: string): void {
    this.detach(client);
    if (!client.sock.destroyed) client.sock.end(frame(FRAME_END, Buffer.from(JSON.stringify({why, ...(detail ? {detail} : {})}))));
  }

  /** The guest stopped: tell every client why, release the device. */
  close(why: 'stopped' | 'closed', detail?: string): void {
    this.closed = true;
    for (const c of [...this.clients]) this.end(c, why, detail);
    void this.track(Promise.all([this.reader, this.writer].filter((x) => x !== undefined).map(destroyed)));
    this.reader = undefined;
    this.writer = undefined;
    this.logFile?.close();
    this.logFile = undefined;
  }
}
