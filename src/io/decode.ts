/** Whole-capture decoding, after the stream ended (so chunk boundaries can never split a character). */
import { constants } from "node:buffer";

/** V8's longest string. Decoding more than this many bytes could throw mid-way, so we refuse up front. */
export const MAX_STRING_BYTES = constants.MAX_STRING_LENGTH;

export function decodeAll(bytes: Uint8Array, encoding: string): string {
  if (bytes.length === 0) return "";
  // fatal: false → invalid bytes become U+FFFD; the BOM is stripped once (WHATWG semantics).
  return decodeWhole(new TextDecoder(encoding), bytes);
}

/**
 * Decodes a complete piece of text with a fresh (or flushed) decoder. Non-UTF-8 labels go
 * through the streaming path and a flush: Node 20's one-shot fast path for "windows-1252"
 * (which every "latin1"/"ascii" label maps to) decodes it as ISO-8859-1, so 0x80 became
 * U+0080 instead of "€". The streaming path uses ICU and is right; the result is the same.
 */
export function decodeWhole(decoder: InstanceType<typeof TextDecoder>, bytes: Uint8Array): string {
  if (decoder.encoding === "utf-8") return decoder.decode(bytes);
  return decoder.decode(bytes, { stream: true }) + decoder.decode();
}

/**
 * A tail window (drop-oldest) may begin inside a character. `offset` is the window's position
 * in the whole stream. UTF-8: skip leading continuation bytes. UTF-16: realign to a code unit
 * (an odd offset), then skip a lone low surrogate. Otherwise the text would start with U+FFFD
 * or, for UTF-16, be garbage from end to end.
 */
export function skipPartialStart(bytes: Uint8Array, encoding: string, offset: number): Uint8Array {
  if (encoding === "utf-8") return skipPartialUtf8Start(bytes);
  if (encoding !== "utf-16le" && encoding !== "utf-16be") return bytes;
  let i = offset % 2;
  const high = encoding === "utf-16le" ? 1 : 0; // index of the high byte within a code unit
  const first = bytes[i + high];
  if (first !== undefined && first >= 0xdc && first <= 0xdf) i += 2;
  return i === 0 ? bytes : bytes.subarray(Math.min(i, bytes.length));
}

/** UTF-8 part of `skipPartialStart`: skip up to three leading continuation bytes. */
export function skipPartialUtf8Start(bytes: Uint8Array): Uint8Array {
  let i = 0;
  while (i < 3 && i < bytes.length && ((bytes[i] as number) & 0xc0) === 0x80) i++;
  return i === 0 ? bytes : bytes.subarray(i);
}
