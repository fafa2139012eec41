/** The captures in io/capture, driven directly with synthetic chunks (byte and line boundaries, splits). */
import { afterEach, describe, expect, it } from "vitest";
import type { OutputLimitSpec } from "../../src/command/spec.js";
import { countNewlines } from "../../src/io/capture/capture.js";
import { HeadCapture } from "../../src/io/capture/head-capture.js";
import { createCapture } from "../../src/io/capture/index.js";
import { TailCapture } from "../../src/io/capture/tail-capture.js";

const enc = new TextEncoder();
const dec = new TextDecoder();
const b = (s: string) => enc.encode(s);
const text = (bytes: Uint8Array) => dec.decode(bytes);

/** Pushes `input` split into pieces of `size` bytes (and every other split for size = "all"). */
function feed(capture: { push(c: Uint8Array): void }, input: string, size: number): void {
  const bytes = b(input);
  for (let i = 0; i < bytes.length; i += size) capture.push(bytes.slice(i, i + size));
}

const SPLITS = [1, 2, 3, 5, 7, 64, 1 << 20];

describe("countNewlines", () => {
  it("counts \\n bytes in a range", () => {
    expect(countNewlines(b("a\nb\n\nc"))).toBe(3);
    expect(countNewlines(b("abc"))).toBe(0);
    expect(countNewlines(b("a\nb\nc\n"), 2, 4)).toBe(1);
  });
});

describe("HeadCapture (unbounded and drop-newest)", () => {
  it("keeps everything when unbounded, whatever the chunking", () => {
    for (const size of SPLITS) {
      const c = new HeadCapture(undefined, undefined, "error");
      feed(c, "hello\nworld\n", size);
      expect(text(c.finish())).toBe("hello\nworld\n");
      expect(c.truncated).toBe(false);
      expect(c.overflowed).toBe(false);
      expect(c.totalBytes).toBe(12);
    }
  });

  it("an empty capture finishes as zero bytes", () => {
    expect(new HeadCapture(undefined, undefined, "seal").finish()).toHaveLength(0);
  });

  it("maxBytes keeps exactly the first N bytes, then seals", () => {
    for (const size of SPLITS) {
      const c = new HeadCapture(5, undefined, "seal");
      feed(c, "0123456789", size);
      expect(text(c.finish()), `split ${size}`).toBe("01234");
      expect(c.truncated).toBe(true);
      expect(c.overflowed).toBe(false);
      expect(c.totalBytes).toBe(10);
    }
  });

  it("exactly maxBytes is not a truncation", () => {
    const c = new HeadCapture(5, undefined, "seal");
    feed(c, "01234", 2);
    expect(text(c.finish())).toBe("01234");
    expect(c.truncated).toBe(false);
  });

  it("maxLines keeps the first N lines with their terminators", () => {
    for (const size of SPLITS) {
      const c = new HeadCapture(undefined, 2, "seal");
      feed(c, "a\nbb\nccc\ndddd\n", size);
      expect(text(c.finish()), `split ${size}`).toBe("a\nbb\n");
      expect(c.truncated).toBe(true);
    }
  });

  it("exactly maxLines lines is not a truncation", () => {
    for (const size of SPLITS) {
      const c = new HeadCapture(undefined, 2, "seal");
      feed(c, "a\nb\n", size);
      expect(text(c.finish())).toBe("a\nb\n");
      expect(c.truncated).toBe(false);
    }
  });

  it("an unterminated line after maxLines lines is a truncation", () => {
    const c = new HeadCapture(undefined, 1, "seal");
    feed(c, "a\nb", 1);
    expect(text(c.finish())).toBe("a\n");
    expect(c.truncated).toBe(true);
  });

  it("maxLines 0 keeps nothing", () => {
    const c = new HeadCapture(undefined, 0, "seal");
    feed(c, "a\n", 1);
    expect(c.finish()).toHaveLength(0);
    expect(c.truncated).toBe(true);
  });

  it("the tighter of maxBytes and maxLines wins", () => {
    const byBytes = new HeadCapture(3, 2, "seal");
    feed(byBytes, "abcdef\ng\n", 2);
    expect(text(byBytes.finish())).toBe("abc");
    const byLines = new HeadCapture(100, 1, "seal");
    feed(byLines, "ab\ncd\n", 2);
    expect(text(byLines.finish())).toBe("ab\n");
  });

  it('"error" marks the capture overflowed (and truncated) when a limit is crossed', () => {
    const c = new HeadCapture(4, undefined, "error");
    feed(c, "abc", 3);
    expect(c.overflowed).toBe(false);
    feed(c, "de", 2);
    expect(c.overflowed).toBe(true);
    expect(c.truncated).toBe(true);
    expect(text(c.finish())).toBe("abcd");
  });

  it("grows past 1 MiB into one buffer and keeps every byte in order", () => {
    const c = new HeadCapture(undefined, undefined, "error");
    const chunk = new Uint8Array(65_536);
    let expected = 0;
    for (let i = 0; i < 40; i++) {
      chunk.fill(i);
      c.push(chunk.slice());
      expected += chunk.length;
    }
    const out = c.finish();
    expect(out.length).toBe(expected);
    for (let i = 0; i < 40; i++) {
      expect(out[i * 65_536]).toBe(i);
      expect(out[i * 65_536 + 65_535]).toBe(i);
    }
  });

  it("a drop-newest byte limit above 1 MiB is honoured exactly", () => {
    const limit = (1 << 20) + 123;
    const c = new HeadCapture(limit, undefined, "seal");
    const chunk = new Uint8Array(100_000).fill(7);
    for (let i = 0; i < 30; i++) c.push(chunk.slice());
    expect(c.finish().length).toBe(limit);
    expect(c.truncated).toBe(true);
  });
});

describe("TailCapture (drop-oldest)", () => {
  it("keeps exactly the last N bytes, whatever the chunking", () => {
    for (const size of SPLITS) {
      const c = new TailCapture(4, undefined);
      feed(c, "0123456789", size);
      expect(text(c.finish()), `split ${size}`).toBe("6789");
      expect(c.truncated).toBe(true);
      expect(c.totalBytes).toBe(10);
      expect(c.overflowed).toBe(false);
    }
  });

  it("fewer bytes than the limit is not a truncation", () => {
    const c = new TailCapture(100, undefined);
    feed(c, "abc", 1);
    expect(text(c.finish())).toBe("abc");
    expect(c.truncated).toBe(false);
  });

  it("exactly maxBytes is not a truncation", () => {
    const c = new TailCapture(3, undefined);
    feed(c, "abc", 2);
    expect(text(c.finish())).toBe("abc");
    expect(c.truncated).toBe(false);
  });

  it("maxBytes 0 keeps nothing", () => {
    const c = new TailCapture(0, undefined);
    feed(c, "abc", 2);
    expect(c.finish()).toHaveLength(0);
    expect(c.truncated).toBe(true);
  });

  it("empty chunks are harmless", () => {
    const c = new TailCapture(2, undefined);
    c.push(new Uint8Array(0));
    feed(c, "abc", 1);
    c.push(new Uint8Array(0));
    expect(text(c.finish())).toBe("bc");
  });

  it("maxLines keeps the last N lines", () => {
    for (const size of SPLITS) {
      const c = new TailCapture(undefined, 2);
      feed(c, "a\nbb\nccc\ndddd\n", size);
      expect(text(c.finish()), `split ${size}`).toBe("ccc\ndddd\n");
      expect(c.truncated).toBe(true);
    }
  });

  it("a final unterminated line counts as one of the N lines", () => {
    for (const size of SPLITS) {
      const c = new TailCapture(undefined, 2);
      feed(c, "a\nbb\nccc\ndd", size);
      expect(text(c.finish()), `split ${size}`).toBe("ccc\ndd");
    }
  });

  it("exactly N lines is not a truncation", () => {
    for (const input of ["a\nb\n", "a\nb"]) {
      const c = new TailCapture(undefined, 2);
      feed(c, input, 1);
      expect(text(c.finish())).toBe(input);
      expect(c.truncated).toBe(false);
    }
  });

  it("maxLines 0 keeps nothing", () => {
    for (const input of ["a\n", "a", "a\nb"]) {
      const c = new TailCapture(undefined, 0);
      feed(c, input, 1);
      expect(c.finish()).toHaveLength(0);
      expect(c.truncated).toBe(true);
    }
  });

  it("maxLines 1 with one unterminated line keeps it", () => {
    const c = new TailCapture(undefined, 1);
    feed(c, "only", 2);
    expect(text(c.finish())).toBe("only");
    expect(c.truncated).toBe(false);
  });

  it("the tighter of maxBytes and maxLines wins", () => {
    const byBytes = new TailCapture(4, 10);
    feed(byBytes, "aaaa\nbbbb\n", 3);
    expect(text(byBytes.finish())).toBe("bbb\n");
    const byLines = new TailCapture(100, 1);
    feed(byLines, "aaaa\nbbbb\n", 3);
    expect(text(byLines.finish())).toBe("bbbb\n");
  });

  it("many lines and chunks: compaction keeps the window right", () => {
    const c = new TailCapture(undefined, 3);
    let input = "";
    for (let i = 0; i < 5000; i++) input += `line ${i}\n`;
    feed(c, input, 7);
    expect(text(c.finish())).toBe("line 4997\nline 4998\nline 4999\n");
  });

  it("a large window across many chunks keeps exactly the tail bytes", () => {
    const c = new TailCapture(100_000, undefined);
    const all = new Uint8Array(1_000_003);
    for (let i = 0; i < all.length; i++) all[i] = (i * 31) & 0xff;
    for (let i = 0; i < all.length; i += 4099) c.push(all.slice(i, i + 4099));
    expect(Buffer.from(c.finish()).equals(Buffer.from(all.subarray(all.length - 100_000)))).toBe(true);
  });
});

describe("createCapture", () => {
  const limit = (l: Partial<OutputLimitSpec> & Pick<OutputLimitSpec, "onOverflow">): OutputLimitSpec => ({
    maxBytes: undefined,
    maxLines: undefined,
    ...l,
  });
  it("picks the shape for each policy", () => {
    expect(createCapture(undefined)).toBeInstanceOf(HeadCapture);
    expect(createCapture(limit({ maxBytes: 1, onOverflow: "drop-oldest" }))).toBeInstanceOf(TailCapture);
    expect(createCapture(limit({ maxBytes: 1, onOverflow: "drop-newest" }))).toBeInstanceOf(HeadCapture);
    const err = createCapture(limit({ maxBytes: 1, onOverflow: "error" }));
    err.push(b("ab"));
    expect(err.overflowed).toBe(true);
    const newest = createCapture(limit({ maxBytes: 1, onOverflow: "drop-newest" }));
    newest.push(b("ab"));
    expect(newest.overflowed).toBe(false);
    expect(newest.truncated).toBe(true);
  });
});

describe("HeadCapture on a host that refuses memory (ulimit -v, no overcommit)", () => {
  const RealArrayBuffer = globalThis.ArrayBuffer;
  /** An ArrayBuffer that refuses reservations above `maxReserve` and sizes (new or resized) above `maxLength`. */
  const stingy = (maxReserve: number, maxLength: number) =>
    class extends RealArrayBuffer {
      constructor(length: number, options?: { maxByteLength?: number }) {
        if ((options?.maxByteLength ?? length) > maxReserve || length > maxLength) {
          throw new RangeError("Array buffer allocation failed");
        }
        super(length, options);
      }
      override resize(length: number): void {
        if (length > maxLength) throw new RangeError("Array buffer allocation failed");
        super.resize(length);
      }
    };
  afterEach(() => {
    globalThis.ArrayBuffer = RealArrayBuffer;
  });

  const pushPattern = (c: HeadCapture, chunks: number) => {
    const chunk = new Uint8Array(65_536);
    for (let i = 0; i < chunks; i++) {
      chunk.fill(i & 0xff);
      c.push(chunk.slice());
    }
  };
  const expectPattern = (out: Uint8Array, chunks: number) => {
    expect(out.length).toBe(chunks * 65_536);
    for (let i = 0; i < chunks; i++) expect(out[i * 65_536 + 100]).toBe(i & 0xff);
  };

  it("a 4 GiB reservation refused: reserves less and keeps every byte", () => {
    globalThis.ArrayBuffer = stingy(64 << 20, Number.POSITIVE_INFINITY) as ArrayBufferConstructor;
    const c = new HeadCapture(undefined, undefined, "error");
    expect(() => pushPattern(c, 320)).not.toThrow(); // 20 MiB
    globalThis.ArrayBuffer = RealArrayBuffer;
    expect(c.overflowed).toBe(false);
    expectPattern(c.finish(), 320);
  });

  it("outgrowing a small reservation: moves to a new buffer and keeps every byte", () => {
    // Reservations of at most 8 MiB: 20 MiB must move to a new buffer at least once... and then fail.
    globalThis.ArrayBuffer = stingy(8 << 20, Number.POSITIVE_INFINITY) as ArrayBufferConstructor;
    const c = new HeadCapture(undefined, undefined, "error");
    expect(() => pushPattern(c, 100)).not.toThrow(); // 6.25 MiB: fits after a move
    expect(c.overflowed).toBe(false);
    expect(() => pushPattern(c, 100)).not.toThrow(); // 12.5 MiB: more than any buffer we may have
    globalThis.ArrayBuffer = RealArrayBuffer;
    expect(c.overflowed).toBe(true);
    expect(c.finish().length).toBeLessThanOrEqual(8 << 20);
  });

  it("a resize the host refuses: moves to a new buffer", () => {
    class NoResize extends RealArrayBuffer {
      override resize(): void {
        throw new RangeError("Array buffer allocation failed");
      }
    }
    globalThis.ArrayBuffer = NoResize as ArrayBufferConstructor;
    const c = new HeadCapture(undefined, undefined, "error");
    expect(() => pushPattern(c, 160)).not.toThrow(); // 10 MiB, every growth by copying
    globalThis.ArrayBuffer = RealArrayBuffer;
    expect(c.overflowed).toBe(false);
    expectPattern(c.finish(), 160);
  });

  it("no memory at all past 3 MiB: overflowed (a loud failure), never a throw", () => {
    globalThis.ArrayBuffer = stingy(Number.POSITIVE_INFINITY, 3 << 20) as ArrayBufferConstructor;
    const c = new HeadCapture(undefined, undefined, "error");
    expect(() => pushPattern(c, 100)).not.toThrow();
    globalThis.ArrayBuffer = RealArrayBuffer;
    expect(c.overflowed).toBe(true);
    expect(c.truncated).toBe(true);
  });
});
