/** A command's timeout and cancel bound a stream: it ends, and finish() says why. */
import { describe, expect, it } from "vitest";
import { CancelledError } from "../../../src/index.js";
import { isAlive } from "../../helpers/procs.js";
import { node } from "../../helpers/scripts.js";

const TICKER = `let i = 0; setInterval(() => console.log("tick " + i++), 20)`;

describe("bounded streams", () => {
  it("a timeout ends the stream and finish() reports timed-out", async () => {
    await using proc = await node(TICKER).timeout("3s").start();
    let count = 0;
    for await (const line of proc.stdoutLines()) {
      expect(line).toBe(`tick ${count}`);
      count++;
    }
    expect(count).toBeGreaterThan(0); // it streamed before the deadline
    const finished = await proc.finish();
    expect(finished.outcome).toEqual({ kind: "timed-out" });
    expect(isAlive(proc.pid as number)).toBe(false);
  });

  it("a timeout also ends events() with an exit event that says so", async () => {
    await using proc = await node(TICKER).timeout("2s").start();
    const types = new Set<string>();
    let last: unknown;
    for await (const event of proc.events()) {
      types.add(event.type);
      last = event;
    }
    expect(types.has("stdout")).toBe(true);
    expect(last).toEqual({ type: "exit", outcome: { kind: "timed-out" } });
  });

  it("a cancel ends iteration with CancelledError and finish() rejects with it", async () => {
    const controller = new AbortController();
    const reason = new Error("user pressed stop");
    await using proc = await node(TICKER).cancelOn(controller.signal).start();
    const seen: string[] = [];
    const iterate = (async () => {
      for await (const line of proc.stdoutLines()) {
        seen.push(line);
        if (seen.length === 3) controller.abort(reason);
      }
    })();
    const error = await iterate.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CancelledError);
    expect((error as CancelledError).cause).toBe(reason);
    expect(seen.length).toBeGreaterThanOrEqual(3);
    await expect(proc.finish()).rejects.toBeInstanceOf(CancelledError);
    expect(isAlive(proc.pid as number)).toBe(false);
  });

  it("a cancel ends events() with CancelledError too", async () => {
    const controller = new AbortController();
    await using proc = await node(TICKER).cancelOn(controller.signal).start();
    let lines = 0;
    const error = await (async () => {
      for await (const event of proc.events()) {
        if (event.type === "stdout" && ++lines === 2) controller.abort();
      }
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CancelledError);
  });
});
