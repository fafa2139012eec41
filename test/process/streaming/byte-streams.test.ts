/** Node stream interop (issue 15): readable(), chunks(), writable(), duplex(), with real children. */
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip, createGzip } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { Command, ExitError, InvalidInputError, TimeoutError } from "../../../src/index.js";
import { isAlive, waitDead } from "../../helpers/procs.js";

const dir = mkdtempSync(join(tmpdir(), "pk-bytes-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MiB = 1024 * 1024;

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of source) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}

/** Reads a byte stream to its end: the text received, and the error it ended with (if any). */
async function drain(source: AsyncIterable<Uint8Array>): Promise<{ text: string; error: unknown }> {
  const parts: string[] = [];
  try {
    for await (const chunk of source) parts.push(Buffer.from(chunk).toString());
    return { text: parts.join(""), error: undefined };
  } catch (error) {
    return { text: parts.join(""), error };
  }
}

describe("readable()", () => {
  it("stream.pipeline(proc.readable(), gzip, file) round-trips 50 MiB byte-exact", async () => {
    const input = join(dir, "random.bin");
    const data = Buffer.alloc(50 * MiB);
    for (let i = 0; i < data.length; i += 4) data.writeUInt32LE((i * 2654435761) >>> 0, i);
    writeFileSync(input, data);
    const gz = join(dir, "random.bin.gz");
    const proc = await new Command("cat", [input]).start();
    await pipeline(proc.readable(), createGzip({ level: 1 }), createWriteStream(gz));
    const back = await collect(createReadStream(gz).pipe(createGunzip()));
    expect(back.length).toBe(data.length);
    expect(sha256(back)).toBe(sha256(data));
    expect((await proc.finish()).outcome).toEqual({ kind: "exited", code: 0 });
  }, 120_000);

  it("ends with the verb's error after the data: ExitError", async () => {
    const proc = await new Command("sh", ["-c", "printf 'one\\ntwo\\n'; exit 3"]).start();
    const { text, error } = await drain(proc.readable());
    expect(text).toBe("one\ntwo\n");
    expect(error).toBeInstanceOf(ExitError);
    expect((error as ExitError).result.exitCode).toBe(3);
  });

  it("ends with TimeoutError after the data when the deadline fires", async () => {
    const proc = await new Command("sh", ["-c", "echo started; exec sleep 30"]).timeout("300ms").start();
    const parts: string[] = [];
    await expect(
      (async () => {
        for await (const chunk of proc.readable()) parts.push(Buffer.from(chunk).toString());
      })(),
    ).rejects.toBeInstanceOf(TimeoutError);
    expect(parts.join("")).toBe("started\n");
  });

  it("a consumer that stops reading: the child blocks, and a deadline still fires", async () => {
    const proc = await new Command("yes").timeout("500ms").start();
    const readable = proc.readable();
    await new Promise<void>((resolve) => readable.once("readable", () => resolve()));
    // Never read again: the pipe is held, `yes` blocks on write; the deadline kills it anyway.
    const finished = await proc.finish();
    expect(finished.outcome).toEqual({ kind: "timed-out" });
    expect(readable.readableLength).toBeLessThanOrEqual(2 * 1024 * 1024);
    const error = await new Promise((resolve) => {
      readable.on("error", resolve);
      readable.resume();
    });
    expect(error).toBeInstanceOf(TimeoutError);
  });

  it("a destroyed readable kills the run", async () => {
    const proc = await new Command("yes").start();
    const pid = proc.pid as number;
    expect(isAlive(pid)).toBe(true); // positive control
    const readable = proc.readable();
    await new Promise<void>((resolve) => readable.once("data", () => resolve()));
    readable.destroy();
    const finished = await proc.finish();
    expect(finished.outcome).toEqual({ kind: "signalled", signal: "SIGKILL" });
    expect(await waitDead(pid)).toBe(true);
  });

  it("a slow consumer: backpressure reaches the child, RSS stays bounded for 1 GiB", async () => {
    const proc = await new Command("head", ["-c", String(1024 * MiB), "/dev/zero"]).start();
    const before = process.memoryUsage.rss();
    let peak = before;
    const readable = proc.readable();
    // A consumer that does not read at all for a while: unbounded buffering would take the whole GiB now.
    for (let i = 0; i < 15; i++) {
      await new Promise((r) => setTimeout(r, 100));
      peak = Math.max(peak, process.memoryUsage.rss());
    }
    let total = 0;
    let n = 0;
    for await (const chunk of readable) {
      total += chunk.length;
      if (++n % 256 === 0) {
        peak = Math.max(peak, process.memoryUsage.rss());
        await new Promise((r) => setTimeout(r, 1));
      }
    }
    expect(total).toBe(1024 * MiB);
    expect(peak - before).toBeLessThan(64 * MiB);
  }, 120_000);

  it("replays what was printed before the call, from the line cursor", async () => {
    const proc = await new Command("sh", ["-c", "echo banner; echo ready; sleep 0.2; echo after"]).start();
    await proc.waitForLine("ready", "5s");
    expect((await collect(proc.readable())).toString()).toBe("after\n");
  });

  it("from: stderr and from: all", async () => {
    const err = await new Command("sh", ["-c", "echo out; echo err >&2"]).start();
    expect((await collect(err.readable({ from: "stderr" }))).toString()).toBe("err\n");
    expect((await err.output()).stdout).toBe("out\n");
    const all = await new Command("sh", ["-c", "echo out; sleep 0.1; echo err >&2"]).start();
    expect((await collect(all.readable({ from: "all" }))).toString()).toBe("out\nerr\n");
  });

  it("one consumer per stream: a second one is an InvalidInputError", async () => {
    const proc = await new Command("sh", ["-c", "echo x"]).start();
    const readable = proc.readable();
    expect(() => proc.readable()).toThrow(InvalidInputError);
    expect(() => proc.stdoutLines()).toThrow(InvalidInputError);
    expect(() => proc.chunks()).toThrow(InvalidInputError);
    expect(() => proc.readable({ from: "all" })).toThrow(InvalidInputError);
    expect(() => proc.readable({ from: "nope" as "all" })).toThrow(InvalidInputError);
    expect(() => proc.readable({ form: "stderr" } as object)).toThrow(InvalidInputError);
    await collect(readable);
    const lines = await new Command("sh", ["-c", "echo x"]).start();
    lines.stdoutLines();
    expect(() => lines.readable()).toThrow(/already has a consumer/);
    await lines.kill();
  });

  it("not piped → InvalidInputError", async () => {
    const proc = await new Command("true").stdout("ignore").start();
    expect(() => proc.readable()).toThrow(InvalidInputError);
    await proc.finish();
  });
});

describe("chunks()", () => {
  it("is an async iterable of Uint8Array; break stops reading without killing", async () => {
    const proc = await new Command("sh", ["-c", "echo first; sleep 0.3; echo second"]).start();
    for await (const chunk of proc.chunks()) {
      expect(chunk).toBeInstanceOf(Uint8Array);
      expect(Buffer.from(chunk).toString()).toBe("first\n");
      break;
    }
    expect((await proc.finish()).outcome).toEqual({ kind: "exited", code: 0 });
  });
});

describe("writable() and duplex()", () => {
  it("writable() needs keepStdinOpen(), and has one consumer", async () => {
    const closed = await new Command("cat").start();
    expect(() => closed.writable()).toThrow(InvalidInputError);
    await closed.finish();
    const open = await new Command("cat").keepStdinOpen().start();
    const stdin = open.writable();
    expect(() => open.writable()).toThrow(InvalidInputError);
    await pipeline(Readable.from(["a\n", "b\n"]), stdin);
    expect((await open.output()).stdout).toBe("a\nb\n");
  });

  it("duplex() is a transform step inside stream.pipeline", async () => {
    const proc = await new Command("tr", ["a-z", "A-Z"]).keepStdinOpen().start();
    const out: Buffer[] = [];
    const words = Array.from({ length: 20_000 }, (_, i) => `word ${i}\n`);
    await pipeline(
      Readable.from(words),
      proc.duplex(),
      new Writable({
        write(chunk: Buffer, _e, cb) {
          out.push(chunk);
          cb();
        },
      }),
    );
    expect(Buffer.concat(out).toString()).toBe(words.join("").toUpperCase());
  });

  it("a child that stops reading early (EPIPE) does not fail the writer", async () => {
    const proc = await new Command("head", ["-c", "1"]).keepStdinOpen().start();
    const big = Buffer.alloc(4 * MiB, 120);
    await pipeline(Readable.from([big, big]), proc.writable());
    expect((await proc.output()).stdout).toBe("x");
  });
});

describe("pipelines", () => {
  it("a.pipe(b).pipe(c).readable() streams the last stage; a Node Readable feeds the first", async () => {
    const source = new PassThrough();
    const proc = await new Command("cat")
      .stdin(source)
      .pipe(new Command("tr", ["a-z", "A-Z"]))
      .pipe(new Command("cat"))
      .start();
    source.end("hello pipes\n");
    expect((await collect(proc.readable())).toString()).toBe("HELLO PIPES\n");
  });

  it("the chain's pipefail error ends the stream after the data", async () => {
    const proc = await new Command("echo", ["data"]).pipe(new Command("sh", ["-c", "cat; exit 4"])).start();
    const { text, error } = await drain(proc.readable());
    expect(text).toBe("data\n");
    expect(error).toBeInstanceOf(ExitError);
    expect((error as ExitError).result.exitCode).toBe(4);
  });

  it("duplex() of a pipeline: first stage's stdin, last stage's stdout", async () => {
    const proc = await new Command("tr", ["a-z", "A-Z"]).keepStdinOpen().pipe(new Command("rev")).start();
    const out = await collect(Readable.from(["abc\n"]).pipe(proc.duplex()));
    expect(out.toString()).toBe("CBA\n");
  });
});
