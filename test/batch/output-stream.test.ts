/** outputStream: completion order; breaking out kills the in-flight runs and starts nothing more. */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import {
  CancelledError,
  Command,
  InvalidInputError,
  outputStream,
  type StreamedEntry,
} from "../../src/index.js";
import { isAlive, killPids } from "../helpers/procs.js";
import { countLive, type LiveCounter } from "./channels.js";

const dir = mkdtempSync(join(tmpdir(), "pk-stream-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter: LiveCounter | undefined;
const created: number[] = [];
afterEach(() => {
  counter?.close();
  killPids(created.splice(0));
});

const sleep = (seconds: number) => new Command("sleep", [String(seconds)]);

describe("outputStream", () => {
  it("yields { index, result } in completion order", async () => {
    const order: number[] = [];
    for await (const { index, result } of outputStream([sleep(2), sleep(0.05), sleep(1)], {
      concurrency: 3,
    })) {
      expect(result.status).toBe("fulfilled");
      order.push(index);
    }
    expect(order).toEqual([1, 2, 0]);
  });

  it("breaking out kills the in-flight trees and never starts the queued commands", async () => {
    const marks = mkdtempSync(join(dir, "marks-"));
    // A leader that forks a long sleeper (its grandchild), records the sleeper's pid, and waits.
    const holder = new Command("sh", ["-c", 'sleep 300 & echo $! > "$0/$$"; wait', marks]);
    const commands = [new Command("echo", ["quick"]), ...Array.from({ length: 9 }, () => holder)];
    counter = countLive();
    const got: StreamedEntry[] = [];
    let grandchildren: number[] = [];
    for await (const entry of outputStream(commands, { concurrency: 3 })) {
      got.push(entry);
      // Positive control: the two in-flight holders and their grandchildren are alive right now.
      const deadline = Date.now() + 10_000;
      while (readdirSync(marks).length < 2 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 10));
      grandchildren = readdirSync(marks).map((f) => Number(readFileSync(join(marks, f), "utf8")));
      created.push(...grandchildren, ...counter.spawned);
      expect(grandchildren).toHaveLength(2);
      for (const pid of grandchildren) expect(isAlive(pid)).toBe(true);
      break;
    }
    expect(got.map((e) => e.index)).toEqual([0]);
    // Only the first window was ever started: 1 quick + 2 holders.
    expect(counter.spawned).toHaveLength(3);
    for (const pid of [...counter.spawned, ...grandchildren]) expect(isAlive(pid)).toBe(false);
    expect(counter.live).toBe(0);
  });

  it("is lazy: nothing starts before the first next(); validation happens at the call", async () => {
    counter = countLive();
    const stream = outputStream([new Command("echo", ["x"])], { concurrency: 1 });
    await new Promise((r) => setTimeout(r, 100));
    expect(counter.spawned).toHaveLength(0);
    const first = await stream.next();
    expect(first.done).toBe(false);
    expect((await stream.next()).done).toBe(true);
    expect(() => outputStream([new Command("echo")], { concurrency: 0 })).toThrow(InvalidInputError);
  });

  it("a batch cancelSignal ends the stream with every index exactly once", async () => {
    const controller = new AbortController();
    const commands = [new Command("echo", ["a"]), ...Array.from({ length: 5 }, () => sleep(300))];
    const indices: number[] = [];
    let cancelled = 0;
    for await (const { index, result } of outputStream(commands, {
      concurrency: 2,
      cancelSignal: controller.signal,
    })) {
      indices.push(index);
      if (result.status === "rejected" && result.reason instanceof CancelledError) cancelled++;
      if (index === 0) setTimeout(() => controller.abort(), 100);
    }
    expect(indices.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(cancelled).toBe(5);
  });
});
