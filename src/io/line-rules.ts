/**
 * What a line is — written once, used by the batch splitter (line-splitter.ts, throughput),
 * the position-aware scanner (line-scanner.ts, readiness probes) and, through them, the
 * test doubles:
 * - `\n` ends a line; a `\r` right before it belongs to the terminator and is dropped;
 * - a final unterminated line is a line (delivered at end of stream);
 * - a byte-order mark at stream offset 0 is skipped (UTF-8 and UTF-16 only: in single-byte
 *   encodings EF BB BF are three real characters);
 * - a line is cut at `maxLine` (bytes, or characters for UTF-16) — a string cannot be longer
 *   than V8 allows, and decoding more would throw inside the pipe's `data` event.
 * - in carriage-return mode (`carriageReturnLines()`, for progress bars) a bare `\r` ends a
 *   line too; `\r\n` stays one terminator, so a `\r` that is the last byte seen so far waits
 *   for the next byte before it counts;
 * - with `sanitizeVt()` each decoded line (and captured text) loses its ANSI/VT escape
 *   sequences (vt-sanitize.ts); framing happens first, on the raw bytes.
 * UTF-16 is framed in 2-byte code units aligned to the stream start.
 */
import { MAX_STRING_BYTES } from "./decode.js";

export const LF = 0x0a;
export const CR = 0x0d;

export interface LineFraming {
  /** Bytes per code unit: 2 for UTF-16, else 1. */
  readonly unit: 1 | 2;
  readonly bigEndian: boolean;
  /** True when a byte-order mark at offset 0 is skipped. */
  readonly hasBom: boolean;
  /** Longest line kept, in code units. */
  readonly maxLine: number;
  /** Carriage-return mode: a bare CR ends a line too. */
  readonly cr: boolean;
}

export function lineFraming(encoding: string, maxLine: number = MAX_STRING_BYTES, cr = false): LineFraming {
  const unit = encoding.startsWith("utf-16") ? 2 : 1;
  return {
    unit,
    bigEndian: encoding === "utf-16be",
    hasBom: encoding === "utf-8" || unit === 2,
    maxLine,
    cr,
  };
}

/**
 * Index in `buf` (which starts at stream offset `bufStart`) of the unit that ends the next line
 * at or after `from` (a `\n`, or in CR mode a bare `\r`), or -1. The line's content is
 * buf[start, index) less a CR right before a LF (`contentEnd`); the next line starts one unit later.
 */
export function nextLineEnd(framing: LineFraming, buf: Buffer, bufStart: number, from: number): number {
  const lf = nextUnit(framing, buf, bufStart, from, LF);
  if (!framing.cr) return lf;
  const cr = nextUnit(framing, buf, bufStart, from, CR);
  if (cr === -1 || (lf !== -1 && lf < cr)) return lf;
  const after = cr + framing.unit;
  if (after + framing.unit > buf.length) return -1; // CR last: wait, it may be the start of CR LF
  return lf === after ? lf : cr;
}

/** Index of the next code unit equal to `byte` (LF or CR) at or after `from`, or -1. */
function nextUnit(framing: LineFraming, buf: Buffer, bufStart: number, from: number, byte: number): number {
  if (framing.unit === 1) return buf.indexOf(byte, from);
  for (let i = buf.indexOf(byte, from); i !== -1; i = buf.indexOf(byte, i + 1)) {
    // LE: 0A 00 at an even offset; BE: 00 0A, the 0A at an odd offset.
    const unitStart = framing.bigEndian ? i - 1 : i;
    if (unitStart < 0 || (bufStart + unitStart) % 2 !== 0) continue;
    if (unitStart + 1 >= buf.length) return -1; // the other half has not arrived yet
    if (buf[framing.bigEndian ? unitStart : unitStart + 1] === 0) return unitStart;
  }
  return -1;
}

/** Length of a byte-order mark at `buf[at]` (call only at stream offset 0), else 0. */
export function bomLength(framing: LineFraming, buf: Uint8Array, at: number): number {
  if (!framing.hasBom) return 0;
  if (framing.unit === 1) return buf[at] === 0xef && buf[at + 1] === 0xbb && buf[at + 2] === 0xbf ? 3 : 0;
  const a = buf[at];
  const b = buf[at + 1];
  return (framing.bigEndian ? a === 0xfe && b === 0xff : a === 0xff && b === 0xfe) ? 2 : 0;
}

/** Where the content of the line buf[start, stop) ends: before a trailing CR unit, and at most `maxLine` units in. */
export function contentEnd(framing: LineFraming, buf: Uint8Array, start: number, stop: number): number {
  const u = framing.unit;
  if (stop - start >= u) {
    const at = stop - u;
    const cr =
      u === 1
        ? buf[at] === CR
        : framing.bigEndian
          ? buf[at] === 0 && buf[at + 1] === CR
          : buf[at] === CR && buf[at + 1] === 0;
    if (cr) stop = at;
  }
  return Math.max(start, Math.min(stop, start + framing.maxLine * u));
}

/** The same rules on decoded text: text[from, end) without a trailing `\r`, cut at `maxLine` characters. */
export function textLine(text: string, from: number, end: number, maxLine: number): string {
  if (end > from && text.charCodeAt(end - 1) === CR) end--;
  return text.slice(from, Math.min(end, from + maxLine));
}
