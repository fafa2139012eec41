/** The one definition of a line, seen through both of its users: the splitter and the scanner agree. */
import { describe, expect, it } from "vitest";
import { LineScanner } from "../../src/io/line-scanner.js";
import { createLineSplitter } from "../../src/io/line-splitter.js";

function split(encoding: string, bytes: Buffer, maxLine?: number): string[] {
  const out: string[] = [];
  const splitter = createLineSplitter(encoding, (lines) => out.push(...lines), maxLine);
  splitter.push(bytes);
  splitter.end();
  return out;
}

function scan(encoding: string, bytes: Buffer, maxLine?: number): string[] {
  const out: string[] = [];
  const keepScanning = (line: string) => {
    out.push(line);
    return false;
  };
  const scanner = new LineScanner(encoding, 0, keepScanning, maxLine);
  scanner.feed(bytes);
  scanner.end();
  return out;
}

const CASES: Array<[string, string, Buffer]> = [
  ["utf-8", "CRLF, a bare CR inside a line, a final unterminated line", Buffer.from("a\r\nb\rc\n\nlast")],
  ["utf-8", "a BOM at offset 0 only", Buffer.from("\uFEFFone\n\uFEFFtwo\n")],
  [
    "windows-1252",
    "EF BB BF are real characters in a single-byte encoding",
    Buffer.from([0xef, 0xbb, 0xbf, 0x41, 0x0a]),
  ],
  ["utf-16le", "UTF-16 units, CRLF and a BOM", Buffer.from("\uFEFFx\r\ny\n", "utf16le")],
];

describe("line rules", () => {
  it.each(CASES)("%s: %s — splitter and scanner give the same lines", (encoding, _what, bytes) => {
    expect(scan(encoding, bytes)).toEqual(split(encoding, bytes));
  });

  it("expected lines for the common case", () => {
    expect(split("utf-8", Buffer.from("a\r\nb\rc\n\nlast"))).toEqual(["a", "b\rc", "", "last"]);
    expect(split("utf-8", Buffer.from("\uFEFFone\n\uFEFFtwo\n"))).toEqual(["one", "\uFEFFtwo"]);
  });

  it("both cut a line at maxLine and keep the next line whole", () => {
    const bytes = Buffer.from(`${"x".repeat(50)}\nshort\n`);
    expect(split("utf-8", bytes, 10)).toEqual(["x".repeat(10), "short"]);
    expect(scan("utf-8", bytes, 10)).toEqual(["x".repeat(10), "short"]);
  });
});
