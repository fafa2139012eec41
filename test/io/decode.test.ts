/**
 * Decoding: unit checks of io/decode.ts, then real children that write multibyte characters
 * split across two writes (with a pause, so they arrive in two reads), other encodings,
 * invalid bytes and byte-order marks.
 */
import { describe, expect, it } from "vitest";
import { decodeAll, skipPartialStart, skipPartialUtf8Start } from "../../src/io/decode.js";
import { node } from "../helpers/scripts.js";

/** A child that writes each hex string as raw bytes, pausing `pauseMs` between writes. */
function writes(hexChunks: string[], pauseMs = 150) {
  return node(
    `const chunks = ${JSON.stringify(hexChunks)};
     let i = 0;
     const next = () => {
       if (i === chunks.length) return;
       process.stdout.write(Buffer.from(chunks[i++], "hex"), () => setTimeout(next, ${pauseMs}));
     };
     next();`,
  );
}

const hex = (s: string, enc: BufferEncoding = "utf8") => Buffer.from(s, enc).toString("hex");

describe("decodeAll / skipPartialUtf8Start", () => {
  it("decodes UTF-8 lossily", () => {
    expect(decodeAll(new Uint8Array([0x61, 0xff, 0x62]), "utf-8")).toBe("a\uFFFDb");
    expect(decodeAll(new Uint8Array(0), "utf-8")).toBe("");
  });
  it("strips one UTF-8 BOM at the start only", () => {
    expect(decodeAll(Buffer.from("\uFEFFa\uFEFF"), "utf-8")).toBe("a\uFEFF");
  });
  it("decodes windows-1252 with its real table (0x80 is €, not U+0080)", () => {
    expect(decodeAll(new Uint8Array([0x80, 0x9f, 0xe9]), "windows-1252")).toBe("€Ÿé");
  });
  it("decodes UTF-16LE and strips its BOM", () => {
    expect(decodeAll(Buffer.from("\uFEFFhé😀", "utf16le"), "utf-16le")).toBe("hé😀");
  });
  it("skips up to three leading continuation bytes", () => {
    const euro = Buffer.from("€x"); // e2 82 ac 78
    expect(Buffer.from(skipPartialUtf8Start(euro.subarray(1))).toString()).toBe("x");
    expect(Buffer.from(skipPartialUtf8Start(euro.subarray(2))).toString()).toBe("x");
    expect(skipPartialUtf8Start(euro)).toBe(euro);
    const emoji = Buffer.from("😀y"); // f0 9f 98 80 79
    expect(Buffer.from(skipPartialUtf8Start(emoji.subarray(1))).toString()).toBe("y");
    expect(skipPartialUtf8Start(new Uint8Array([0x80, 0x80, 0x80, 0x80])).length).toBe(1);
  });
});

describe("multibyte characters split across two writes", () => {
  const cases: [string, string, number][] = [
    ["€ (3 bytes) cut after 1", "€\n", 1],
    ["€ (3 bytes) cut after 2", "€\n", 2],
    ["😀 (4 bytes) cut after 1", "😀\n", 1],
    ["😀 (4 bytes) cut after 3", "😀\n", 3],
    ["ñ (2 bytes) cut after 1", "xñy\n", 2],
  ];
  for (const [name, text, cut] of cases) {
    it(`output(): ${name}`, async () => {
      const all = hex(text);
      const result = await writes([all.slice(0, cut * 2), all.slice(cut * 2)]).output();
      expect(result.stdout).toBe(text);
      expect(result.stdout).not.toContain("\uFFFD");
    });
  }

  it("onStdoutLine handlers see whole characters", async () => {
    const lines: string[] = [];
    const all = hex("a€b\n😀\nend");
    // cut inside € and inside 😀
    const result = await writes([all.slice(0, 4), all.slice(4, 14), all.slice(14)])
      .onStdoutLine((l) => lines.push(l))
      .output();
    expect(lines).toEqual(["a€b", "😀", "end"]);
    expect(result.stdout).toBe("a€b\n😀\nend");
  });

  it("stdoutLines() sees whole characters", async () => {
    const all = hex("ü😀\n");
    const proc = await writes([all.slice(0, 2), all.slice(2, 6), all.slice(6)]).start();
    const lines: string[] = [];
    for await (const line of proc.stdoutLines()) lines.push(line);
    expect(lines).toEqual(["ü😀"]);
    await proc.finish();
  });

  it("stderr lines too", async () => {
    const lines: string[] = [];
    const result = await node(
      `process.stderr.write(Buffer.from([0xe2, 0x82]), () => setTimeout(() => process.stderr.write(Buffer.from([0xac, 0x0a])), 150));`,
    )
      .onStderrLine((l) => lines.push(l))
      .output();
    expect(result.stderr).toBe("€\n");
    expect(lines).toEqual(["€"]);
  });

  it("outputBytes() returns the exact bytes", async () => {
    const result = await writes(["e282", "ac0a"]).outputBytes();
    expect(Buffer.from(result.stdout).toString("hex")).toBe("e282ac0a");
  });
});

describe("encodings", () => {
  it("latin1 (= windows-1252) decodes high bytes", async () => {
    const lines: string[] = [];
    const result = await writes(["636166e90a", "80"]) // "café\n€"
      .encoding("latin1")
      .onStdoutLine((l) => lines.push(l))
      .output();
    expect(result.stdout).toBe("café\n€");
    expect(lines).toEqual(["café", "€"]);
  });

  it("utf-16le with a code unit and a surrogate pair split across writes", async () => {
    const all = hex("\uFEFFhé\r\n😀 end\n", "utf16le");
    const lines: string[] = [];
    // odd cut (inside a code unit), then a cut between the two halves of the surrogate pair
    const result = await writes([all.slice(0, 5 * 2), all.slice(10, 12 * 2), all.slice(24)])
      .encoding("utf-16le")
      .onStdoutLine((l) => lines.push(l))
      .output();
    expect(result.stdout).toBe("hé\r\n😀 end\n");
    expect(lines).toEqual(["hé", "😀 end"]);
  });

  it("stderr is decoded with the same encoding", async () => {
    const result = await node(`process.stderr.write(Buffer.from([0xe9]))`).encoding("latin1").output();
    expect(result.stderr).toBe("é");
  });

  it("invalid UTF-8 bytes become U+FFFD, never an error", async () => {
    const lines: string[] = [];
    const result = await writes(["61ff620a", "c30a", "ed a0 80".replaceAll(" ", "")])
      .onStdoutLine((l) => lines.push(l))
      .output();
    expect(result.exitCode).toBe(0);
    expect(result.stdout.startsWith("a\uFFFDb\n\uFFFD\n")).toBe(true);
    expect(lines.slice(0, 2)).toEqual(["a\uFFFDb", "\uFFFD"]);
    expect(lines[2]).toMatch(/^\uFFFD+$/);
  });

  it("a truncated character at the very end becomes U+FFFD", async () => {
    const result = await writes(["41e282"]).output();
    expect(result.stdout).toBe("A\uFFFD");
  });
});

describe("skipPartialStart", () => {
  it("UTF-8 delegates to the continuation-byte skip", () => {
    expect(Buffer.from(skipPartialStart(Buffer.from("€x").subarray(1), "utf-8", 1)).toString()).toBe("x");
  });
  it("UTF-16LE: realigns an odd window, then skips a lone low surrogate", () => {
    const all = Buffer.from("a😀b", "utf16le"); // 61 00 3D D8 00 DE 62 00
    const from = (n: number) => decodeAll(skipPartialStart(all.subarray(n), "utf-16le", n), "utf-16le");
    expect(from(0)).toBe("a😀b");
    expect(from(1)).toBe("😀b");
    expect(from(2)).toBe("😀b");
    expect(from(3)).toBe("b");
    expect(from(4)).toBe("b");
    expect(from(5)).toBe("b");
    expect(from(6)).toBe("b");
    expect(from(7)).toBe("");
  });
  it("UTF-16BE", () => {
    const le = Buffer.from("😀b", "utf16le");
    const be = Buffer.from(le).swap16();
    expect(decodeAll(skipPartialStart(be.subarray(2), "utf-16be", 2), "utf-16be")).toBe("b");
  });
  it("other encodings are left alone", () => {
    const bytes = new Uint8Array([0x80, 0x81]);
    expect(skipPartialStart(bytes, "windows-1252", 1)).toBe(bytes);
  });
});
