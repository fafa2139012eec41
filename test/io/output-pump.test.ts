/** Line handlers and line streams on real children: framing, isolation of a throwing handler, ordering. */
import { describe, expect, it } from "vitest";
import { node } from "../helpers/scripts.js";

describe("onStdoutLine / onStderrLine", () => {
  it("delivers every line, CRLF stripped, final unterminated line included, before the verb resolves", async () => {
    const out: string[] = [];
    const err: string[] = [];
    const result = await node(
      `process.stdout.write("one\\r\\ntwo\\n\\nthree\\r\\nlast"); process.stderr.write("e1\\r\\ne2");`,
    )
      .onStdoutLine((l) => out.push(l))
      .onStderrLine((l) => err.push(l))
      .output();
    expect(out).toEqual(["one", "two", "", "three", "last"]);
    expect(err).toEqual(["e1", "e2"]);
    // The captured text is the raw text: CRLF kept.
    expect(result.stdout).toBe("one\r\ntwo\n\nthree\r\nlast");
  });

  it("a throwing handler is disabled, other handlers and the run go on", async () => {
    let bad = 0;
    const good: string[] = [];
    const result = await node(`for (let i = 0; i < 5; i++) console.log("line " + i)`)
      .onStdoutLine(() => {
        bad++;
        throw new Error("handler bug");
      })
      .onStdoutLine((l) => good.push(l))
      .output();
    expect(bad).toBe(1);
    expect(good).toEqual(["line 0", "line 1", "line 2", "line 3", "line 4"]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.split("\n")).toHaveLength(6);
  });

  it("a handler that throws on a later line keeps the lines it saw before", async () => {
    const seen: string[] = [];
    const result = await node(`for (let i = 0; i < 4; i++) console.log(i)`)
      .onStdoutLine((l) => {
        seen.push(l);
        if (l === "1") throw new Error("stop");
      })
      .checked();
    expect(seen).toEqual(["0", "1"]);
    expect(result.stdout).toBe("0\n1\n2\n3\n");
  });

  it("handlers see lines as they arrive (before the child exits)", async () => {
    let seenWhileRunning = false;
    await node(`console.log("first"); setTimeout(() => console.log("second"), 500)`)
      .onStdoutLine((l) => {
        if (l === "first") seenWhileRunning = true;
      })
      .onStdoutLine((l) => {
        if (l === "second") expect(seenWhileRunning).toBe(true);
      })
      .run();
    expect(seenWhileRunning).toBe(true);
  });

  it("handlers compose with an output limit: they see every line even when the capture drops them", async () => {
    const lines: string[] = [];
    const result = await node(`for (let i = 0; i < 1000; i++) console.log(i)`)
      .outputLimit({ maxLines: 3, onOverflow: "drop-oldest" })
      .onStdoutLine((l) => lines.push(l))
      .output();
    expect(lines).toHaveLength(1000);
    expect(result.stdout).toBe("997\n998\n999\n");
    expect(result.truncated).toBe(true);
  });

  it("many lines across many chunks arrive complete and in order", async () => {
    let count = 0;
    let ordered = true;
    await node(`let s = ""; for (let i = 0; i < 200000; i++) s += i + "\\n"; process.stdout.write(s)`)
      .onStdoutLine((l) => {
        if (Number(l) !== count) ordered = false;
        count++;
      })
      .run();
    expect(count).toBe(200_000);
    expect(ordered).toBe(true);
  });
});

describe("stdoutLines()", () => {
  it("lines produced before iteration starts are not lost", async () => {
    const proc = await node(`for (let i = 0; i < 100; i++) console.log(i)`).start();
    await new Promise((r) => setTimeout(r, 500));
    const lines: string[] = [];
    for await (const l of proc.stdoutLines()) lines.push(l);
    expect(lines).toHaveLength(100);
    expect(lines[99]).toBe("99");
    const finished = await proc.finish();
    expect(finished.outcome).toEqual({ kind: "exited", code: 0 });
    expect(finished.stdout).toBeUndefined();
  });

  it("a second consumer is refused", async () => {
    const proc = await node(`console.log(1)`).start();
    proc.stdoutLines();
    expect(() => proc.stdoutLines()).toThrow(/once/);
    await proc.kill();
  });

  it("a slow consumer pauses a fast producer instead of buffering without bound", async () => {
    const proc = await node(
      `let i = 0; const w = () => { while (i < 300000) { if (!process.stdout.write(i++ + "\\n")) return process.stdout.once("drain", w); } }; w();`,
    ).start();
    let n = 0;
    for await (const line of proc.stdoutLines()) {
      if (Number(line) !== n) throw new Error(`out of order at ${n}: ${line}`);
      n++;
      if (n % 50_000 === 0) await new Promise((r) => setTimeout(r, 20));
    }
    expect(n).toBe(300_000);
    await proc.finish();
  });
});
