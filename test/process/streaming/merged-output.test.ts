/** Merged output (issue 15): fd-level 2>&1, the interleaved `all` capture, and Writable targets. */
import { PassThrough, Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import {
  Command,
  ExitError,
  InvalidInputError,
  OutputTargetError,
  OutputTooLargeError,
} from "../../../src/index.js";

const ALTERNATE = 'for i in $(seq 1 300); do echo "out $i"; echo "err $i" >&2; done';
const expectedAlternation = Array.from({ length: 300 }, (_, i) => `out ${i + 1}\nerr ${i + 1}\n`).join("");

describe("stderrToStdout() (2>&1 at the fd level)", () => {
  it("keeps the exact order of a child that alternates writes on both fds", async () => {
    const result = await new Command("sh", ["-c", ALTERNATE]).stderrToStdout().output();
    expect(result.stdout).toBe(expectedAlternation);
    expect(result.stderr).toBe("");
  });

  it("the same order as lines, and in a pipeline stage", async () => {
    const proc = await new Command("sh", ["-c", ALTERNATE]).stderrToStdout().start();
    const lines: string[] = [];
    for await (const line of proc.stdoutLines()) lines.push(line);
    expect(`${lines.join("\n")}\n`).toBe(expectedAlternation);
    const piped = await new Command("sh", ["-c", ALTERNATE])
      .stderrToStdout()
      .pipe(new Command("wc", ["-l"]))
      .output();
    expect(piped.stdout.trim()).toBe("600");
  });

  it("a later stderr(mode) undoes it", async () => {
    const result = await new Command("sh", ["-c", "echo o; echo e >&2"])
      .stderrToStdout()
      .stderr("pipe")
      .output();
    expect(result.stdout).toBe("o\n");
    expect(result.stderr).toBe("e\n");
  });
});

describe("captureAll()", () => {
  it("keeps both streams interleaved in arrival order beside the separate captures", async () => {
    const script = "echo one; sleep 0.1; echo two >&2; sleep 0.1; echo three; sleep 0.1; echo four >&2";
    const result = await new Command("sh", ["-c", script]).captureAll().output();
    expect(result.all).toBe("one\ntwo\nthree\nfour\n");
    expect(result.stdout).toBe("one\nthree\n");
    expect(result.stderr).toBe("two\nfour\n");
    expect(result.allTruncated).toBe(false);
    expect(await new Command("true").output().then((r) => r.all)).toBeUndefined();
  });

  it("the output limit applies to it: truncation flag, drop-oldest window, error", async () => {
    const script = "echo 1; sleep 0.05; echo 2 >&2; sleep 0.05; echo 3; sleep 0.05; echo 4 >&2";
    const tail = await new Command("sh", ["-c", script])
      .captureAll()
      .outputLimit({ maxLines: 2, onOverflow: "drop-oldest" })
      .output();
    expect(tail.all).toBe("3\n4\n");
    expect(tail.allTruncated).toBe(true);
    expect(tail.truncated).toBe(true);
    const error = await new Command("sh", ["-c", script])
      .captureAll()
      .outputLimit({ maxLines: 3, onOverflow: "error" })
      .output()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutputTooLargeError);
    expect((error as OutputTooLargeError).stream).toBe("all");
  });

  it("decodes with the command's encoding", async () => {
    const result = await new Command("sh", ["-c", "printf '\\351t\\351\\n'; printf '\\340\\n' >&2"])
      .encoding("latin1")
      .captureAll()
      .output();
    expect(result.all).toBe("été\nà\n");
  });
});

describe("stdoutTo(writable) / stderrTo(writable)", () => {
  it("raw bytes reach a slow Writable with backpressure; capture: true keeps them too (a tee)", async () => {
    const received: Buffer[] = [];
    const slow = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _e, cb) {
        received.push(chunk);
        setImmediate(cb);
      },
    });
    const result = await new Command("head", ["-c", "3000000", "/dev/urandom"])
      .stdoutTo(slow, { capture: true })
      .outputBytes();
    const sent = Buffer.concat(received);
    expect(sent.length).toBe(3_000_000);
    expect(Buffer.compare(sent, Buffer.from(result.stdout))).toBe(0);
  });

  it("instead of capture by default; stderr too", async () => {
    const out = new PassThrough();
    const err = new PassThrough();
    const outParts: Buffer[] = [];
    const errParts: Buffer[] = [];
    out.on("data", (c: Buffer) => outParts.push(c));
    err.on("data", (c: Buffer) => errParts.push(c));
    const result = await new Command("sh", ["-c", "printf 'o\\r\\n'; printf 'e' >&2"])
      .stdoutTo(out)
      .stderrTo(err)
      .output();
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe("");
    expect(Buffer.concat(outParts).toString()).toBe("o\r\n");
    expect(Buffer.concat(errParts).toString()).toBe("e");
  });

  it("a target that errors: detached, the child is not left blocked, the run reports it", async () => {
    let writes = 0;
    const broken = new Writable({
      highWaterMark: 16,
      write(_chunk, _e, cb) {
        writes++;
        cb(new Error("disk full"));
      },
    });
    // 20 MiB: far more than a pipe holds, so a blocked child would hang the run.
    const error = await new Command("head", ["-c", String(20 * 1024 * 1024), "/dev/zero"])
      .stdoutTo(broken)
      .output()
      .catch((e: unknown) => e);
    expect(writes).toBeGreaterThan(0);
    expect(error).toBeInstanceOf(OutputTargetError);
    expect((error as OutputTargetError).stream).toBe("stdout");
    expect((error as Error).message).toMatch(/disk full/);
    // A failing run speaks for itself: its own error wins.
    const failing = new Writable({ write: (_c, _e, cb) => cb(new Error("nope")) });
    await expect(
      new Command("sh", ["-c", "echo x; exit 2"])
        .stdoutTo(failing)
        .output()
        .then((r) => r.ensureSuccess()),
    ).rejects.toBeInstanceOf(ExitError);
  });

  it("a target that was already closed is reported, and the run completes", async () => {
    const closed = new PassThrough();
    closed.destroy();
    await expect(new Command("sh", ["-c", "echo x"]).stdoutTo(closed).output()).rejects.toBeInstanceOf(
      OutputTargetError,
    );
  });

  it("an inner pipeline stage refuses a target or captureAll (its stdout never reaches JS)", () => {
    const tee = new Command("echo", ["x"]).stdoutTo(new PassThrough());
    expect(() => tee.pipe(new Command("cat"))).toThrow(/stdoutTo\(\) would receive nothing/);
    expect(() => new Command("echo").captureAll().pipe(new Command("cat"))).toThrow(InvalidInputError);
    expect(() => new Command("cat").pipe(new Command("echo").captureAll().pipe(new Command("cat")))).toThrow(
      InvalidInputError,
    );
    // On the last stage they are fine, and stderrToStdout is fine anywhere.
    expect(() => new Command("echo").stderrToStdout().pipe(new Command("cat").captureAll())).not.toThrow();
  });

  it("bad input is an InvalidInputError", () => {
    const cmd = new Command("true");
    expect(() => cmd.stdoutTo("file.txt" as never)).toThrow(InvalidInputError);
    expect(() => cmd.stdoutTo(new PassThrough(), { tee: true } as never)).toThrow(/unknown option tee/);
    expect(() => cmd.stderrTo(new PassThrough(), { capture: "yes" } as never)).toThrow(InvalidInputError);
  });
});
