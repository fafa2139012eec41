/**
 * A capture keeps the bytes of one output stream. The pipe is always drained; a capture only
 * decides what to *keep*. Limits are enforced on bytes (never on decoded strings), so a run
 * can produce more than V8's maximum string length without crashing anything.
 */
export interface Capture {
  /** Offers a chunk. The capture may keep all, part or none of it. */
  push(chunk: Uint8Array): void;
  /** Bytes seen so far, kept or not. */
  readonly totalBytes: number;
  /** True once a limit dropped something. */
  readonly truncated: boolean;
  /** True once a limit with `onOverflow: "error"` was crossed. */
  readonly overflowed: boolean;
  /** The kept bytes, in stream order. Call once, after the stream ended. */
  finish(): Uint8Array;
}

/** Counts `\n` bytes in a chunk (only used when a line limit is set). */
export function countNewlines(chunk: Uint8Array, from = 0, to = chunk.length): number {
  let count = 0;
  let i = chunk.indexOf(10, from);
  while (i !== -1 && i < to) {
    count++;
    i = chunk.indexOf(10, i + 1);
  }
  return count;
}
