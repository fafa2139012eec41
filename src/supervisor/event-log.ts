/**
 * A bounded, multi-consumer event log. Every `iterate()` call starts at the oldest event still
 * retained (so a consumer that subscribes a little late still sees the session from its
 * start) and then follows live events until the log is closed. The log keeps the newest
 * `capacity` events; a consumer that falls further behind gets one `lagged` marker saying
 * how many it missed, then continues with the oldest retained event.
 */
import type { LaggedEvent } from "./events.js";

export const EVENT_CAPACITY = 128;

export class EventLog<T> {
  private readonly buffer: T[] = [];
  /** Sequence number of `buffer[0]`. */
  private firstSeq = 0;
  private closed = false;
  private readonly waiters = new Set<() => void>();

  constructor(private readonly capacity = EVENT_CAPACITY) {}

  push(event: T): void {
    if (this.closed) return;
    this.buffer.push(event);
    if (this.buffer.length > this.capacity) {
      this.buffer.shift();
      this.firstSeq++;
    }
    this.wake();
  }

  /** No more events: iterators end once they have drained what is retained. */
  close(): void {
    this.closed = true;
    this.wake();
  }

  private wake(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiters) wake();
  }

  private get endSeq(): number {
    return this.firstSeq + this.buffer.length;
  }

  iterate(): AsyncIterableIterator<T | LaggedEvent> {
    let cursor = this.firstSeq;
    let finished = false;
    const next = async (): Promise<IteratorResult<T | LaggedEvent>> => {
      for (;;) {
        if (finished) return { value: undefined, done: true };
        if (cursor < this.firstSeq) {
          const missed = this.firstSeq - cursor;
          cursor = this.firstSeq;
          return { value: { type: "lagged", missed }, done: false };
        }
        if (cursor < this.endSeq) {
          const value = this.buffer[cursor - this.firstSeq] as T;
          cursor++;
          return { value, done: false };
        }
        if (this.closed) {
          finished = true;
          return { value: undefined, done: true };
        }
        await new Promise<void>((resolve) => this.waiters.add(resolve));
      }
    };
    const iterator: AsyncIterableIterator<T | LaggedEvent> = {
      next,
      return: async () => {
        finished = true;
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }
}
