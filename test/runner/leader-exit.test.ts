import { afterEach, describe, expect, it } from "vitest";
import { CancelledError, Command } from "../../src/index.js";
import { isAlive, killPids, pidsIn, waitDead } from "../helpers/procs.js";
import { tree } from "../helpers/scripts.js";

const created: number[] = [];
afterEach(() => killPids(created.splice(0)));

describe("whole-tree teardown", () => {
  it("resolves promptly when a grandchild holds stdout, and the grandchild is gone", async () => {
    const result = await new Command("sh", ["-c", "sleep 300 & echo $!"]).output();
    const [pid] = pidsIn(result.stdout);
    expect(pid).toBeGreaterThan(0);
    created.push(pid as number);
    expect(result.exitCode).toBe(0);
    expect(isAlive(pid as number)).toBe(false);
  });

  it("positive control: the same grandchild is alive while the leader still runs", async () => {
    const proc = await tree(2, "sleep").start();
    const lines = proc.stdoutLines();
    const pids: number[] = [];
    for await (const line of lines) {
      pids.push(Number(line));
      created.push(Number(line));
      if (pids.length === 2) break;
    }
    for (const pid of pids) expect(isAlive(pid)).toBe(true);
    await proc.kill();
    for (const pid of pids) expect(await waitDead(pid, 2_000)).toBe(true);
  });

  it("a timed-out tree has no survivors", async () => {
    const result = await tree(3, "sleep").timeout("1s").output();
    const pids = pidsIn(result.stdout);
    created.push(...pids);
    expect(pids).toHaveLength(3);
    expect(result.timedOut).toBe(true);
    expect(result.exitCode).toBeNull();
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
  });

  it("a cancelled tree has no survivors and rejects with CancelledError carrying the reason", async () => {
    const controller = new AbortController();
    const pids: number[] = [];
    const reason = new Error("user hit stop");
    const run = tree(3, "sleep")
      .cancelOn(controller.signal)
      .onStdoutLine((line) => {
        pids.push(Number(line));
        created.push(Number(line));
        if (pids.length === 3) controller.abort(reason);
      })
      .output();
    const error = await run.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledError);
    expect((error as CancelledError).cause).toBe(reason);
    expect(pids).toHaveLength(3);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
  });
});
