/** events(): both streams tagged, in arrival order, then the exit. */
import { describe, expect, it } from "vitest";
import type { ProcessEvent } from "../../../src/index.js";
import { node } from "../../helpers/scripts.js";

async function collect(iterable: AsyncIterable<ProcessEvent>): Promise<ProcessEvent[]> {
  const out: ProcessEvent[] = [];
  for await (const event of iterable) out.push(event);
  return out;
}

describe("events()", () => {
  it("interleaves stdout and stderr in arrival order and ends with the exit", async () => {
    // Lockstep: the child writes the next line only after we acknowledged the previous event,
    // so the order in which lines arrive is defined, whichever pipe they use.
    const script = `
      const steps = [["out", "o1"], ["err", "e1"], ["out", "o2"], ["err", "e2"], ["err", "e3"], ["out", "o3"]];
      let i = 0;
      const next = () => {
        if (i === steps.length) { process.exitCode = 3; process.stdin.destroy(); return; }
        const [s, text] = steps[i++];
        (s === "out" ? process.stdout : process.stderr).write(text + "\\n");
      };
      require("node:readline").createInterface({ input: process.stdin }).on("line", next);
      next();
    `;
    await using proc = await node(script).keepStdinOpen().start();
    const events: ProcessEvent[] = [];
    for await (const event of proc.events()) {
      events.push(event);
      if (event.type !== "exit") await proc.stdin.writeLine("ack");
    }
    expect(events).toEqual([
      { type: "stdout", line: "o1" },
      { type: "stderr", line: "e1" },
      { type: "stdout", line: "o2" },
      { type: "stderr", line: "e2" },
      { type: "stderr", line: "e3" },
      { type: "stdout", line: "o3" },
      { type: "exit", outcome: { kind: "exited", code: 3 } },
    ]);
    const finished = await proc.finish();
    expect(finished.outcome).toEqual({ kind: "exited", code: 3 });
    expect(finished.stdout).toBeUndefined();
  });

  it("replays lines printed before the call, and a final unterminated line per stream", async () => {
    await using proc = await node(`process.stdout.write("a\\nb"); process.stderr.write("x\\r\\ny")`).start();
    await proc.finish();
    const events = await collect(proc.events());
    expect(events.filter((e) => e.type === "stdout")).toEqual([
      { type: "stdout", line: "a" },
      { type: "stdout", line: "b" },
    ]);
    expect(events.filter((e) => e.type === "stderr")).toEqual([
      { type: "stderr", line: "x" },
      { type: "stderr", line: "y" },
    ]);
    expect(events.at(-1)).toEqual({ type: "exit", outcome: { kind: "exited", code: 0 } });
  });

  it("a chatty child on both streams: nothing lost, break does not hang", async () => {
    const script = `for (let i = 0; i < 20000; i++) { process.stdout.write("o" + i + "\\n"); process.stderr.write("e" + i + "\\n"); }`;
    await using proc = await node(script).start();
    let out = 0;
    let err = 0;
    let exit = 0;
    for await (const event of proc.events()) {
      if (event.type === "stdout") expect(event.line).toBe(`o${out++}`);
      else if (event.type === "stderr") expect(event.line).toBe(`e${err++}`);
      else exit++;
    }
    expect([out, err, exit]).toEqual([20_000, 20_000, 1]);

    await using again = await node(script).start();
    let n = 0;
    for await (const _ of again.events()) if (++n === 5) break;
    expect((await again.finish()).outcome).toEqual({ kind: "exited", code: 0 });
  });

  it("takes both streams: stdoutLines()/stderrLines() afterwards throw", async () => {
    await using proc = await node(`console.log(1)`).start();
    proc.events();
    expect(() => proc.stdoutLines()).toThrow();
    expect(() => proc.stderrLines()).toThrow();
    expect(() => proc.events()).toThrow();
  });
});
