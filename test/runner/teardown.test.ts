/**
 * "Nothing survives", on every containment mechanism this host has: each test first shows
 * the processes alive while the run is going (positive control), then checks each pid after
 * the verb settled. A zombie counts as dead (this sandbox's PID 1 never reaps orphans).
 */
import { afterEach, describe, expect, it } from "vitest";
import { CancelledError, Command, TimeoutError } from "../../src/index.js";
import { RUNNERS } from "../helpers/mechanisms.js";
import { isAlive, killPids, pidsIn, waitDead } from "../helpers/procs.js";
import { node, tree } from "../helpers/scripts.js";

const created: number[] = [];
afterEach(() => killPids(created.splice(0)));

const track = (pids: number[]) => {
  created.push(...pids.filter((p) => p > 0));
  return pids;
};

describe.each(RUNNERS)("%s", (_mechanism, runner) => {
  it("sh -c 'sleep 300 & echo $!' resolves promptly and the grandchild is gone", async () => {
    const started = performance.now();
    const result = await runner.output(new Command("sh", ["-c", "sleep 300 & echo $!"]));
    const elapsed = performance.now() - started;
    const [pid] = track(pidsIn(result.stdout));
    expect(pid).toBeGreaterThan(0);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(`${pid}\n`);
    expect(elapsed).toBeLessThan(10_000); // the grandchild would hold the pipe for 300 s
    expect(isAlive(pid as number)).toBe(false);
  });

  it("positive control: the backgrounded grandchild is alive while the leader runs", async () => {
    const proc = await runner.start(new Command("sh", ["-c", "sleep 300 & echo $!; sleep 300"]));
    created.push(proc.pid as number);
    const lines = proc.stdoutLines();
    const first = await lines.next();
    const [pid] = track(pidsIn(String(first.value)));
    expect(isAlive(pid as number)).toBe(true);
    expect(isAlive(proc.pid as number)).toBe(true);
    await proc.kill();
    expect(isAlive(pid as number)).toBe(false);
    expect(isAlive(proc.pid as number)).toBe(false);
  });

  it("every verb resolves while a grandchild holds stdout (run, checked, exitCode, probe, parse, json)", async () => {
    const holds = (text: string) => new Command("sh", ["-c", `sleep 300 & echo '${text}'`]);
    expect(await runner.run(holds("hi"))).toBe("hi");
    expect((await runner.checked(holds("x"))).exitCode).toBe(0);
    expect(await runner.exitCode(holds("x"))).toBe(0);
    expect(await runner.probe(holds("x"))).toBe(true);
    expect(await runner.parse(holds("42"), (s) => Number(s))).toBe(42);
    expect(await runner.json(holds('{"ok":true}'))).toEqual({ ok: true });
    expect(Buffer.from((await runner.outputBytes(holds("b"))).stdout).toString()).toBe("b\n");
  });

  it("a deep tree left behind by an exiting leader is gone when the verb resolves", async () => {
    // leader → child → grandchild, both descendants sleeping and holding stdout. The leader
    // exits only once the child reported both pids (on fd 3), however slow the machine is.
    const result = await runner.output(
      node(`
        const { spawn } = require("node:child_process");
        const c = spawn(process.execPath, ["-e", \`
          const { spawn } = require("node:child_process");
          const g = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: ["ignore", "inherit", "inherit"] });
          console.log(g.pid); console.log(process.pid);
          require("fs").writeSync(3, "ready");
          setInterval(() => {}, 1000);
        \`], { stdio: ["ignore", "inherit", "inherit", "pipe"] });
        c.stdio[3].once("data", () => process.exit(0));
      `),
    );
    const pids = track(pidsIn(result.stdout));
    expect(result.exitCode).toBe(0);
    expect(pids).toHaveLength(2);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
  });

  it("a timed-out tree has no survivors (positive control: alive before the deadline)", async () => {
    const seen: number[] = [];
    let aliveBeforeDeadline = 0;
    const result = await runner.output(
      tree(3, "sleep")
        .timeout("3s")
        .onStdoutLine((line) => {
          const pid = Number(line);
          seen.push(pid);
          created.push(pid);
          if (isAlive(pid)) aliveBeforeDeadline++;
        }),
    );
    expect(seen).toHaveLength(3);
    expect(aliveBeforeDeadline).toBe(3);
    expect(result.timedOut).toBe(true);
    expect(result.outcome).toEqual({ kind: "timed-out" });
    expect(result.exitCode).toBeNull();
    for (const pid of seen) expect(isAlive(pid)).toBe(false);
  });

  it("a timed-out run() rejects with TimeoutError and leaves nothing", async () => {
    const seen: number[] = [];
    const error = await runner
      .run(
        tree(2, "sleep")
          .timeout("3s")
          .onStdoutLine((l) => seen.push(...track([Number(l)]))),
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect(seen).toHaveLength(2);
    expect(pidsIn((error as TimeoutError).stdout)).toEqual(seen);
    for (const pid of seen) expect(isAlive(pid)).toBe(false);
  });

  it("a cancelled tree has no survivors; CancelledError carries the abort reason as cause", async () => {
    const controller = new AbortController();
    const reason = new Error("user pressed stop");
    const seen: number[] = [];
    let alive = 0;
    const error = await runner
      .output(
        tree(3, "sleep")
          .cancelOn(controller.signal)
          .onStdoutLine((line) => {
            const pid = Number(line);
            seen.push(...track([pid]));
            if (isAlive(pid)) alive++;
            if (seen.length === 3) controller.abort(reason);
          }),
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledError);
    expect((error as CancelledError).cause).toBe(reason);
    expect((error as CancelledError).reason).toBe("cancelled");
    expect(alive).toBe(3);
    for (const pid of seen) expect(isAlive(pid)).toBe(false);
  });

  it("a cancelled streaming run: the tree dies and the line stream ends with CancelledError", async () => {
    const controller = new AbortController();
    const proc = await runner.start(tree(2, "sleep").cancelOn(controller.signal));
    created.push(proc.pid as number);
    const pids: number[] = [];
    const error = await (async () => {
      for await (const line of proc.stdoutLines()) {
        pids.push(...track([Number(line)]));
        if (pids.length === 2) {
          for (const pid of pids) expect(isAlive(pid)).toBe(true);
          controller.abort();
        }
      }
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledError);
    await expect(proc.finish()).rejects.toBeInstanceOf(CancelledError);
    for (const pid of [...pids, proc.pid as number]) expect(isAlive(pid)).toBe(false);
  });

  it("firstLine() kills the tree right after the match", async () => {
    const seen: number[] = [];
    const line = await runner.firstLine(
      node(`
        const { spawn } = require("node:child_process");
        const c = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: ["ignore", "inherit", "inherit"] });
        console.log(c.pid); console.log(process.pid);
        setTimeout(() => console.log("READY"), 200);
        setInterval(() => {}, 1000);
      `).onStdoutLine((l) => {
        if (/^\d+$/.test(l)) {
          const pid = Number(l);
          track([pid]);
          // positive control: both are alive before the match
          expect(isAlive(pid)).toBe(true);
          seen.push(pid);
        }
      }),
      (l) => l === "READY",
    );
    expect(line).toBe("READY");
    expect(seen).toHaveLength(2);
    for (const pid of seen) expect(await waitDead(pid, 1)).toBe(true);
  });
});

describe("mechanisms", () => {
  it("the process-group path is always available to the tests", () => {
    expect(RUNNERS.map(([m]) => m)).toContain("process-group");
  });
});

describe("a setsid() escapee holding stdout", () => {
  it("never hangs the verb, and it is killed too (cgroup v2; process groups by the run marker)", async () => {
    for (const [mechanism, runner] of RUNNERS) {
      const started = performance.now();
      const result = await runner.output(tree(1, "exit", { setsid: true }));
      const [pid] = track(pidsIn(result.stdout));
      expect(pid, mechanism).toBeGreaterThan(0);
      expect(result.exitCode, mechanism).toBe(0);
      expect(performance.now() - started, mechanism).toBeLessThan(10_000);
      expect(isAlive(pid as number), mechanism).toBe(false);
    }
  });
});

describe.each(RUNNERS)("harder trees (%s)", (_mechanism, runner) => {
  it("20 concurrent runs, each leaving a grandchild on the pipe: all resolve, none survives", async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, () => runner.output(new Command("sh", ["-c", "sleep 300 & echo $!"]))),
    );
    const pids = track(results.flatMap((r) => pidsIn(r.stdout)));
    expect(pids).toHaveLength(20);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
  });

  it("a tree that keeps forking until the deadline: every pid it reported is gone", async () => {
    const result = await runner.output(
      node(`
        const { spawn } = require("node:child_process");
        setInterval(() => {
          const c = spawn("sleep", ["300"], { stdio: ["ignore", "inherit", "inherit"] });
          console.log(c.pid);
        }, 5);
      `).timeout("2s"),
    );
    const pids = track(pidsIn(result.stdout));
    expect(result.timedOut).toBe(true);
    expect(pids.length).toBeGreaterThan(5);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
  });

  it("a chain five processes deep is gone once the verb settles", async () => {
    // each level prints its pid and starts the next; the deepest prints READY. firstLine()
    // returns at READY and tears the whole chain down.
    const level = (depth: number): string =>
      depth === 0
        ? 'console.log(process.pid); console.log("READY"); setInterval(() => {}, 1000);'
        : `console.log(process.pid); require("node:child_process").spawn(process.execPath, ["-e", ${JSON.stringify(level(depth - 1))}], { stdio: ["ignore", "inherit", "inherit"] }); setInterval(() => {}, 1000);`;
    const seen: number[] = [];
    const line = await runner.firstLine(
      node(level(4))
        .timeout("60s")
        .onStdoutLine((l) => {
          if (l === "READY")
            for (const pid of seen) expect(isAlive(pid)).toBe(true); // positive control
          else seen.push(...track([Number(l)]));
        }),
      (l) => l === "READY",
    );
    expect(line).toBe("READY");
    expect(seen).toHaveLength(5);
    for (const pid of seen) expect(isAlive(pid)).toBe(false);
  });
});
