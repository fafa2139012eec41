/**
 * Output limits on real children: drop-oldest keeps exactly the tail (checked byte for byte
 * against a deterministic stream), drop-newest keeps the head, "error" fails the run and kills
 * the tree; checking verbs refuse a truncated capture.
 */
import { afterEach, describe, expect, it } from "vitest";
import { Command, OutputTooLargeError } from "../../src/index.js";
import { isAlive, killPids, waitDead } from "../helpers/procs.js";
import { node } from "../helpers/scripts.js";

const created: number[] = [];
afterEach(() => killPids(created.splice(0)));

const MiB = 1024 * 1024;
const BLOCK = 65_536;

/**
 * The deterministic stream: block k (64 KiB) is a fixed pseudo-random pattern whose first 16
 * bytes are replaced by the block number in decimal, zero-padded. Any byte's value depends on
 * its position, so a window that is off by one byte, or out of order, cannot match.
 */
const PATTERN_SRC = `
  const BLOCK = ${BLOCK};
  const base = Buffer.alloc(BLOCK);
  let x = 2463534242;
  for (let i = 0; i < BLOCK; i++) { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; base[i] = x & 0xff; }
  const blockAt = (k) => { const b = Buffer.from(base); b.write(String(k).padStart(16, "0"), 0, "latin1"); return b; };
`;

// The same generator, in the test process (built from the very same source text as the child's).
const blockAt: (k: number) => Buffer = new Function(`${PATTERN_SRC}; return blockAt;`)();

/** A child writing `total` bytes of the stream, with backpressure. */
function emit(total: number): Command {
  return node(`${PATTERN_SRC}
    const total = ${total};
    let pos = 0;
    const pump = () => {
      while (pos < total) {
        const k = Math.floor(pos / BLOCK);
        const piece = blockAt(k).subarray(pos % BLOCK, Math.min(BLOCK, total - k * BLOCK));
        pos += piece.length;
        if (!process.stdout.write(piece)) return process.stdout.once("drain", pump);
      }
    };
    pump();`);
}

/** Bytes [from, to) of the stream. */
function expected(from: number, to: number): Buffer {
  const parts: Buffer[] = [];
  for (let k = Math.floor(from / BLOCK); k * BLOCK < to; k++) {
    const start = Math.max(from - k * BLOCK, 0);
    const end = Math.min(to - k * BLOCK, BLOCK);
    parts.push(blockAt(k).subarray(start, end));
  }
  return Buffer.concat(parts);
}

describe("drop-oldest", () => {
  it("1 GiB through outputBytes with a 1 MiB limit keeps exactly the tail, sets truncated, stays bounded", async () => {
    const total = 1024 * MiB + 12_345; // not block-aligned: the window starts mid-block
    const before = process.memoryUsage.rss();
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage.rss());
    }, 50);
    let result: Awaited<ReturnType<Command["outputBytes"]>>;
    try {
      result = await emit(total).outputLimit({ maxBytes: "1MiB", onOverflow: "drop-oldest" }).outputBytes();
    } finally {
      clearInterval(sampler);
    }
    expect(result.exitCode).toBe(0);
    expect(result.truncated).toBe(true);
    expect(result.stdout.length).toBe(MiB);
    expect(Buffer.from(result.stdout).equals(expected(total - MiB, total))).toBe(true);
    // An unbounded capture would have needed > 1 GiB; the bounded one stays far below.
    expect(peak - before).toBeLessThan(512 * MiB);
  }, 180_000);

  it("output() text of a tail cut inside a multibyte character does not start with U+FFFD", async () => {
    const result = await node(`process.stdout.write("€".repeat(1000))`)
      .outputLimit({ maxBytes: 10, onOverflow: "drop-oldest" })
      .output();
    expect(result.truncated).toBe(true);
    expect(result.stdout).toBe("€€€");
  });

  it("a UTF-16 tail cut inside a code unit or a surrogate pair still decodes cleanly", async () => {
    // "a😀" is 61 00 3D D8 00 DE in UTF-16LE; 1000 of them, then keep an odd number of bytes.
    const script = `process.stdout.write(Buffer.from("a😀".repeat(1000), "utf16le"))`;
    for (const maxBytes of [13, 14, 15, 16]) {
      const result = await node(script)
        .encoding("utf-16le")
        .outputLimit({ maxBytes, onOverflow: "drop-oldest" })
        .output();
      expect(result.stdout, `maxBytes ${maxBytes}`).not.toContain("\uFFFD");
      expect(result.stdout.endsWith("a😀"), `maxBytes ${maxBytes}`).toBe(true);
      expect("a😀".repeat(10).endsWith(result.stdout), `maxBytes ${maxBytes}`).toBe(true);
    }
  });

  it("maxLines keeps the last N lines, stderr included", async () => {
    const result = await node(
      `for (let i = 0; i < 10000; i++) { console.log("out " + i); console.error("err " + i); }`,
    )
      .outputLimit({ maxLines: 2, onOverflow: "drop-oldest" })
      .output();
    expect(result.stdout).toBe("out 9998\nout 9999\n");
    expect(result.stderr).toBe("err 9998\nerr 9999\n");
    expect(result.truncated).toBe(true);
  });

  it("within the limit: nothing dropped, not truncated", async () => {
    const result = await node(`console.log("a"); console.log("b")`)
      .outputLimit({ maxLines: 2, maxBytes: 100, onOverflow: "drop-oldest" })
      .output();
    expect(result.stdout).toBe("a\nb\n");
    expect(result.truncated).toBe(false);
  });
});

describe("drop-newest", () => {
  it("keeps exactly the head, sets truncated, and drains the pipe to the end", async () => {
    const total = 64 * MiB + 7;
    const result = await emit(total)
      .outputLimit({ maxBytes: MiB + 3, onOverflow: "drop-newest" })
      .timeout("120s")
      .outputBytes();
    expect(result.exitCode).toBe(0); // the child was never blocked nor killed
    expect(result.truncated).toBe(true);
    expect(result.stdout.length).toBe(MiB + 3);
    expect(Buffer.from(result.stdout).equals(expected(0, MiB + 3))).toBe(true);
  }, 120_000);

  it("maxLines keeps the first N lines", async () => {
    const result = await node(`for (let i = 0; i < 100000; i++) console.log(i)`)
      .outputLimit({ maxLines: 3, onOverflow: "drop-newest" })
      .output();
    expect(result.stdout).toBe("0\n1\n2\n");
    expect(result.truncated).toBe(true);
    expect(result.exitCode).toBe(0);
  });
});

describe('onOverflow: "error"', () => {
  it("rejects with OutputTooLargeError and kills the tree (positive control: it was alive)", async () => {
    let grandchild: number | undefined;
    let aliveDuringRun = false;
    const command = node(`
      const { spawn } = require("node:child_process");
      const c = spawn(process.execPath, ["-e", "setInterval(() => process.stdout.write('x'.repeat(65536)), 1)"], { stdio: ["ignore", "inherit", "inherit"] });
      console.error(c.pid);
      setInterval(() => {}, 1000);
    `)
      .outputLimit({ maxBytes: "1M", onOverflow: "error" })
      .onStderrLine((line) => {
        grandchild = Number(line);
        created.push(grandchild);
        aliveDuringRun = isAlive(grandchild);
      })
      .timeout("60s");
    const proc = await command.start();
    created.push(proc.pid as number);
    const error = await proc.output().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutputTooLargeError);
    const e = error as OutputTooLargeError;
    expect(e.stream).toBe("stdout");
    expect(e.maxBytes).toBe(MiB);
    expect(e.message).toMatch(/stdout/);
    expect(e.message).toMatch(/limit/);
    expect(aliveDuringRun).toBe(true);
    expect(grandchild).toBeGreaterThan(0);
    expect(await waitDead(grandchild as number, 2_000)).toBe(true);
    expect(isAlive(proc.pid as number)).toBe(false);
  });

  it("every verb reports it (output, outputBytes, run, checked)", async () => {
    const flood = node(`process.stdout.write("z".repeat(100000))`).outputLimit({
      maxBytes: 1000,
      onOverflow: "error",
    });
    await expect(flood.output()).rejects.toBeInstanceOf(OutputTooLargeError);
    await expect(flood.outputBytes()).rejects.toBeInstanceOf(OutputTooLargeError);
    await expect(flood.run()).rejects.toBeInstanceOf(OutputTooLargeError);
    await expect(flood.checked()).rejects.toBeInstanceOf(OutputTooLargeError);
    await expect(flood.exitCode()).rejects.toBeInstanceOf(OutputTooLargeError);
  });

  it("maxLines, on stderr", async () => {
    const error = await node(`for (let i = 0; i < 100; i++) console.error(i)`)
      .outputLimit({ maxLines: 10, onOverflow: "error" })
      .output()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutputTooLargeError);
    expect((error as OutputTooLargeError).stream).toBe("stderr");
    expect((error as OutputTooLargeError).maxLines).toBe(10);
  });

  it("exactly at the limit is not an overflow", async () => {
    const result = await node(`process.stdout.write("a\\nb\\n")`)
      .outputLimit({ maxLines: 2, maxBytes: 4, onOverflow: "error" })
      .output();
    expect(result.stdout).toBe("a\nb\n");
    expect(result.truncated).toBe(false);
  });
});

describe("verbs and truncation", () => {
  const truncated = node(
    `console.log(JSON.stringify({ a: 1 })); for (let i = 0; i < 100; i++) console.log(i)`,
  ).outputLimit({
    maxLines: 1,
    onOverflow: "drop-newest",
  });

  it("output() and checked() return the truncated result with the flag", async () => {
    const result = await truncated.output();
    expect(result.truncated).toBe(true);
    expect(result.stdout).toBe('{"a":1}\n');
    expect((await truncated.checked()).truncated).toBe(true);
  });

  it("run(), parse() and json() refuse a truncated stdout", async () => {
    await expect(truncated.run()).rejects.toBeInstanceOf(OutputTooLargeError);
    await expect(truncated.parse((s) => s.length)).rejects.toBeInstanceOf(OutputTooLargeError);
    await expect(truncated.json()).rejects.toBeInstanceOf(OutputTooLargeError);
    const error = (await truncated.run().catch((e: unknown) => e)) as OutputTooLargeError;
    expect(error.stream).toBe("stdout");
    expect(error.message).toMatch(/truncated/);
  });

  it("a truncated stderr does not make run() refuse a complete stdout", async () => {
    const command = node(
      `console.log("answer"); for (let i = 0; i < 100; i++) console.error("noise " + i)`,
    ).outputLimit({ maxLines: 5, onOverflow: "drop-oldest" });
    const result = await command.output();
    expect(result.truncated).toBe(true);
    expect(result.stderr).toBe("noise 95\nnoise 96\nnoise 97\nnoise 98\nnoise 99\n");
    expect(await command.run()).toBe("answer");
    expect(await command.parse((s) => s.trim())).toBe("answer");
    expect((await command.output()).stdoutTruncated).toBe(false);
  });

  it("exitCode() and probe() do not care about truncation", async () => {
    const command = node(`for (let i = 0; i < 100; i++) console.log(i); process.exit(1)`).outputLimit({
      maxLines: 1,
      onOverflow: "drop-oldest",
    });
    expect(await command.exitCode()).toBe(1);
    expect(await command.probe()).toBe(false);
  });
});

describe("a plain Command", () => {
  it("has no limit by default", async () => {
    const result = await new Command("head", ["-c", String(5 * MiB), "/dev/zero"]).outputBytes();
    expect(result.stdout.length).toBe(5 * MiB);
    expect(result.truncated).toBe(false);
  });
});
