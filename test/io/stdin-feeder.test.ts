/**
 * Every stdin source kind on a real child, the default (closed → EOF), and the classic crash:
 * lots of stdin to a child that exits at once must never surface EPIPE as an unhandled error.
 */
import { fstatSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { Command, StdinError } from "../../src/index.js";
import { node } from "../helpers/scripts.js";

/** A child that echoes stdin to stdout byte for byte. */
const cat = () => node(`process.stdin.pipe(process.stdout)`);

const dir = mkdtempSync(join(tmpdir(), "pk-stdin-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Fails the test if anything becomes an unhandled error while it runs. */
let unhandled: unknown[] = [];
const onUnhandled = (error: unknown) => unhandled.push(error);
beforeEach(() => {
  unhandled = [];
  process.on("unhandledRejection", onUnhandled);
  process.on("uncaughtException", onUnhandled);
});
afterEach(async () => {
  // Give late EPIPEs (they arrive on a later tick) a chance to show up.
  await new Promise((r) => setTimeout(r, 50));
  process.off("unhandledRejection", onUnhandled);
  process.off("uncaughtException", onUnhandled);
  expect(unhandled).toEqual([]);
});

describe("stdin sources", () => {
  it("string", async () => {
    expect((await cat().stdin("héllo\nworld").output()).stdout).toBe("héllo\nworld");
  });

  it("empty string: the child sees EOF", async () => {
    expect((await cat().stdin("").timeout("10s").output()).stdout).toBe("");
  });

  it("Uint8Array, byte for byte (invalid UTF-8 included)", async () => {
    const bytes = new Uint8Array([0, 1, 0xff, 0xfe, 10, 0x80]);
    const result = await cat().stdin(bytes).outputBytes();
    expect(Buffer.from(result.stdout).equals(Buffer.from(bytes))).toBe(true);
  });

  it("a Uint8Array is copied at the builder call", async () => {
    const bytes = new TextEncoder().encode("abc");
    const command = cat().stdin(bytes);
    bytes[0] = 0x7a;
    expect(await command.run()).toBe("abc");
  });

  it("array of lines: one line each", async () => {
    expect((await cat().stdin(["a", "b", ""]).output()).stdout).toBe("a\nb\n\n");
  });

  it("an array (or Set) is copied at the builder call", async () => {
    const lines = ["a"];
    const set = new Set(["s"]);
    const command = cat().stdin(lines);
    const fromSet = cat().stdin(set);
    lines.push("b");
    set.add("t");
    expect(await command.run()).toBe("a");
    expect(await fromSet.run()).toBe("s");
  });

  it("an array can be replayed: the same Command runs twice", async () => {
    const command = cat().stdin(["x", "y"]);
    expect(await command.run()).toBe("x\ny");
    expect(await command.run()).toBe("x\ny");
  });

  it("Set (any Iterable<string>)", async () => {
    expect(
      (
        await cat()
          .stdin(new Set(["p", "q"]))
          .output()
      ).stdout,
    ).toBe("p\nq\n");
  });

  it("generator: one line each", async () => {
    function* lines() {
      for (let i = 0; i < 3; i++) yield `line ${i}`;
    }
    expect((await cat().stdin(lines()).output()).stdout).toBe("line 0\nline 1\nline 2\n");
  });

  it("a generator is one-shot: a second run fails loudly before spawning", async () => {
    function* lines() {
      yield "once";
    }
    const command = cat().stdin(lines());
    expect(await command.run()).toBe("once");
    const error = await command.run().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StdinError);
    expect((error as Error).message).toMatch(/already consumed/);
  });

  it("async iterable: strings are lines, bytes are raw", async () => {
    async function* source() {
      yield "text";
      await new Promise((r) => setTimeout(r, 20));
      yield new TextEncoder().encode("raw-no-newline");
      yield "after";
    }
    expect((await cat().stdin(source()).output()).stdout).toBe("text\nraw-no-newlineafter\n");
  });

  it("a large generator respects backpressure and arrives complete", async () => {
    function* many() {
      for (let i = 0; i < 200_000; i++) yield String(i);
    }
    const result = await node(
      `let n = 0, last = ""; process.stdin.on("data", (c) => { for (const b of c) if (b === 10) n++; }); process.stdin.on("end", () => console.log(n));`,
    )
      .stdin(many())
      .run();
    expect(result).toBe("200000");
  });

  it("Readable stream", async () => {
    const stream = Readable.from([Buffer.from("chunk1 "), Buffer.from("chunk2")]);
    expect((await cat().stdin(stream).output()).stdout).toBe("chunk1 chunk2");
  });

  it("a Readable is one-shot", async () => {
    const stream = Readable.from([Buffer.from("x")]);
    const command = cat().stdin(stream);
    await command.run();
    await expect(command.run()).rejects.toBeInstanceOf(StdinError);
  });

  it("a Readable that is written to over time", async () => {
    const stream = new PassThrough();
    const run = cat().stdin(stream).output();
    stream.write("first ");
    setTimeout(() => stream.end("last"), 100);
    expect((await run).stdout).toBe("first last");
  });

  it("{ file } (and it can be replayed)", async () => {
    const file = join(dir, "input.txt");
    writeFileSync(file, "from a file\n");
    const command = cat().stdin({ file });
    expect(await command.run()).toBe("from a file");
    expect(await command.run()).toBe("from a file");
  });

  it("a missing { file } is a StdinError and nothing runs", async () => {
    const error = await cat()
      .stdin({ file: join(dir, "missing") })
      .run()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StdinError);
    expect((error as Error).message).toContain("missing");
  });

  it('"ignore": the child reads /dev/null', async () => {
    const devNull = fstatSync(0) && (await import("node:fs")).statSync("/dev/null");
    const out = await node(`const s = require("fs").fstatSync(0); console.log(s.rdev)`).stdin("ignore").run();
    expect(Number(out)).toBe(devNull.rdev);
  });

  it('"inherit": the child reads our stdin', async () => {
    const ours = fstatSync(0);
    const out = await node(`const s = require("fs").fstatSync(0); console.log(s.dev + ":" + s.ino)`)
      .stdin("inherit")
      .run();
    expect(out).toBe(`${ours.dev}:${ours.ino}`);
  });

  it("default: closed, the child sees EOF at once (cat does not hang)", async () => {
    const result = await new Command("cat").timeout("10s").output();
    expect(result.timedOut).toBe(false);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe("");
  });

  it("keepStdinOpen() with a bulk verb: the child sees EOF", async () => {
    const result = await new Command("cat").keepStdinOpen().timeout("10s").output();
    expect(result.timedOut).toBe(false);
    expect(result.exitCode).toBe(0);
  });
});

describe("early exit and source failures", () => {
  const TEN_MIB = 10 * 1024 * 1024;

  it("10 MiB of stdin to a child that exits at once succeeds, no unhandled error", async () => {
    const big = new Uint8Array(TEN_MIB).fill(0x61);
    for (let i = 0; i < 5; i++) {
      const result = await new Command("true").stdin(big).output();
      expect(result.exitCode).toBe(0);
      expect(result.isSuccess).toBe(true);
    }
  });

  it("10 MiB as a string, to a node child that exits at once", async () => {
    const result = await node(`process.exit(0)`).stdin("b".repeat(TEN_MIB)).run();
    expect(result).toBe("");
  });

  it("10 MiB to a child that reads a little and closes stdin", async () => {
    const big = new Uint8Array(TEN_MIB).fill(0x62);
    const result = await new Command("head", ["-c", "5"]).stdin(big).output();
    expect(result.stdout).toBe("bbbbb");
    expect(result.exitCode).toBe(0);
  });

  it("an endless generator to a child that exits at once", async () => {
    function* endless() {
      for (;;) yield "y".repeat(1000);
    }
    const result = await new Command("true").stdin(endless()).timeout("20s").output();
    expect(result.exitCode).toBe(0);
    expect(result.timedOut).toBe(false);
  });

  it("an endless Readable to a child that exits at once", async () => {
    const endless = new Readable({
      read() {
        this.push(Buffer.alloc(65_536, 0x63));
      },
    });
    const result = await new Command("true").stdin(endless).timeout("20s").output();
    expect(result.exitCode).toBe(0);
    endless.destroy();
  });

  it("an async source that never yields does not hang a child that exits", async () => {
    const never: AsyncIterable<string> = {
      [Symbol.asyncIterator]: () => ({ next: () => new Promise<IteratorResult<string>>(() => {}) }),
    };
    const result = await new Command("true").stdin(never).timeout("20s").output();
    expect(result.exitCode).toBe(0);
    expect(result.timedOut).toBe(false);
  });

  it("a generator that throws → StdinError when the run otherwise succeeded", async () => {
    function* broken() {
      yield "ok";
      throw new Error("source broke");
    }
    const error = await cat()
      .stdin(broken())
      .output()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StdinError);
    expect((error as StdinError).message).toContain("source broke");
    expect((error as StdinError).cause).toBeInstanceOf(Error);
  });

  it("a Readable that errors → StdinError", async () => {
    const stream = new Readable({
      read() {
        this.destroy(new Error("disk on fire"));
      },
    });
    await expect(cat().stdin(stream).output()).rejects.toThrow(/disk on fire/);
  });

  it("a failing source does not mask a failed run: the result speaks for itself", async () => {
    function* broken(): Generator<string> {
      yield "partial";
      throw new Error("source broke");
    }
    const result = await node(`process.stdin.resume(); process.stdin.on("end", () => process.exit(3))`)
      .stdin(broken())
      .output();
    expect(result.exitCode).toBe(3);
  });
});
