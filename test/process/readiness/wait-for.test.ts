/** waitFor(asyncPredicate): polling, errors as "not yet", deadline, early exit, abort signal. */
import { describe, expect, it } from "vitest";
import { InvalidInputError, NotReadyError } from "../../../src/index.js";
import { isAlive } from "../../helpers/procs.js";
import { node } from "../../helpers/scripts.js";
import { httpServer, portOf } from "./servers.js";

describe("waitFor", () => {
  it("resolves once the async predicate is truthy (here: a real fetch against the child)", async () => {
    await using server = await httpServer({ unhealthyForMs: 300 }).start();
    const port = portOf(await server.waitForLine(/^listening /, "20s"));
    let calls = 0;
    await server.waitFor(async (signal) => {
      calls++;
      const res = await fetch(`http://127.0.0.1:${port}/health`, { signal });
      return (await res.text()) === "ok";
    }, "20s");
    expect(calls).toBeGreaterThan(1);
    expect(isAlive(server.pid as number)).toBe(true);
  });

  it("never runs two checks at once, and a throwing check counts as not yet", async () => {
    await using proc = await node(`setInterval(() => {}, 1000)`).start();
    let running = 0;
    let maxRunning = 0;
    let calls = 0;
    await proc.waitFor(async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((r) => setTimeout(r, 80));
      running--;
      if (++calls < 3) throw new Error("not up");
      return true;
    }, "20s");
    expect(calls).toBe(3);
    expect(maxRunning).toBe(1);
  });

  it("rejects at its deadline with the last error, aborts the in-flight check, leaves the child running", async () => {
    await using proc = await node(`setInterval(() => {}, 1000)`).start();
    let aborted = false;
    let first = true;
    const error = await proc
      .waitFor(async (signal) => {
        if (first) {
          first = false;
          throw new Error("database still migrating");
        }
        signal.addEventListener("abort", () => {
          aborted = true;
        });
        return new Promise(() => {}); // hangs: only the deadline ends it
      }, "400ms")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotReadyError);
    expect((error as NotReadyError).timeoutMs).toBe(400);
    expect((error as NotReadyError).message).toMatch(/database still migrating/);
    expect(aborted).toBe(true);
    expect(isAlive(proc.pid as number)).toBe(true);
  });

  it("rejects at once when the child exits first", async () => {
    await using proc = await node(`setTimeout(() => process.exit(7), 100)`).start();
    const error = await proc.waitFor(() => false, "30s").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotReadyError);
    expect((error as NotReadyError).message).toMatch(/exited \(code 7\)/);
  });

  it("validates its arguments", async () => {
    await using proc = await node(`0`).start();
    expect(() => proc.waitFor("yes" as never, "1s")).toThrow(InvalidInputError);
    expect(() => proc.waitFor(() => true, Number.NaN)).toThrow(InvalidInputError);
  });
});
