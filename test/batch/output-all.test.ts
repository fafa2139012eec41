/** outputAll: input order, settled entries, a concurrency cap measured from inside. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import {
  CancelledError,
  Command,
  InvalidInputError,
  JobRunner,
  NotFoundError,
  outputAll,
  type ProcessRunner,
} from "../../src/index.js";
import { isAlive } from "../helpers/procs.js";
import { countLive, type LiveCounter } from "./channels.js";

const dir = mkdtempSync(join(tmpdir(), "pk-batch-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter: LiveCounter | undefined;
afterEach(() => counter?.close());

/**
 * Each child marks itself live with a file named by its pid, counts the live markers (itself
 * included), lingers, removes its marker, and prints "<index> <count>".
 */
function member(live: string, index: number): Command {
  return new Command("sh", [
    "-c",
    'touch "$0/$$"; n=$(ls "$0" | wc -l); sleep 0.05; rm "$0/$$"; echo "$1 $n"',
    live,
    String(index),
  ]);
}

describe("outputAll", () => {
  it("runs 200 commands at concurrency 8: never more than 8 live children, results in input order", async () => {
    const live = mkdtempSync(join(dir, "live-"));
    const commands = Array.from({ length: 200 }, (_, i) => member(live, i));
    counter = countLive();
    const entries = await outputAll(commands, { concurrency: 8 });
    expect(entries).toHaveLength(200);
    let maxSeenByChildren = 0;
    for (const [i, entry] of entries.entries()) {
      expect(entry.status).toBe("fulfilled");
      if (entry.status !== "fulfilled") continue;
      const [index, count] = entry.value.stdout.trim().split(" ").map(Number);
      expect(index).toBe(i); // slot i holds command i's result
      maxSeenByChildren = Math.max(maxSeenByChildren, count as number);
    }
    // Measured twice, from both sides: the children's own census and the spawn/exit channels.
    expect(maxSeenByChildren).toBeLessThanOrEqual(8);
    expect(counter.max).toBeLessThanOrEqual(8);
    expect(counter.spawned).toHaveLength(200);
    // Positive control: it really ran in parallel (the cap is not trivially met by running one at a time).
    expect(counter.max).toBeGreaterThanOrEqual(2);
    expect(maxSeenByChildren).toBeGreaterThanOrEqual(2);
    expect(counter.live).toBe(0);
  });

  it("a non-zero exit and a timeout are fulfilled; a launch error fills its own slot", async () => {
    const entries = await outputAll(
      [
        new Command("sh", ["-c", "echo out; echo err >&2; exit 3"]),
        new Command("processkit-no-such-program-xyz"),
        new Command("sleep", ["30"]).timeout("200ms"),
        new Command("echo", ["fine"]),
      ],
      { concurrency: 2 },
    );
    expect(entries.map((e) => e.status)).toEqual(["fulfilled", "rejected", "fulfilled", "fulfilled"]);
    const [failed, missing, slow, fine] = entries;
    if (failed?.status === "fulfilled") {
      expect(failed.value.exitCode).toBe(3);
      expect(failed.value.stdout).toBe("out\n");
      expect(failed.value.stderr).toBe("err\n");
    }
    if (missing?.status === "rejected") expect(missing.reason).toBeInstanceOf(NotFoundError);
    if (slow?.status === "fulfilled") expect(slow.value.timedOut).toBe(true);
    if (fine?.status === "fulfilled") expect(fine.value.stdout).toBe("fine\n");
  });

  it("an empty batch is an empty array", async () => {
    expect(await outputAll([], { concurrency: 3 })).toEqual([]);
  });

  it("rejects a bad concurrency or a non-Command synchronously, spawning nothing", () => {
    counter = countLive();
    const cmds = [new Command("echo", ["x"])];
    for (const concurrency of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, "4" as never]) {
      expect(() => outputAll(cmds, { concurrency })).toThrow(InvalidInputError);
    }
    expect(() => outputAll(["echo" as never])).toThrow(InvalidInputError);
    expect(() => outputAll(42 as never)).toThrow(InvalidInputError);
    expect(counter.spawned).toHaveLength(0);
  });

  it("uses the given runner", async () => {
    const real = new JobRunner();
    const seen: string[] = [];
    const runner: ProcessRunner = {
      output: (c) => {
        seen.push(c.argv.at(-1) as string);
        return real.output(c);
      },
      outputBytes: (c) => real.outputBytes(c),
      start: (c) => real.start(c),
    };
    const entries = await outputAll(
      ["a", "b", "c"].map((s) => new Command("echo", [s])),
      { concurrency: 1, runner },
    );
    expect(seen).toEqual(["a", "b", "c"]);
    expect(entries.map((e) => (e.status === "fulfilled" ? e.value.stdout : ""))).toEqual([
      "a\n",
      "b\n",
      "c\n",
    ]);
  });

  it("a batch cancelSignal cancels the in-flight runs (trees gone) and never starts the rest", async () => {
    counter = countLive();
    const controller = new AbortController();
    const commands = Array.from({ length: 10 }, () => new Command("sleep", ["300"]));
    const pending = outputAll(commands, { concurrency: 3, cancelSignal: controller.signal });
    while (counter.spawned.length < 3) await new Promise((r) => setTimeout(r, 10));
    const pids = [...counter.spawned];
    for (const pid of pids) expect(isAlive(pid)).toBe(true); // positive control
    controller.abort(new Error("enough"));
    const entries = await pending;
    expect(entries).toHaveLength(10);
    for (const entry of entries) {
      expect(entry.status).toBe("rejected");
      if (entry.status === "rejected") expect(entry.reason).toBeInstanceOf(CancelledError);
    }
    expect(counter.spawned).toHaveLength(3);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
  });

  it("a command's own cancel signal still works inside a batch", async () => {
    const own = new AbortController();
    const pending = outputAll(
      [new Command("sleep", ["300"]).cancelOn(own.signal), new Command("echo", ["ok"])],
      {
        concurrency: 2,
      },
    );
    setTimeout(() => own.abort(new Error("mine")), 200);
    const [cancelled, ok] = await pending;
    expect(cancelled?.status).toBe("rejected");
    if (cancelled?.status === "rejected")
      expect((cancelled.reason as CancelledError).cause).toEqual(new Error("mine"));
    expect(ok?.status).toBe("fulfilled");
  });
});
