import { describe, expect, it } from "vitest";
import { createLineSplitter } from "../../src/io/line-splitter.js";

/** Splits `bytes` into chunks at every given offset and collects the lines. */
function split(bytes: Uint8Array, encoding: string, cuts: number[]): { lines: string[]; batches: number } {
  const lines: string[] = [];
  let batches = 0;
  const s = createLineSplitter(encoding, (batch) => {
    batches++;
    lines.push(...batch);
  });
  let prev = 0;
  for (const cut of [...cuts, bytes.length]) {
    s.push(bytes.subarray(prev, cut));
    prev = cut;
  }
  s.end();
  return { lines, batches };
}

/** Every way to cut `bytes` in two, plus byte-by-byte. */
function allSplits(bytes: Uint8Array): number[][] {
  const out: number[][] = [[]];
  for (let i = 1; i < bytes.length; i++) out.push([i]);
  out.push(Array.from({ length: bytes.length - 1 }, (_, i) => i + 1));
  return out;
}

const utf8 = (s: string) => new TextEncoder().encode(s);

describe("byte splitter (UTF-8)", () => {
  it("splits on \\n and drops the terminator, wherever the chunks are cut", () => {
    const input = utf8("alpha\nbeta\n\ngamma\n");
    for (const cuts of allSplits(input)) {
      expect(split(input, "utf-8", cuts).lines).toEqual(["alpha", "beta", "", "gamma"]);
    }
  });

  it("multibyte characters split across chunks decode whole", () => {
    const input = utf8("€uro 😀 ñ\n中文\n");
    for (const cuts of allSplits(input)) {
      expect(split(input, "utf-8", cuts).lines).toEqual(["€uro 😀 ñ", "中文"]);
    }
  });

  it("CRLF is one terminator, even when \\r and \\n arrive in different chunks", () => {
    const input = utf8("a\r\nb\r\n");
    for (const cuts of allSplits(input)) {
      expect(split(input, "utf-8", cuts).lines).toEqual(["a", "b"]);
    }
  });

  it("a lone \\r inside a line is kept", () => {
    expect(split(utf8("progress 1\rprogress 2\n"), "utf-8", []).lines).toEqual(["progress 1\rprogress 2"]);
  });

  it("a final unterminated line is delivered at end", () => {
    const input = utf8("one\ntwo");
    for (const cuts of allSplits(input)) {
      expect(split(input, "utf-8", cuts).lines).toEqual(["one", "two"]);
    }
  });

  it("a final unterminated line ending in \\r loses the \\r", () => {
    expect(split(utf8("one\r"), "utf-8", []).lines).toEqual(["one"]);
  });

  it("no input → no lines; a lone newline → one empty line", () => {
    expect(split(new Uint8Array(0), "utf-8", []).lines).toEqual([]);
    expect(split(utf8("\n"), "utf-8", []).lines).toEqual([""]);
  });

  it("invalid bytes become U+FFFD", () => {
    const input = new Uint8Array([0x61, 0xff, 0x62, 0x0a, 0xc3, 0x0a]);
    expect(split(input, "utf-8", []).lines).toEqual(["a\uFFFDb", "\uFFFD"]);
  });

  it("strips a UTF-8 byte-order mark once, from the first line only", () => {
    const input = utf8("\uFEFFfirst\n\uFEFFsecond\n");
    for (const cuts of allSplits(input)) {
      expect(split(input, "utf-8", cuts).lines).toEqual(["first", "\uFEFFsecond"]);
    }
  });

  it("delivers one batch per chunk that completes lines", () => {
    const r = split(utf8("a\nb\nc\nd"), "utf-8", [4]);
    expect(r.lines).toEqual(["a", "b", "c", "d"]);
    expect(r.batches).toBe(3);
  });

  it("decodes chunks long enough for the ASCII fast path the same, with or without non-ASCII text in them", () => {
    const ascii = Array.from({ length: 40 }, (_, i) => `line ${i} ${"x".repeat(i)}`);
    const mixed = [...ascii.slice(0, 20), "naïve café €", "\u0080\u00ff", ...ascii.slice(20)];
    for (const lines of [ascii, mixed]) {
      const input = utf8(`${lines.join("\n")}\n`);
      expect(input.length).toBeGreaterThan(256);
      for (const cuts of [[], [7], [300], [input.length - 3]]) {
        expect(split(input, "utf-8", cuts).lines).toEqual(lines);
      }
    }
  });

  it("handles very long lines spread over many chunks", () => {
    const long = "x".repeat(200_000);
    const input = utf8(`${long}\nshort\n`);
    const cuts = [];
    for (let i = 1000; i < input.length; i += 1000) cuts.push(i);
    expect(split(input, "utf-8", cuts).lines).toEqual([long, "short"]);
  });
});

describe("byte splitter (other ASCII-compatible encodings)", () => {
  it("windows-1252 decodes high bytes as their code points", () => {
    const input = new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x0a, 0x80, 0x0a]); // "café\n€\n"
    for (const cuts of allSplits(input)) {
      expect(split(input, "windows-1252", cuts).lines).toEqual(["café", "€"]);
    }
  });

  it("does not treat EF BB BF as a BOM in windows-1252 (they are real characters)", () => {
    const input = new Uint8Array([0xef, 0xbb, 0xbf, 0x41, 0x0a]);
    expect(split(input, "windows-1252", []).lines).toEqual(["ï»¿A"]);
  });

  it("shift_jis multibyte characters split across chunks", () => {
    // "日本\n" in Shift_JIS: 93 FA 96 7B 0A
    const input = new Uint8Array([0x93, 0xfa, 0x96, 0x7b, 0x0a]);
    for (const cuts of allSplits(input)) {
      expect(split(input, "shift_jis", cuts).lines).toEqual(["日本"]);
    }
  });
});

describe("decoded splitter (UTF-16)", () => {
  const utf16le = (s: string) => {
    const out = new Uint8Array(s.length * 2);
    for (let i = 0; i < s.length; i++) {
      out[i * 2] = s.charCodeAt(i) & 0xff;
      out[i * 2 + 1] = s.charCodeAt(i) >> 8;
    }
    return out;
  };

  it("UTF-16LE lines, with code units and surrogate pairs split across chunks", () => {
    const input = utf16le("héllo\r\n😀 wörld\n\nlast");
    for (const cuts of allSplits(input)) {
      expect(split(input, "utf-16le", cuts).lines).toEqual(["héllo", "😀 wörld", "", "last"]);
    }
  });

  it("the 0x0A byte inside a UTF-16 code unit is not a line end", () => {
    // U+010A (Ċ) is 0A 01 in UTF-16LE.
    const input = utf16le("aĊb\n");
    expect(split(input, "utf-16le", []).lines).toEqual(["aĊb"]);
  });

  it("UTF-16BE", () => {
    const le = utf16le("ab\ncd\n");
    const be = new Uint8Array(le.length);
    for (let i = 0; i < le.length; i += 2) {
      be[i] = le[i + 1] as number;
      be[i + 1] = le[i] as number;
    }
    expect(split(be, "utf-16be", [3]).lines).toEqual(["ab", "cd"]);
  });

  it("a trailing newline produces no extra empty line", () => {
    expect(split(utf16le("a\n"), "utf-16le", []).lines).toEqual(["a"]);
    expect(split(new Uint8Array(0), "utf-16le", []).lines).toEqual([]);
  });
});

describe("over-long lines", () => {
  const collect = (encoding: string, maxLine: number, pieces: Uint8Array[]) => {
    const lines: string[] = [];
    const s = createLineSplitter(encoding, (batch) => lines.push(...batch), maxLine);
    for (const p of pieces) s.push(p);
    s.end();
    return lines;
  };

  it("a line longer than maxLine is cut there; the rest of it is dropped, the next line is whole", () => {
    const input = utf8("0123456789abcdef\nshort\nXXXXXXXXXXXX");
    for (const cuts of allSplits(input)) {
      let prev = 0;
      const pieces = [...cuts, input.length].map((c) => {
        const p = input.subarray(prev, c);
        prev = c;
        return p;
      });
      expect(collect("utf-8", 5, pieces)).toEqual(["01234", "short", "XXXXX"]);
    }
  });

  it("a CR before the LF does not count against the limit", () => {
    expect(collect("utf-8", 3, [utf8("abc\r"), utf8("\nd\r\n")])).toEqual(["abc", "d"]);
    expect(collect("utf-8", 3, [utf8("abcd\r\n")])).toEqual(["abc"]);
  });

  it("in a single big chunk too (a late line consumer replays the whole capture at once)", () => {
    expect(collect("utf-8", 4, [utf8("aaaaaaaa\nbb\ncccccc")])).toEqual(["aaaa", "bb", "cccc"]);
  });

  it("other byte encodings", () => {
    expect(collect("windows-1252", 2, [new Uint8Array([0xe9, 0xe9, 0xe9, 0x0a, 0x80])])).toEqual(["éé", "€"]);
  });

  it("UTF-16 counts characters", () => {
    const le = (s: string) => Buffer.from(s, "utf16le");
    expect(collect("utf-16le", 3, [le("abcdef"), le("gh\r\nxy\n"), le("0123456")])).toEqual([
      "abc",
      "xy",
      "012",
    ]);
  });
});
