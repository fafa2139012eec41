/** waitAny / waitAll over started processes. */
import { describe, expect, it } from "vitest";
import { CancelledError, InvalidInputError, waitAll, waitAny } from "../../src/index.js";
import { isAlive } from "../helpers/procs.js";
import { node } from "../helpers/scripts.js";

const ECHO = `require("node:readline").createInterface({ input: process.stdin }).on("line", (l) => console.log("echo " + l)).on("close", () => process.exit(0));`;

describe("waitAny", () => {
  it("returns the first to exit; the others stay usable", async () => {
    await using chat = await node(ECHO).keepStdinOpen().start();
    await using quick = await node(`setTimeout(() => process.exit(5), 150)`).start();
    await using idle = await node(`console.log("idle"); setInterval(() => {}, 1000)`).start();

    const first = await waitAny([chat, quick, idle]);
    expect(first.index).toBe(1);
    expect(first.finished.outcome).toEqual({ kind: "exited", code: 5 });

    // The losers were not touched: still alive, stdin still open, streams intact.
    expect(isAlive(chat.pid as number)).toBe(true);
    expect(isAlive(idle.pid as number)).toBe(true);
    const lines = chat.stdoutLines();
    await chat.stdin.writeLine("still here?");
    expect((await lines.next()).value).toBe("echo still here?");
    await chat.stdin.end();
    expect((await chat.finish()).outcome).toEqual({ kind: "exited", code: 0 });
    expect(await idle.waitForLine("idle", "10s")).toBe("idle");

    // And they can be raced again.
    await idle.kill();
    const second = await waitAny([idle, quick]);
    expect(second.finished.outcome.kind).toMatch(/signalled|exited/);
  });

  it("when several already finished, the earliest in the input wins", async () => {
    const a = await node(`0`).start();
    const b = await node(`process.exit(1)`).start();
    await Promise.all([a.finish(), b.finish()]);
    expect((await waitAny([b, a])).index).toBe(0);
  });

  it("rejects if the first to finish was cancelled", async () => {
    const controller = new AbortController();
    await using doomed = await node(`setInterval(() => {}, 1000)`).cancelOn(controller.signal).start();
    await using idle = await node(`setInterval(() => {}, 1000)`).start();
    setTimeout(() => controller.abort(), 100);
    await expect(waitAny([idle, doomed])).rejects.toBeInstanceOf(CancelledError);
    expect(isAlive(idle.pid as number)).toBe(true);
  });

  it("an empty list is InvalidInputError, thrown at the call", () => {
    expect(() => waitAny([])).toThrow(InvalidInputError);
    expect(() => waitAny([{} as never])).toThrow(InvalidInputError);
  });
});

describe("waitAll", () => {
  it("returns every Finished in input order, whatever the exit order", async () => {
    const procs = await Promise.all(
      [400, 50, 200].map((ms, i) =>
        node(`setTimeout(() => { console.log(${i}); process.exit(${i}) }, ${ms})`).start(),
      ),
    );
    const all = await waitAll(procs);
    expect(all.map((f) => f.outcome)).toEqual([
      { kind: "exited", code: 0 },
      { kind: "exited", code: 1 },
      { kind: "exited", code: 2 },
    ]);
    expect(all.map((f) => f.stdout)).toEqual(["0\n", "1\n", "2\n"]);
  });

  it("an empty list is an empty array; a cancelled member rejects", async () => {
    expect(await waitAll([])).toEqual([]);
    const controller = new AbortController();
    await using doomed = await node(`setInterval(() => {}, 1000)`).cancelOn(controller.signal).start();
    await using fine = await node(`0`).start();
    controller.abort();
    await expect(waitAll([fine, doomed])).rejects.toBeInstanceOf(CancelledError);
  });
});
