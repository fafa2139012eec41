/** RunningProcess lifecycle details: arbitration between a leader's exit and late deadlines. */
import { afterEach, describe, expect, it } from "vitest";
import { Command, JobRunner } from "../../src/index.js";
import { loadAddon } from "../../src/process/native/addon.js";
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

describe("nothing leaks in our own process", () => {
  /** Counts of libuv handles by kind (timers, pipes, child processes). */
  const handles = () => {
    const counts: Record<string, number> = {};
    for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
    return counts;
  };
  const settle = () => new Promise((r) => setTimeout(r, 100));
  /** Children we watch: Node's process handles, plus the native core's pidfd watches (not JS handles). */
  const children = () => {
    const addon = loadAddon();
    return (handles().ProcessWrap ?? 0) + (addon.ok ? addon.addon.watches() : 0);
  };

  it("no timer, pipe or process handle outlives a run, whatever ended it", async () => {
    await new Command("true").run(); // warm up lazily created handles (sentinel, probes)
    await settle();
    const before = handles();
    const childrenBefore = children();
    // positive control: a run in progress does show up
    const running = await new Command("sleep", ["300"]).timeout("1h").start();
    expect(children()).toBeGreaterThan(childrenBefore);
    expect(handles().Timeout ?? 0).toBeGreaterThan(before.Timeout ?? 0);
    await running.kill();
    const controller = new AbortController();
    await new Command("echo", ["x"]).timeout("1h").inactivityTimeout("1h").output();
    await new Command("sh", ["-c", "exit 3"]).timeout("1h").output();
    await new Command("sleep", ["300"]).timeout(100).inactivityTimeout("1h").output();
    await new Command("sleep", ["300"]).inactivityTimeout(100).output();
    setTimeout(() => controller.abort(), 100);
    await new Command("sleep", ["300"])
      .timeout("1h")
      .cancelOn(controller.signal)
      .output()
      .catch(() => {});
    await new Command("cat").stdin("data").timeout("1h").run();
    await new Command("sh", ["-c", "echo a; echo b; sleep 300"]).timeout("1h").firstLine();
    const created: number[] = [];
    await new Command("sh", ["-c", "sleep 300 & echo $!"])
      .output()
      .then((r) => created.push(...pidsIn(r.stdout)));
    killPids(created);
    await settle();
    const after = handles();
    expect(children()).toBeLessThanOrEqual(childrenBefore);
    for (const kind of ["Timeout", "PipeWrap", "ProcessWrap", "TTYWrap", "FSReqCallback"]) {
      expect(after[kind] ?? 0, kind).toBeLessThanOrEqual(before[kind] ?? 0);
    }
  });
});
