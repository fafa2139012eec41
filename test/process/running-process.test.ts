/** RunningProcess lifecycle details: arbitration between a leader's exit and late deadlines. */
import { afterEach, describe, expect, it } from "vitest";
import { Command, JobRunner } from "../../src/index.js";
import { killPids, pidsIn, waitDead } from "../helpers/procs.js";
import { tree } from "../helpers/scripts.js";

const created: number[] = [];
afterEach(() => killPids(created.splice(0)));

describe("a deadline that comes after the leader exited", () => {
  it("does not turn a clean exit into a timeout while an escaped process holds the pipe", async () => {
    // Process groups cannot contain a setsid() escapee: it keeps stdout open after the leader
    // exits, and the run waits a short grace before it stops reading. A deadline that fires
    // in that window must not rewrite the leader's outcome.
    const runner = new JobRunner({ mechanism: "process-group" });
    const started = performance.now();
    let lineAt = Number.POSITIVE_INFINITY;
    const result = await runner.output(
      tree(1, "exit", { setsid: true })
        .timeout("450ms")
        .onStdoutLine(() => {
          lineAt = performance.now() - started;
        }),
    );
    const pids = pidsIn(result.stdout);
    created.push(...pids);
    // The leader exits ~20 ms after printing; only judge when that surely preceded the deadline.
    if (lineAt < 300) {
      expect(result.outcome).toEqual({ kind: "exited", code: 0 });
      expect(result.timedOut).toBe(false);
    }
    killPids(pids);
    for (const pid of pids) await waitDead(pid, 2_000);
  });

  it("positive control: a leader still running at the deadline is timed out", async () => {
    const result = await new Command("sleep", ["300"]).timeout("200ms").output();
    expect(result.timedOut).toBe(true);
  });
});
