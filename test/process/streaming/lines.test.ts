/** Line streams: 100 000 lines with `for await`, early `break` inside `await using`, framing. */
import { afterEach, describe, expect, it } from "vitest";
import { isAlive, killPids } from "../../helpers/procs.js";
import { node } from "../../helpers/scripts.js";

const created: number[] = [];
afterEach(() => killPids(created.splice(0)));

const COUNT = 100_000;
/** Writes 0..COUNT-1, one per line, in many writes (so the pipe fills and backpressure works). */
const MANY = `
  let i = 0;
  function more() {
    let ok = true;
    while (i < ${COUNT} && ok) {
      let s = "";
      for (let j = 0; j < 500 && i < ${COUNT}; j++) s += (i++) + "\\n";
      ok = process.stdout.write(s);
    }
    if (i < ${COUNT}) process.stdout.once("drain", more);
  }
  more();
`;

describe("stdoutLines()", () => {
  it("delivers 100 000 lines in order with for await", async () => {
    await using proc = await node(MANY).start();
    let expected = 0;
    let wrong = 0;
    for await (const line of proc.stdoutLines()) {
      if (line !== String(expected)) wrong++;
      expected++;
    }
    expect(wrong).toBe(0);
    expect(expected).toBe(COUNT);
    expect((await proc.finish()).outcome).toEqual({ kind: "exited", code: 0 });
  });

  it("a slow consumer loses nothing (the child is paused, not our memory grown)", async () => {
    await using proc = await node(MANY).start();
    let count = 0;
    let last = "";
    for await (const line of proc.stdoutLines()) {
      count++;
      last = line;
      if (count % 20_000 === 0) await new Promise((r) => setTimeout(r, 50));
    }
    expect(count).toBe(COUNT);
    expect(last).toBe(String(COUNT - 1));
  });

  it("break after 10 lines inside await using: the tree is gone afterwards (positive control first)", async () => {
    // The leader forks a grandchild that inherits stdout, prints its pid, then streams forever.
    const script = `
      const { spawn } = require("node:child_process");
      const g = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: ["ignore", "inherit", "inherit"] });
      console.log(g.pid);
      ${MANY}
      setInterval(() => {}, 1000);
    `;
    let leader: number | undefined;
    let grandchild: number | undefined;
    const seen: string[] = [];
    {
      await using proc = await node(script).start();
      leader = proc.pid as number;
      created.push(leader);
      for await (const line of proc.stdoutLines()) {
        if (grandchild === undefined) {
          grandchild = Number(line);
          created.push(grandchild);
          // Positive control: both are really alive while we stream.
          expect(isAlive(leader)).toBe(true);
          expect(isAlive(grandchild)).toBe(true);
          continue;
        }
        seen.push(line);
        if (seen.length === 10) break;
      }
      // After break the process is still running (break only stops reading) …
      expect(isAlive(leader)).toBe(true);
    }
    // … and leaving the block disposed of the whole tree, and waited for it.
    expect(seen).toEqual(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
    expect(isAlive(leader)).toBe(false);
    expect(isAlive(grandchild as number)).toBe(false);
  });

  it("CRLF is stripped and a final unterminated line is delivered", async () => {
    await using proc = await node(`process.stdout.write("a\\r\\nb\\n\\r\\nc\\r\\nlast")`).start();
    const lines: string[] = [];
    for await (const line of proc.stdoutLines()) lines.push(line);
    expect(lines).toEqual(["a", "b", "", "c", "last"]);
  });

  it("lines printed before the call are not lost, stderr is separate", async () => {
    await using proc = await node(
      `console.log("early"); console.error("err"); setTimeout(() => console.log("late"), 200)`,
    ).start();
    await proc.waitForStderrLine("err", "10s"); // by now "early" has surely been printed
    const out: string[] = [];
    for await (const line of proc.stdoutLines()) out.push(line);
    const err: string[] = [];
    for await (const line of proc.stderrLines()) err.push(line);
    expect(out).toEqual(["early", "late"]);
    // waitForStderrLine consumed "err": the stderr stream continues after it.
    expect(err).toEqual([]);
    expect((await proc.finish()).stderr).toBe("");
  });

  it("a second consumer of a stream throws", async () => {
    await using proc = await node(`console.log(1)`).start();
    proc.stdoutLines();
    expect(() => proc.stdoutLines()).toThrow(/once/);
    expect(() => proc.events()).toThrow(/already consumed/);
    proc.stderrLines();
    expect(() => proc.stderrLines()).toThrow(/once/);
  });
});
