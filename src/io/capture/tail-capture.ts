/**
 * Drop-oldest capture: keeps exactly the last `maxBytes` bytes and/or the last `maxLines`
 * lines. Memory stays bounded by the limit plus one pipe chunk: whole chunks fall off the
 * front as soon as the window has moved past them.
 */
import type { Capture } from "./capture.js";

export class TailCapture implements Capture {
  totalBytes = 0;
  truncated = false;
  readonly overflowed = false;
  private readonly chunks: Uint8Array[] = [];
  private head = 0; // index of the first live chunk
  private headPos = 0; // absolute stream position of chunks[head][0]
  private start = 0; // absolute position where the kept window begins
  /** Absolute positions just after each kept newline, oldest first (only with maxLines). */
  private readonly lineEnds: number[] = [];
  private lineHead = 0;

  constructor(
    private readonly maxBytes: number | undefined,
    private readonly maxLines: number | undefined,
  ) {}

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    const base = this.totalBytes;
    this.totalBytes += chunk.length;
    this.chunks.push(chunk);
    if (this.maxLines !== undefined) {
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1))
        this.lineEnds.push(base + i + 1);
      // While streaming keep at most maxLines complete lines (the pending partial line is extra).
      this.advanceTo(this.lineWindowStart(this.maxLines));
    }
    if (this.maxBytes !== undefined) this.advanceTo(this.totalBytes - this.maxBytes);
  }

  /** Start of the window that holds the last `lines` complete lines plus any partial tail. */
  private lineWindowStart(lines: number): number {
    const count = this.lineEnds.length - this.lineHead;
    if (count <= lines) return this.start;
    return this.lineEnds[this.lineEnds.length - lines - 1] as number;
  }

  private advanceTo(position: number): void {
    if (position <= this.start) return;
    this.start = position;
    this.truncated = true;
    while (this.lineHead < this.lineEnds.length && (this.lineEnds[this.lineHead] as number) <= position)
      this.lineHead++;
    if (this.lineHead > 1024 && this.lineHead * 2 > this.lineEnds.length) {
      this.lineEnds.splice(0, this.lineHead);
      this.lineHead = 0;
    }
    for (
      let c = this.chunks[this.head];
      c !== undefined && this.headPos + c.length <= position;
      c = this.chunks[this.head]
    ) {
      this.headPos += c.length;
      this.chunks[this.head++] = EMPTY; // release the chunk now, compact later
    }
    if (this.head > 64 && this.head * 2 > this.chunks.length) {
      this.chunks.splice(0, this.head);
      this.head = 0;
    }
  }

  finish(): Uint8Array {
    if (this.maxLines !== undefined) {
      // A final unterminated line counts as a line: then only maxLines - 1 complete lines fit before it.
      const lastEnd =
        this.lineEnds.length > this.lineHead
          ? (this.lineEnds[this.lineEnds.length - 1] as number)
          : this.start;
      const partial = this.totalBytes > lastEnd;
      if (partial && this.maxLines === 0) this.advanceTo(this.totalBytes);
      else this.advanceTo(this.lineWindowStart(partial ? this.maxLines - 1 : this.maxLines));
    }
    const live = this.chunks.slice(this.head);
    const out = Buffer.allocUnsafe(this.totalBytes - this.start);
    let offset = 0;
    let pos = this.headPos;
    for (const c of live) {
      const from = Math.max(0, this.start - pos);
      out.set(c.subarray(from), offset);
      offset += c.length - from;
      pos += c.length;
    }
    return out;
  }
}

const EMPTY = new Uint8Array(0);
