/**
 * A position-aware line scanner for readiness probes (`waitForLine`). Unlike the batch
 * `LineSplitter` (built for throughput), it knows the absolute stream offset where every line
 * ends, so a probe can "consume up to and including the match": the pump moves its line
 * cursor to that offset and a later `stdoutLines()` starts right after the matched line.
 *
 * Line rules are the splitter's: `\n` ends a line, a `\r` before it is dropped, a final
 * unterminated line is delivered by `end()`, a UTF-8 (or UTF-16) byte-order mark at stream
 * offset 0 is skipped. UTF-16 (LE/BE) is scanned in 2-byte units aligned to the stream start.
 */
import { decodeWhole } from "./decode.js";

/** Return true to stop scanning (the probe matched). `end` is the offset just past the line's terminator. */
export type ScannedLine = (line: string, end: number) => boolean;

export class LineScanner {
  /** Absolute offset of the next byte `feed` expects. */
  private pos: number;
  private carry: Buffer = EMPTY;
  private stopped = false;
  private readonly unit: 1 | 2;
  private readonly bigEndian: boolean;
  private readonly hasBom: boolean;
  private readonly decode: (buf: Buffer, start: number, end: number) => string;

  constructor(
    encoding: string,
    start: number,
    private readonly onLine: ScannedLine,
  ) {
    this.pos = start;
    this.unit = encoding.startsWith("utf-16") ? 2 : 1;
    this.bigEndian = encoding === "utf-16be";
    // In single-byte encodings EF BB BF are three real characters.
    this.hasBom = encoding === "utf-8" || this.unit === 2;
    if (encoding === "utf-8") {
      this.decode = (buf, s, e) => buf.toString("utf8", s, e);
    } else {
      const decoder = new TextDecoder(encoding, { ignoreBOM: true });
      this.decode = (buf, s, e) => decodeWhole(decoder, buf.subarray(s, e));
    }
  }

  get done(): boolean {
    return this.stopped;
  }

  /** Feeds the bytes at `at` (default: right after the previous chunk). A gap drops the partial line. */
  feed(chunk: Uint8Array, at: number = this.pos): void {
    if (this.stopped || chunk.length === 0) return;
    if (at > this.pos) {
      this.skipTo(at);
    } else if (at < this.pos) {
      // Overlap with what we saw already: skip it.
      const skip = this.pos - at;
      if (skip >= chunk.length) return;
      chunk = chunk.subarray(skip);
    }
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    const buf = this.carry.length === 0 ? bytes : Buffer.concat([this.carry, bytes]);
    const bufStart = this.pos - this.carry.length;
    this.pos += bytes.length;
    let start = 0;
    for (
      let nl = this.nextNewline(buf, bufStart, 0);
      nl !== -1;
      nl = this.nextNewline(buf, bufStart, start)
    ) {
      const end = nl + this.unit;
      if (this.emit(buf, bufStart, start, nl, end)) {
        this.carry = EMPTY;
        return;
      }
      start = end;
    }
    this.carry = start === 0 ? buf : buf.subarray(start);
  }

  /** Jumps to a later offset: the bytes in between were never kept, so the partial line is dropped. */
  skipTo(at: number): void {
    if (at <= this.pos) return;
    this.carry = EMPTY;
    this.pos = at;
  }

  /** The stream ended: delivers a final unterminated line. True when that line matched. */
  end(): boolean {
    if (this.stopped) return false;
    const buf = this.carry;
    this.carry = EMPTY;
    const matched = buf.length > 0 && this.emit(buf, this.pos - buf.length, 0, buf.length, buf.length);
    this.stopped = true;
    return matched;
  }

  /** Index in `buf` of the next newline unit at or after `from`, or -1. */
  private nextNewline(buf: Buffer, bufStart: number, from: number): number {
    if (this.unit === 1) return buf.indexOf(10, from);
    for (let i = buf.indexOf(10, from); i !== -1; i = buf.indexOf(10, i + 1)) {
      // LE: 0A 00 at an even offset; BE: 00 0A, the 0A at an odd offset.
      const unitStart = this.bigEndian ? i - 1 : i;
      if (unitStart < 0 || (bufStart + unitStart) % 2 !== 0) continue;
      if (unitStart + 1 >= buf.length) return -1; // the other half has not arrived yet
      if (buf[this.bigEndian ? unitStart : unitStart + 1] === 0) return unitStart;
    }
    return -1;
  }

  private emit(buf: Buffer, bufStart: number, start: number, stop: number, end: number): boolean {
    if (bufStart + start === 0 && this.hasBom) start += this.bomLength(buf, start);
    if (stop - start >= this.unit && this.isCR(buf, stop - this.unit)) stop -= this.unit;
    const line = this.decode(buf, start, Math.max(start, stop));
    if (this.onLine(line, bufStart + end)) {
      this.stopped = true;
      return true;
    }
    return false;
  }

  private isCR(buf: Buffer, at: number): boolean {
    if (this.unit === 1) return buf[at] === 13;
    return this.bigEndian ? buf[at] === 0 && buf[at + 1] === 13 : buf[at] === 13 && buf[at + 1] === 0;
  }

  private bomLength(buf: Buffer, at: number): number {
    if (this.unit === 1) return buf[at] === 0xef && buf[at + 1] === 0xbb && buf[at + 2] === 0xbf ? 3 : 0;
    const a = buf[at];
    const b = buf[at + 1];
    return (this.bigEndian ? a === 0xfe && b === 0xff : a === 0xff && b === 0xfe) ? 2 : 0;
  }
}

const EMPTY = Buffer.alloc(0);
