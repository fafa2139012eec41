/**
 * An async iterable of lines (or, for `events()`, tagged line events) fed in batches by a
 * pump. One consumer. When the consumer falls
 * behind, `onPressure(true)` asks the pump to pause the pipe (the child then blocks on
 * write instead of our memory growing); `onPressure(false)` resumes it. Breaking out of the
 * loop switches the queue to discard mode, so the pipe keeps draining and nothing hangs.
 */
const HIGH_WATER = 16_384;
const EMPTY: readonly unknown[] = [];
const LOW_WATER = 8_192;

export class LineQueue<T = string> implements AsyncIterableIterator<T> {
  /** Batches not yet read, from `head` on (a moving head instead of shift(): O(1) per batch). */
  private batches: T[][] = [];
  private head = 0;
  /** The batch being read (batches[head]), and the position in it. */
  private current: T[] = EMPTY as T[];
  private index = 0;
  private size = 0;
  private ended = false;
  private failure: unknown;
  private discarding = false;
  private paused = false;
  private waiter: ((result: IteratorResult<T>) => void) | undefined;
  private rejecter: ((error: unknown) => void) | undefined;

  /** `highWater`/`lowWater`: items buffered before the pipe is held, and below which it flows again. */
  constructor(
    private readonly onPressure: (paused: boolean) => void = () => {},
    private readonly highWater = HIGH_WATER,
    private readonly lowWater = LOW_WATER,
  ) {}

  push(lines: T[]): void {
    if (this.discarding || this.ended || lines.length === 0) return;
    if (this.waiter !== undefined) {
      const resolve = this.waiter;
      this.waiter = undefined;
      this.rejecter = undefined;
      this.batches.push(lines);
      this.size += lines.length;
      resolve(this.take());
      return;
    }
    this.batches.push(lines);
    this.size += lines.length;
    if (!this.paused && this.size > this.highWater) {
      this.paused = true;
      this.onPressure(true);
    }
  }

  /** No more lines. With an error, the consumer sees it after the buffered lines. */
  end(error?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = error;
    if (this.waiter !== undefined && this.size === 0) {
      const resolve = this.waiter;
      const reject = this.rejecter;
      this.waiter = undefined;
      this.rejecter = undefined;
      if (error !== undefined) reject?.(error);
      else resolve({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.size > 0) return Promise.resolve(this.take());
    if (this.ended || this.discarding) {
      if (this.failure !== undefined && !this.discarding) {
        const error = this.failure;
        this.failure = undefined;
        return Promise.reject(error);
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => {
      this.waiter = resolve;
      this.rejecter = reject;
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.discarding = true;
    this.batches = [];
    this.head = 0;
    this.current = EMPTY as T[];
    this.index = 0;
    this.size = 0;
    if (this.paused) {
      this.paused = false;
      this.onPressure(false);
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private take(): IteratorResult<T> {
    if (this.index === this.current.length) {
      this.current = this.batches[this.head] as T[];
      this.batches[this.head++] = EMPTY as T[];
      this.index = 0;
      if (this.head > 1024 && this.head * 2 > this.batches.length) {
        this.batches = this.batches.slice(this.head);
        this.head = 0;
      }
    }
    const value = this.current[this.index++] as T;
    this.size--;
    if (this.paused && this.size < this.lowWater) {
      this.paused = false;
      this.onPressure(false);
    }
    return { value, done: false };
  }
}
