/**
 * Head capture, shaped for memory: small outputs stay as a list of chunks (one concat at the
 * end); past 1 MiB the bytes move into one resizable ArrayBuffer that grows in place, so a
 * 1 GiB capture costs ~1 GiB of RSS instead of 2 (chunks + concat copy).
 *
 * It keeps bytes until a limit is reached, then keeps nothing more: `seal` (drop-newest)
 * marks the capture truncated, `error` also marks it overflowed so the run can be failed.
 * With no limits it is the default unbounded capture, bounded only by Node's 4 GiB buffer
 * maximum (crossing that is an overflow, never a crash).
 */
import type { Capture } from "./capture.js";

const SMALL = 1 << 20;
/** Node 20's largest ArrayBuffer (buffer.constants.MAX_LENGTH): 4 GiB. */
export const MAX_CAPTURE_BYTES = 2 ** 32;

export class HeadCapture implements Capture {
  totalBytes = 0;
  truncated = false;
  overflowed = false;
  private chunks: Uint8Array[] = [];
  private big: ArrayBuffer | undefined;
  private view: Uint8Array | undefined;
  private used = 0;
  private lines = 0;
  private sealed = false;

  private readonly maxBytes: number;

  constructor(
    maxBytes: number | undefined,
    private readonly maxLines: number | undefined,
    private readonly onLimit: "seal" | "error",
  ) {
    this.maxBytes = Math.min(maxBytes ?? MAX_CAPTURE_BYTES, MAX_CAPTURE_BYTES);
  }

  push(chunk: Uint8Array): void {
    this.totalBytes += chunk.length;
    if (this.sealed) return;
    let keep = chunk;
    if (this.maxLines !== undefined) {
      const cut = this.lineCut(chunk);
      if (cut !== undefined) keep = chunk.subarray(0, cut);
    }
    const room = this.maxBytes - this.used;
    if (keep.length > room) keep = keep.subarray(0, room);
    if (keep !== chunk) {
      this.sealed = true;
      this.truncated = true;
      // Past Node's buffer maximum even an "unbounded" capture must fail loudly rather than lie.
      this.overflowed = this.onLimit === "error" || this.used + keep.length >= MAX_CAPTURE_BYTES;
    }
    if (keep.length > 0 && !this.append(keep)) {
      // No memory for the bytes: fail loudly (the run is stopped) rather than throw inside the
      // pipe's data event or silently keep less than was asked for.
      this.sealed = true;
      this.truncated = true;
      this.overflowed = true;
    }
  }

  /** Where the chunk must be cut to stay within maxLines, or undefined if it fits. */
  private lineCut(chunk: Uint8Array): number | undefined {
    const max = this.maxLines as number;
    // Line max+1 begins with the first byte after the max-th newline.
    if (this.lines >= max) return chunk.length > 0 ? 0 : undefined;
    let i = chunk.indexOf(10);
    while (i !== -1) {
      if (++this.lines === max) return i + 1 < chunk.length ? i + 1 : undefined;
      i = chunk.indexOf(10, i + 1);
    }
    return undefined;
  }

  /** Keeps the chunk; false when no memory could be had for it. */
  private append(chunk: Uint8Array): boolean {
    const needed = this.used + chunk.length;
    if (this.view === undefined && needed <= SMALL) {
      // Pipes hand us fresh Buffers we own, so keeping the reference is safe (no copy).
      this.chunks.push(chunk);
      this.used = needed;
      return true;
    }
    if ((this.big === undefined || needed > this.big.byteLength) && !this.grow(needed)) return false;
    (this.view as Uint8Array).set(chunk, this.used);
    this.used = needed;
    return true;
  }

  /**
   * Makes room for `needed` bytes. Grows geometrically (fewer resizes; untouched committed
   * pages cost no RSS), in place while the reservation allows, else into a new buffer.
   */
  private grow(needed: number): boolean {
    const big = this.big;
    const target = Math.min(Math.max(needed, (big?.byteLength ?? needed) * 2), this.maxBytes);
    if (big !== undefined && target <= big.maxByteLength) {
      try {
        big.resize(target);
        this.view = new Uint8Array(big);
        return true;
      } catch {
        // the host would not commit that much: try a fresh buffer below
      }
    }
    const next = reserve(target, this.maxBytes) ?? (target > needed ? reserve(needed, needed) : undefined);
    if (next === undefined) return false;
    const view = new Uint8Array(next);
    if (this.view !== undefined) {
      view.set(this.view.subarray(0, this.used));
    } else {
      let offset = 0;
      for (const c of this.chunks) {
        view.set(c, offset);
        offset += c.length;
      }
      this.chunks = [];
    }
    this.big = next;
    this.view = view;
    return true;
  }

  finish(): Uint8Array {
    if (this.view !== undefined) return this.view.subarray(0, this.used);
    if (this.chunks.length === 1) return this.chunks[0] as Uint8Array;
    return Buffer.concat(this.chunks, this.used);
  }
}

/**
 * A growable buffer of `length` bytes. The reservation (`maxByteLength`) is address space, not
 * memory, but a host with a virtual-memory limit (`ulimit -v`) refuses a large one: then
 * reserve less (the capture moves to a new buffer if it outgrows it), never throw.
 */
function reserve(length: number, wantedMax: number): ArrayBuffer | undefined {
  let max = Math.min(wantedMax, MAX_CAPTURE_BYTES);
  for (;;) {
    const tryMax = Math.max(max, length);
    try {
      return new ArrayBuffer(length, { maxByteLength: tryMax });
    } catch {
      if (tryMax === length) return undefined;
      max = Math.floor(max / 4);
    }
  }
}
