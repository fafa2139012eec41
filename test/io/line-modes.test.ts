/** Carriage-return line mode and sanitizeVt (issue 15), in the one line definition (line-rules.ts). */
import { describe, expect, it } from "vitest";
import { Command, InvalidInputError } from "../../src/index.js";
import { LineScanner } from "../../src/io/line-scanner.js";
import { createLineSplitter } from "../../src/io/line-splitter.js";
import { stripVt } from "../../src/io/vt-sanitize.js";

const CR_MODE = { cr: true, sanitizeVt: false };

function split(chunks: Buffer[], encoding = "utf-8", rules = CR_MODE): string[] {
  const lines: string[] = [];
  const splitter = createLineSplitter(encoding, (batch) => lines.push(...batch), undefined, rules);
  for (const chunk of chunks) splitter.push(chunk);
  splitter.end();
  return lines;
}

function scan(chunks: Buffer[], rules = CR_MODE): Array<[string, number]> {
  const seen: Array<[string, number]> = [];
  const scanner = new LineScanner(
    "utf-8",
    0,
    (line, end) => {
      seen.push([line, end]);
      return false;
    },
    undefined,
    rules,
  );
  for (const chunk of chunks) scanner.feed(chunk);
  scanner.end();
  return seen;
}

const SAMPLE = "10%\r20%\r\n30%\r\r\nlast\rend";
const EXPECTED = ["10%", "20%", "30%", "", "last", "end"];

describe("carriage-return mode", () => {
  it("a bare CR ends a line, CR LF is one terminator, at every chunk boundary", () => {
    const bytes = Buffer.from(SAMPLE);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const chunks = [bytes.subarray(0, cut), bytes.subarray(cut)];
      expect(split(chunks), `cut at ${cut}`).toEqual(EXPECTED);
      expect(
        scan(chunks).map(([line]) => line),
        `scan cut at ${cut}`,
      ).toEqual(EXPECTED);
    }
    // Byte by byte, too.
    expect(split([...bytes].map((b) => Buffer.from([b])))).toEqual(EXPECTED);
  });

  it("the scanner reports where each line ends (CR LF counted whole)", () => {
    expect(scan([Buffer.from("a\rb\r\nc")])).toEqual([
      ["a", 2],
      ["b", 5],
      ["c", 6],
    ]);
  });

  it("off by default: a bare CR stays in the line", () => {
    expect(split([Buffer.from("a\rb\n")], "utf-8", { cr: false, sanitizeVt: false })).toEqual(["a\rb"]);
  });

  it("UTF-16 follows the same rule", () => {
    const bytes = Buffer.from(SAMPLE, "utf16le");
    for (let cut = 0; cut <= bytes.length; cut += 3) {
      expect(split([bytes.subarray(0, cut), bytes.subarray(cut)], "utf-16le"), `cut at ${cut}`).toEqual(
        EXPECTED,
      );
    }
  });

  it("a real progress-bar style child, line by line and through waitForLine", async () => {
    const script =
      'for p in 0 25 50 75 100; do printf "\\rprogress %3d%%" $p; sleep 0.02; done; printf "\\r\\ndone\\n"';
    const proc = await new Command("sh", ["-c", script]).carriageReturnLines("stdout").start();
    expect(await proc.waitForLine("progress  50%", "5s")).toBe("progress  50%");
    const rest: string[] = [];
    for await (const line of proc.stdoutLines()) rest.push(line);
    expect(rest).toEqual(["progress  75%", "progress 100%", "done"]);
    const lines: string[] = [];
    await new Command("sh", ["-c", script])
      .carriageReturnLines()
      .onStdoutLine((line) => lines.push(line))
      .run();
    expect(lines).toEqual([
      "",
      "progress   0%",
      "progress  25%",
      "progress  50%",
      "progress  75%",
      "progress 100%",
      "done",
    ]);
  });

  it("per stream: stderr only", async () => {
    const proc = await new Command("sh", ["-c", "printf 'a\\rb\\n'; printf 'c\\rd\\n' >&2"])
      .carriageReturnLines("stderr")
      .start();
    const out: string[] = [];
    const err: string[] = [];
    const events = proc.events();
    for await (const event of events) {
      if (event.type === "stdout") out.push(event.line);
      if (event.type === "stderr") err.push(event.line);
    }
    expect(out).toEqual(["a\rb"]);
    expect(err).toEqual(["c", "d"]);
  });
});

describe("sanitizeVt()", () => {
  it("strips CSI colours, cursor moves, OSC titles and hyperlinks, two-byte escapes", () => {
    expect(stripVt("\x1b[1;31mred\x1b[0m plain")).toBe("red plain");
    expect(stripVt("\x1b[2K\x1b[1Gdraw")).toBe("draw");
    expect(stripVt("\x1b]0;title\x07text")).toBe("text");
    expect(stripVt("\x1b]8;;https://x.example\x1b\\link\x1b]8;;\x1b\\")).toBe("link");
    expect(stripVt("\x1b7saved\x1b8 \x1b(Bascii")).toBe("saved ascii");
    expect(stripVt("\x9b32mc1")).toBe("c1");
    expect(stripVt("no escapes")).toBe("no escapes");
  });

  it("on coloured output from a real child: lines, captured text, probes; never raw bytes", async () => {
    const script = "printf '\\033[32mok\\033[0m one\\n\\033[1;31merror\\033[0m two\\n'";
    const result = await new Command("sh", ["-c", script]).sanitizeVt().output();
    expect(result.stdout).toBe("ok one\nerror two\n");
    const proc = await new Command("sh", ["-c", script]).sanitizeVt().start();
    expect(await proc.waitForLine(/^ok one$/, "5s")).toBe("ok one");
    const lines: string[] = [];
    for await (const line of proc.stdoutLines()) lines.push(line);
    expect(lines).toEqual(["error two"]);
    const raw = await new Command("sh", ["-c", script]).sanitizeVt().outputBytes();
    expect(Buffer.from(raw.stdout).toString()).toContain("\x1b[32m");
  });

  it("combines with CR mode (a coloured progress bar)", async () => {
    const script = "printf '\\033[36m 50%%\\033[0m\\r\\033[36m100%%\\033[0m\\r\\n'";
    const lines: string[] = [];
    await new Command("sh", ["-c", script])
      .carriageReturnLines()
      .sanitizeVt()
      .onStdoutLine((l) => lines.push(l))
      .run();
    expect(lines).toEqual([" 50%", "100%"]);
  });

  it("bad selector → InvalidInputError", () => {
    expect(() => new Command("true").sanitizeVt("all" as never)).toThrow(InvalidInputError);
    expect(() => new Command("true").carriageReturnLines(1 as never)).toThrow(InvalidInputError);
  });
});
