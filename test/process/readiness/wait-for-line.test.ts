/** waitForLine / waitForStderrLine: matching, consumption, deadline, early exit. */
import { describe, expect, it } from "vitest";
import { InvalidInputError, NotReadyError } from "../../../src/index.js";
import { isAlive } from "../../helpers/procs.js";
import { node } from "../../helpers/scripts.js";

describe("waitForLine", () => {
  it("resolves with a line printed later, by substring, RegExp or predicate", async () => {
    const script = `
      const lines = ["booting", "loading config", "db ready", "listening on 8080", "serving"];
      let i = 0;
      const t = setInterval(() => { console.log(lines[i++]); if (i === lines.length) clearInterval(t); }, 50);
      setInterval(() => {}, 1000);
    `;
    await using proc = await node(script).start();
    expect(await proc.waitForLine("config", "20s")).toBe("loading config");
    expect(await proc.waitForLine(/^db\s/g, "20s")).toBe("db ready");
    expect(await proc.waitForLine((l) => l.endsWith("8080"), "20s")).toBe("listening on 8080");
    expect(isAlive(proc.pid as number)).toBe(true);
  });

  it("finds a line printed before the call", async () => {
    await using proc = await node(`console.log("ready"); setInterval(() => {}, 1000)`).start();
    await proc.waitForStderrLine(/never/, "300ms").catch(() => {}); // give "ready" time to be printed
    expect(await proc.waitForLine("ready", "10s")).toBe("ready");
  });

  it("consumes up to and including the match: stdoutLines() continues after it, output() keeps everything", async () => {
    const script = `["a", "b", "READY", "c"].forEach((l) => console.log(l)); setTimeout(() => console.log("d"), 200);`;
    await using proc = await node(script).start();
    expect(await proc.waitForLine("READY", "10s")).toBe("READY");
    const rest: string[] = [];
    for await (const line of proc.stdoutLines()) rest.push(line);
    expect(rest).toEqual(["c", "d"]);

    await using again = await node(script).start();
    await again.waitForLine("b", "10s");
    expect(await again.waitForLine(/./, "10s")).toBe("READY"); // a second probe continues after the first
    expect((await again.output()).stdout).toBe("a\nb\nREADY\nc\nd\n");
  });

  it("a line printed just before the child exits is still found; a final unterminated line counts", async () => {
    await using a = await node(`console.log("done"); process.exit(0)`).start();
    expect(await a.waitForLine("done", "10s")).toBe("done");
    await using b = await node(`process.stdout.write("no newline at the end")`).start();
    expect(await b.waitForLine("the end", "10s")).toBe("no newline at the end");
    await using c = await node(`process.stdout.write("crlf\\r\\n"); setInterval(() => {}, 1000)`).start();
    expect(await c.waitForLine(/^crlf$/, "10s")).toBe("crlf");
  });

  it("works on stderr", async () => {
    await using proc = await node(
      `console.log("out"); console.error("warming up"); console.error("ok: ready"); setInterval(() => {}, 1000)`,
    ).start();
    expect(await proc.waitForStderrLine(/ready$/, "10s")).toBe("ok: ready");
    expect(await proc.waitForLine("out", "10s")).toBe("out");
  });

  it("works in UTF-16 (BOM and CRLF handled, 2-byte units split across reads)", async () => {
    // Written one byte at a time so newline units straddle reads.
    const script = `
      const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from("héllo\\r\\nready ✓\\nafter\\n", "utf16le")]);
      let i = 0;
      const t = setInterval(() => { process.stdout.write(bytes.subarray(i, i + 1)); if (++i === bytes.length) clearInterval(t); }, 1);
      setInterval(() => {}, 1000);
    `;
    await using proc = await node(script).encoding("utf-16le").start();
    expect(await proc.waitForLine(/^h/, "20s")).toBe("héllo");
    expect(await proc.waitForLine("ready", "20s")).toBe("ready ✓");
    const lines = proc.stdoutLines();
    expect((await lines.next()).value).toBe("after");
  });

  it("with a drop-oldest output limit, the cursor still lands right after the match", async () => {
    const script = `for (let i = 0; i < 5000; i++) console.log("line " + i); console.log("READY"); console.log("tail"); setInterval(() => {}, 1000);`;
    await using proc = await node(script).outputLimit({ maxBytes: 4096, onOverflow: "drop-oldest" }).start();
    expect(await proc.waitForLine("READY", "20s")).toBe("READY");
    const lines = proc.stdoutLines();
    expect((await lines.next()).value).toBe("tail");
  });

  it("rejects with NotReadyError at its deadline, keeps draining, and leaves the child running", async () => {
    // Floods stdout (far more than a pipe holds) and never prints the line.
    const script = `const s = "y".repeat(1023) + "\\n"; let n = 0; const t = setInterval(() => { for (let i = 0; i < 256; i++) process.stdout.write(s); if (++n === 8) { clearInterval(t); process.stdout.write("", () => console.error("flushed")); } }, 10); setInterval(() => {}, 1000);`;
    await using proc = await node(script).start();
    const error = await proc.waitForLine("never printed", "1500ms").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotReadyError);
    expect((error as NotReadyError).timeoutMs).toBe(1500);
    expect((error as NotReadyError).message).toMatch(/a matching stdout line not ready within 1500 ms/);
    expect(isAlive(proc.pid as number)).toBe(true);
    await proc.waitForStderrLine("flushed", "20s");
    await proc.kill();
    // Everything the child wrote was read while the probe waited (else it could not have flushed).
    expect((await proc.output()).stdout.length).toBe(8 * 256 * 1024);
  });

  it("rejects at once when the stream ends first (the child exited)", async () => {
    await using proc = await node(
      `console.log("something else"); setTimeout(() => process.exit(1), 100)`,
    ).start();
    const error = await proc.waitForLine("ready", "30s").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotReadyError);
    expect((error as NotReadyError).timeoutMs).toBeUndefined();
    expect((error as NotReadyError).message).toMatch(/stdout ended before a matching stdout line appeared/);
  });

  it("a throwing predicate rejects with its own error", async () => {
    await using proc = await node(`console.log("x"); setInterval(() => {}, 1000)`).start();
    const bug = new Error("predicate bug");
    await expect(
      proc.waitForLine(() => {
        throw bug;
      }, "10s"),
    ).rejects.toBe(bug);
    expect(isAlive(proc.pid as number)).toBe(true);
  });

  it("refuses a stream already taken by a line consumer, bad arguments, and an unpiped stream", async () => {
    await using proc = await node(`setInterval(() => {}, 1000)`).start();
    proc.stdoutLines();
    await expect(proc.waitForLine("x", "1s")).rejects.toThrow(/already took it/);
    expect(() => proc.waitForStderrLine(42 as never, "1s")).toThrow(InvalidInputError);
    expect(() => proc.waitForStderrLine("x", "1 fortnight")).toThrow(InvalidInputError);
    await using inherited = await node(`0`).stdout("ignore").start();
    expect(() => inherited.waitForLine("x", "1s")).toThrow(/not piped/);
  });
});
