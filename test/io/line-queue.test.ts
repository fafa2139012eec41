import { describe, expect, it } from "vitest";
import { LineQueue } from "../../src/io/line-queue.js";

describe("LineQueue", () => {
  it("delivers pushed lines in order, then done after end()", async () => {
    const q = new LineQueue();
    q.push(["a", "b"]);
    q.push(["c"]);
    q.end();
    const got: string[] = [];
    for await (const line of q) got.push(line);
    expect(got).toEqual(["a", "b", "c"]);
  });

  it("a waiting consumer is woken by push and by end", async () => {
    const q = new LineQueue();
    const first = q.next();
    q.push(["x"]);
    expect(await first).toEqual({ value: "x", done: false });
    const second = q.next();
    q.end();
    expect(await second).toEqual({ value: undefined, done: true });
  });

  it("an error passed to end() surfaces after the buffered lines", async () => {
    const q = new LineQueue();
    q.push(["a"]);
    const boom = new Error("boom");
    q.end(boom);
    expect(await q.next()).toEqual({ value: "a", done: false });
    await expect(q.next()).rejects.toBe(boom);
  });

  it("an error wakes a waiting consumer", async () => {
    const q = new LineQueue();
    const waiting = q.next();
    const boom = new Error("boom");
    q.end(boom);
    await expect(waiting).rejects.toBe(boom);
  });

  it("asks the producer to pause past the high-water mark and to resume when drained", async () => {
    const calls: boolean[] = [];
    const q = new LineQueue((paused) => calls.push(paused));
    q.push(Array.from({ length: 20_000 }, (_, i) => String(i)));
    expect(calls).toEqual([true]);
    for (let i = 0; i < 19_500; i++) await q.next();
    expect(calls).toEqual([true, false]);
  });

  it("return() switches to discard mode, resumes the producer and ends iteration", async () => {
    const calls: boolean[] = [];
    const q = new LineQueue((paused) => calls.push(paused));
    q.push(Array.from({ length: 20_000 }, () => "x"));
    for await (const _ of q) break;
    expect(calls).toEqual([true, false]);
    q.push(["ignored"]);
    expect(await q.next()).toEqual({ value: undefined, done: true });
  });

  it("ignores pushes after end and empty batches", async () => {
    const q = new LineQueue();
    q.push([]);
    q.end();
    q.push(["late"]);
    expect(await q.next()).toEqual({ value: undefined, done: true });
  });
});
