// The daemon's logs (its own, each domain's, each console's) are appended to without ever
// throwing. A log that cannot be written (a full disk, an I/O error, a read-only file
// system, no descriptors left) pauses: it says so once (the daemon log and the host panel
// learn it through `logPauses`), drops what it cannot write, counting the bytes, and tries
// again with the first write at least `logRetryMs` after the last failure. Whatever the
// log, the daemon and the guest carry on.
import fs from 'node:fs';
import path from 'node:path';
import {fileError} from './fs-errors.js';

/** How long a paused log waits before it tries a write again. */
export const logRetryMs = 2000;

export interface LogPause {
  file: string;
  /** one line: "cannot write FILE: no space left on device (ENOSPC)" */
  error: string;
  /** "no space left on device (ENOSPC)" */
  cause: string;
  /** ISO time of the first failure */
  since: string;
}

/** pause: it paused; null with lostBytes: it resumed; null without: it was closed while paused */
type PauseListener = (file: string, pause: LogPause | null, lostBytes?: number) => void;

/** Every log of this process that is paused now, for the host panel. */
class LogPauses {
  private paused = new Map<string, {owner: AppendLog; pause: LogPause}>();
  private listeners = new Set<PauseListener>();

  set(owner: AppendLog, pause: LogPause): void {
    this.paused.set(pause.file, {owner, pause});
    for (const l of this.listeners) l(pause.file, pause, 0);
  }

  /** The log resumed (lostBytes were dropped meanwhile) or closed (undefined). */
  clear(owner: AppendLog, lostBytes?: number): void {
    const hit = this.paused.get(owner.file);
    if (hit?.owner !== owner) return;
    this.paused.delete(owner.file);
    for (const l of this.listeners) l(owner.file, null, lostBytes);
  }

  list(): LogPause[] {
    return [...this.paused.values()].map((p) => p.pause);
  }

  subscribe(listener: PauseListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export const logPauses = new LogPauses();

export interface AppendLogOptions {
  mode?: number;
  /** rename the file to FILE.1 and start a new one before it grows past this */
  rotateBytes?: number;
  /** text written first when the log resumes (a line saying what was lost) */
  resumeNote?: (pause: LogPause, lostBytes: number) => string;
  onPause?: (pause: LogPause) => void;
  onResume?: (pause: LogPause, lostBytes: number) => void;
}

export class AppendLog {
  private fd = -1;
  private bytes = 0;
  private pause: LogPause | undefined;
  private lastTry = 0;
  private lost = 0;
  /** the last failed write stopped inside its data (a text log then starts a new line) */
  private cut = false;
  private closed = false;

  constructor(
    readonly file: string,
    private readonly opts: AppendLogOptions = {},
    fd?: number,
  ) {
    if (fd !== undefined && fd >= 0) {
      this.fd = fd;
      this.bytes = sizeOf(fd);
    }
  }

  /** The descriptor (for tools that write to the log themselves), -1 while it cannot be opened. */
  get descriptor(): number {
    return this.fd;
  }

  get paused(): LogPause | undefined {
    return this.pause;
  }

  /** Opens the file (and its directory); pauses the log when it cannot. Never throws. */
  open(): boolean {
    if (this.fd >= 0) return true;
    try {
      fs.mkdirSync(path.dirname(this.file), {recursive: true, mode: 0o755});
    } catch (e) {
      this.failed('open', fileError('create', path.dirname(this.file), e));
      return false;
    }
    try {
      this.fd = fs.openSync(this.file, 'a', this.opts.mode ?? 0o640);
      this.bytes = sizeOf(this.fd);
      return true;
    } catch (e) {
      this.failed('open', e);
      return false;
    }
  }

  write(data: string | Buffer): void {
    if (this.closed) return;
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    if (buf.length === 0) return;
    if (!this.pause) {
      if (this.fd < 0 && !this.open()) this.lost += buf.length;
      else this.append(buf);
      return;
    }
    if (Date.now() - this.lastTry < logRetryMs) {
      this.lost += buf.length;
      return;
    }
    this.lastTry = Date.now();
    if (this.fd < 0 && !this.open()) {
      this.lost += buf.length;
      return;
    }
    const pause = this.pause;
    const note = this.opts.resumeNote?.(pause, this.lost);
    if (note !== undefined && !this.append(Buffer.from(`${this.cut ? '\n' : ''}${note}`))) {
      this.lost += buf.length;
      return;
    }
    if (!this.append(buf)) return;
    const lost = this.lost;
    this.pause = undefined;
    this.lost = 0;
    this.cut = false;
    logPauses.clear(this, lost);
    this.opts.onResume?.(pause, lost);
  }

  /** Writes all of buf (or what fits); false, with the log paused, when that failed. */
  private append(buf: Buffer): boolean {
    let done = 0;
    try {
      if (this.opts.rotateBytes !== undefined && this.bytes > 0 && this.bytes + buf.length > this.opts.rotateBytes) this.rotate();
      while (done < buf.length) done += fs.writeSync(this.fd, buf, done, buf.length - done);
      this.bytes += done;
      return true;
    } catch (e) {
      this.bytes += done;
      this.lost += buf.length - done;
      if (done > 0) this.cut = true;
      this.failed(this.fd < 0 ? 'open' : 'write', e);
      return false;
    }
  }

  private rotate(): void {
    const fd = this.fd;
    this.fd = -1;
    try {
      fs.closeSync(fd);
    } catch {
      // a close error of the old generation does not stop the new one
    }
    try {
      fs.renameSync(this.file, `${this.file}.1`);
    } catch (e) {
      // The next try appends to the file it could not rotate (and tries rotating again).
      this.fd = -1;
      throw fileError('rename', this.file, e);
    }
    this.fd = fs.openSync(this.file, 'a', this.opts.mode ?? 0o640);
    this.bytes = 0;
  }

  private failed(action: 'open' | 'write', e: unknown): void {
    this.lastTry = Date.now();
    if (this.pause) return;
    const err = fileError(action, this.file, e);
    this.pause = {file: this.file, error: err.message, cause: err.reason, since: new Date().toISOString()};
    logPauses.set(this, this.pause);
    this.opts.onPause?.(this.pause);
  }

  /** Closes the file; a paused log is forgotten (nothing will be written to it any more). */
  close(): void {
    this.closed = true;
    if (this.fd >= 0) {
      try {
        fs.closeSync(this.fd);
      } catch {
        // e.g. EIO reported at close: the log is done with either way
      }
    }
    this.fd = -1;
    logPauses.clear(this);
  }
}

function sizeOf(fd: number): number {
  try {
    return fs.fstatSync(fd).size;
  } catch {
    return 0;
  }
}
