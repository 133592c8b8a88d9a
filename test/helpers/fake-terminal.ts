// A terminal for rendering Ink in-process: a stdout that records what Ink writes (and emits
// 'frame' on each write) and a stdin that hands Ink the keys typed with type().
import {EventEmitter} from 'node:events';

export class FakeStdout extends EventEmitter {
  readonly writes: string[] = [];
  isTTY = true;

  constructor(
    readonly columns: number,
    readonly rows: number,
  ) {
    super();
  }

  write(chunk: string): boolean {
    this.writes.push(chunk);
    this.emit('frame');
    return true;
  }
}

export class FakeStdin extends EventEmitter {
  isTTY = true;
  private readonly queue: string[] = [];

  setRawMode(): this {
    return this;
  }

  setEncoding(): this {
    return this;
  }

  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }

  resume(): this {
    return this;
  }

  pause(): this {
    return this;
  }

  read(): string | null {
    return this.queue.shift() ?? null;
  }

  type(text: string): void {
    this.queue.push(text);
    this.emit('readable');
  }
}
