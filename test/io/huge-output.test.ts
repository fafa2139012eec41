/**
 * Output larger than V8's longest string (~512 MiB): `outputBytes()` returns it all,
 * `output()` reports a clear `OutputTooLargeError` instead of crashing. Heavy (600 MiB per
 * run, one run per verb), so the child repeats one 1 MiB pattern to keep the generator cheap.
 */
import { constants } from "node:buffer";
import { describe, expect, it } from "vitest";
import { OutputTooLargeError } from "../../src/index.js";
import { node } from "../helpers/scripts.js";

const MiB = 1024 * 1024;
const TOTAL_MIB = 600;

/** Block i is 1 MiB of "<i padded to 8>" followed by a fixed filler and a newline. */
const emit = () =>
  node(`
    const block = Buffer.alloc(${MiB}, "abcdefghijklmnopqrstuvwxyz0123456789\\n");
    let i = 0;
    const pump = () => {
      while (i < ${TOTAL_MIB}) {
        const b = Buffer.from(block);
        b.write(String(i).padStart(8, "0"), 0, "latin1");
        i++;
        if (!process.stdout.write(b)) return process.stdout.once("drain", pump);
      }
    };
    pump();
  `);

describe(`${TOTAL_MIB} MiB of stdout`, () => {
  it("is more than a string can hold", () => {
    expect(TOTAL_MIB * MiB).toBeGreaterThan(constants.MAX_STRING_LENGTH);
  });

  it("outputBytes() returns every byte", async () => {
    const result = await emit().outputBytes();
    expect(result.exitCode).toBe(0);
    expect(result.truncated).toBe(false);
    const out = Buffer.from(result.stdout.buffer, result.stdout.byteOffset, result.stdout.byteLength);
    expect(out.length).toBe(TOTAL_MIB * MiB);
    for (const i of [0, 1, 299, TOTAL_MIB - 1]) {
      expect(out.toString("latin1", i * MiB, i * MiB + 8)).toBe(String(i).padStart(8, "0"));
    }
    expect(out[out.length - 1]).toBe("abcdefghijklmnopqrstuvwxyz0123456789\n".charCodeAt((MiB - 1) % 37));
  }, 120_000);

  it("output() rejects with a clear OutputTooLargeError, not a crash", async () => {
    const error = await emit()
      .output()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutputTooLargeError);
    const e = error as OutputTooLargeError;
    expect(e.stream).toBe("stdout");
    expect(e.message).toMatch(/too large for a string/);
    expect(e.message).toMatch(/outputBytes\(\)/);
    expect(e.message).toContain(String(TOTAL_MIB * MiB));
  }, 120_000);

  it("a single line longer than a string can hold does not crash a line handler's host", async () => {
    const unhandled: unknown[] = [];
    const onError = (e: unknown) => unhandled.push(e);
    process.on("uncaughtException", onError);
    const lengths: number[] = [];
    let last = "";
    try {
      const result = await node(`
        const block = Buffer.alloc(${MiB}, "x");
        let i = 0;
        const pump = () => {
          while (i < ${TOTAL_MIB}) { i++; if (!process.stdout.write(block)) return process.stdout.once("drain", pump); }
          process.stdout.write("\\nend\\n");
        };
        pump();
      `)
        .outputLimit({ maxBytes: 16, onOverflow: "drop-oldest" }) // the capture is not the point here
        .onStdoutLine((line) => {
          lengths.push(line.length);
          last = line.length < 100 ? line : last;
        })
        .output();
      expect(result.exitCode).toBe(0);
    } finally {
      process.off("uncaughtException", onError);
    }
    expect(unhandled).toEqual([]);
    // the over-long line, cut at the longest string, then the next line, whole
    expect(lengths).toEqual([constants.MAX_STRING_LENGTH, 3]);
    expect(last).toBe("end");
  }, 120_000);
});
