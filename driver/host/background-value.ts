// A value that costs processes to find out (kldstat, sysctl, ...), kept fresh in the
// background: callers get the last answer at once while a new one is worked out, and are
// told when it changed. Only the very first call waits.

export class BackgroundValue<T> {
  private at = 0;
  private last: T | undefined;
  private pending: Promise<T> | undefined;
  private generation = 0;

  constructor(
    private readonly compute: () => Promise<T>,
    /** an answer older than this is worked out again on the next call */
    private readonly maxAgeMs: number,
    /** a new answer differs from the last one (or is the first) */
    private readonly changed: () => void,
  ) {}

  /** The last answer, or the first one once it is there. */
  get(): Promise<T> {
    this.refresh();
    return this.last !== undefined ? Promise.resolve(this.last) : this.pending!;
  }

  /** The last answer, if there is one yet; never waits. */
  peek(): T | undefined {
    this.refresh();
    return this.last;
  }

  /** The host changed: the next call works the value out again (and waits for it, when `forget`). */
  invalidate(forget: boolean): void {
    this.generation++;
    this.at = 0;
    this.pending = undefined;
    if (forget) this.last = undefined;
  }

  private refresh(): void {
    if (this.pending !== undefined || Date.now() - this.at <= this.maxAgeMs) return;
    const generation = this.generation;
    const pending = this.compute();
    this.pending = pending;
    pending.then(
      (value) => {
        if (generation !== this.generation) return;
        const differs = JSON.stringify(this.last) !== JSON.stringify(value);
        this.last = value;
        this.at = Date.now();
        this.pending = undefined;
        if (differs) this.changed();
      },
      () => {
        if (generation !== this.generation) return;
        this.pending = undefined;
        this.at = 0; // try again on the next call
      },
    );
  }
}
