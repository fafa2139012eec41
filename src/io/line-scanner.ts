/**
 * A position-aware line scanner for readiness probes (`waitForLine`). Unlike the batch
 * `LineSplitter` (built for throughput), it knows the absolute stream offset where every line
 * ends, so a probe can "consume up to and including the match": the pump moves its line
 * cursor to that offset and a later `stdoutLines()` starts right after the matched line.
 *
 * What a line is comes from line-rules.ts, the same rules as the splitter's.
 */
import type { LineRulesSpec } from "../command/stream-options.js";
import { decodeWhole } from "./decode.js";
import { bomLength, contentEnd, type LineFraming, lineFraming, nextLineEnd } from "./line-rules.js";
import { stripVt } from "./vt-sanitize.js";

/** Return true to stop scanning (the probe matched). `end` is the offset just past the line's terminator. */
export type ScannedLine = (line: string, end: number) => boolean;

export class LineScanner {
  /** Absolute offset of the next byte `feed` expects. */
  private pos: number;
  private carry: Buffer = EMPTY;
  private stopped = false;
  private readonly framing: LineFraming;
  private readonly decode: (buf: Buffer, start: number, end: number) => string;

  constructor(
    encoding: string,
    start: number,
    private readonly onLine: ScannedLine,
    maxLine?: number,
    rules?: LineRulesSpec,
  ) {
    this.pos = start;
    this.framing = lineFraming(encoding, maxLine, rules?.cr === true);
    let decode: (buf: Buffer, start: number, end: number) => string;
    if (encoding === "utf-8") {
      decode = (buf, s, e) => buf.toString("utf8", s, e);
    } else {
      const decoder = new TextDecoder(encoding, { ignoreBOM: true });
      decode = (buf, s, e) => decodeWhole(decoder, buf.subarray(s, e));
    }
    this.decode = rules?.sanitizeVt ? (buf, s, e) => stripVt(decode(buf, s, e)) : decode;
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
      let nl = nextLineEnd(this.framing, buf, bufStart, 0);
      nl !== -1;
      nl = nextLineEnd(this.framing, buf, bufStart, start)
    ) {
      const end = nl + this.framing.unit;
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

  private emit(buf: Buffer, bufStart: number, start: number, stop: number, end: number): boolean {
    if (bufStart + start === 0) start += bomLength(this.framing, buf, start);
    const line = this.decode(buf, start, contentEnd(this.framing, buf, start, stop));
    if (this.onLine(line, bufStart + end)) {
      this.stopped = true;
      return true;
    }
    return false;
  }
}

const EMPTY = Buffer.alloc(0);
