/** timeout, timeoutGrace, timeoutSignal and inactivityTimeout on real children. */
import { afterEach, describe, expect, it } from "vitest";
import { Command, TimeoutError } from "../../src/index.js";
import { isAlive, killPids, pidsIn } from "../helpers/procs.js";
import { node } from "../helpers/scripts.js";

const created: number[] = [];
// Deadlines below leave a node child ~2 s to start and print first: a loaded 2-core machine
// can take far longer than usual to start node, and these tests judge what it printed.
afterEach(() => killPids(created.splice(0)));

const timed = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
  const start = performance.now();
  const value = await fn();
  return [value, performance.now() - start];
};

describe("timeout", () => {
  it("keeps the partial output, exitCode null, timedOut true", async () => {
    const result = await node(
      `console.log("partial"); console.error("err-partial"); setInterval(() => {}, 1000)`,
    )
      .timeout("2s")
      .output();
    expect(result.timedOut).toBe(true);
    expect(result.outcome).toEqual({ kind: "timed-out" });
    expect(result.exitCode).toBeNull();
    expect(result.isSuccess).toBe(false);
    expect(result.stdout).toBe("partial\n");
    expect(result.stderr).toBe("err-partial\n");
    expect(result.timeoutMs).toBe(2000);
  });

  it("checking verbs throw TimeoutError with the partial output attached", async () => {
    const error = await node(
      `console.log("so far"); console.error("last words"); setInterval(() => {}, 1000)`,
    )
      .timeout(2000)
      .run()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    const e = error as TimeoutError;
    expect(e.reason).toBe("timeout");
    expect(e.inactivity).toBe(false);
    expect(e.timeoutMs).toBe(2000);
    expect(e.stdout).toBe("so far\n");
    expect(e.stderr).toBe("last words\n");
    expect(e.result.timedOut).toBe(true);
    expect(e.message).toMatch(/timed out after 2000 ms: last words$/);
  });

  it("0 means no timeout (and resets an earlier one)", async () => {
    const result = await node(`setTimeout(() => console.log("done"), 300)`).timeout(50).timeout(0).output();
    expect(result.timedOut).toBe(false);
    expect(result.stdout).toBe("done\n");
  });

  it("a child that finishes before the deadline is not timed out", async () => {
    const result = await node(`console.log("quick")`).timeout("30s").output();
    expect(result.timedOut).toBe(false);
    expect(result.exitCode).toBe(0);
  });

  it("default grace 0: SIGKILL at once, even for a child that ignores SIGTERM", async () => {
    const [result, ms] = await timed(() =>
      node(`process.on("SIGTERM", () => console.log("TERM")); console.log("up"); setInterval(() => {}, 1000)`)
        .timeout("2s")
        .output(),
    );
    expect(result.timedOut).toBe(true);
    expect(result.stdout).toBe("up\n"); // never saw a SIGTERM
    expect(result.signal).toBe("SIGKILL");
    expect(ms).toBeLessThan(15_000);
  });
});

describe("timeoutGrace", () => {
  it("a child that traps SIGTERM and exits 0 in the grace: ends early, still timedOut", async () => {
    const [result, ms] = await timed(() =>
      node(
        `process.on("SIGTERM", () => { console.log("cleaning up"); setTimeout(() => process.exit(0), 100); }); console.log("up"); setInterval(() => {}, 1000)`,
      )
        .timeout("2s")
        .timeoutGrace("20s")
        .output(),
    );
    expect(result.stdout).toBe("up\ncleaning up\n");
    expect(result.timedOut).toBe(true);
    expect(result.outcome).toEqual({ kind: "timed-out" });
    expect(result.exitCode).toBeNull(); // a deadline fired: the code is not the story
    expect(ms).toBeLessThan(18_000); // the 20 s grace ended early when the tree was empty
  });

  it("a child that ignores SIGTERM is escalated to SIGKILL after the grace", async () => {
    const [result, ms] = await timed(() =>
      node(
        `process.on("SIGTERM", () => console.log("ignoring TERM")); console.log(process.pid); setInterval(() => {}, 1000)`,
      )
        .timeout("2s")
        .timeoutGrace("700ms")
        .output(),
    );
    const [pid] = pidsIn(result.stdout);
    created.push(pid as number);
    expect(result.stdout).toContain("ignoring TERM");
    expect(result.timedOut).toBe(true);
    expect(result.signal).toBe("SIGKILL");
    expect(ms).toBeGreaterThanOrEqual(2_650); // deadline + grace (lower bounds are safe on a slow machine)
    expect(isAlive(pid as number)).toBe(false);
  });

  it("the grace covers the whole tree: a TERM-ignoring grandchild is killed when the grace ends", async () => {
    const result = await node(`
      const { spawn } = require("node:child_process");
      const g = spawn(process.execPath, ["-e", "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)"], { stdio: ["ignore", "inherit", "inherit"] });
      console.log(g.pid);
      process.on("SIGTERM", () => process.exit(0));
      setInterval(() => {}, 1000);
    `)
      .timeout("2s")
      .timeoutGrace("600ms")
      .output();
    const [grandchild] = pidsIn(result.stdout);
    created.push(grandchild as number);
    expect(result.timedOut).toBe(true);
    expect(isAlive(grandchild as number)).toBe(false);
  });

  it("timeoutSignal chooses the first signal", async () => {
    const result = await node(
      `process.on("SIGINT", () => { console.log("got SIGINT"); process.exit(0); }); console.log("up"); setInterval(() => {}, 1000)`,
    )
      .timeout("2s")
      .timeoutSignal("SIGINT")
      .timeoutGrace("10s")
      .output();
    expect(result.stdout).toBe("up\ngot SIGINT\n");
    expect(result.timedOut).toBe(true);
  });

  it("timeoutSignal SIGKILL skips the grace", async () => {
    const [result, ms] = await timed(() =>
      node(`process.on("SIGTERM", () => {}); setInterval(() => {}, 1000)`)
        .timeout("300ms")
        .timeoutSignal("SIGKILL")
        .timeoutGrace("30s")
        .output(),
    );
    expect(result.timedOut).toBe(true);
    expect(ms).toBeLessThan(20_000);
  });
});

describe("inactivityTimeout", () => {
  it("fires on silence", async () => {
    const result = await node(`console.log("hello"); setInterval(() => {}, 1000)`)
      .inactivityTimeout("2s")
      .output();
    expect(result.timedOut).toBe(true);
    expect(result.outcome).toEqual({ kind: "inactivity-timed-out" });
    expect(result.exitCode).toBeNull();
    expect(result.stdout).toBe("hello\n");
    expect(result.timeoutMs).toBe(2000);
  });

  it("is reset by output on stdout or stderr", async () => {
    // 40 lines over ~4 s, alternating streams, each gap far below the 2.5 s limit; then silence.
    const result = await node(`
      let i = 0;
      const t = setInterval(() => {
        (i % 2 ? process.stderr : process.stdout).write(i + "\\n");
        if (++i === 40) clearInterval(t);
      }, 100);
      setInterval(() => {}, 1000);
    `)
      .inactivityTimeout("2500ms")
      .output();
    expect(result.outcome).toEqual({ kind: "inactivity-timed-out" });
    const got = [...result.stdout.split("\n"), ...result.stderr.split("\n")].filter(Boolean).map(Number);
    expect(got.sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it("a chatty child that exits on its own is not timed out", async () => {
    const result = await node(`
      let i = 0;
      const t = setInterval(() => { console.log(i); if (++i === 20) { clearInterval(t); } }, 100);
    `)
      .inactivityTimeout("2500ms")
      .output();
    expect(result.timedOut).toBe(false);
    expect(result.exitCode).toBe(0);
  });

  it("checking verbs throw TimeoutError marked as inactivity", async () => {
    const error = await node(`setInterval(() => {}, 1000)`)
      .inactivityTimeout(300)
      .exitCode()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).inactivity).toBe(true);
    expect((error as TimeoutError).message).toMatch(/no output for 300 ms/);
  });

  it("only piped streams count as activity", async () => {
    const chatty = new Command("sh", ["-c", "while :; do echo tick; sleep 0.05; done"]);
    expect((await chatty.stdout("ignore").inactivityTimeout(500).output()).outcome.kind).toBe(
      "inactivity-timed-out",
    );
    // positive control: the same output, piped, keeps it alive until the absolute deadline
    expect((await chatty.inactivityTimeout(1500).timeout(2000).output()).outcome.kind).toBe("timed-out");
  });

  it("0 means none", async () => {
    const result = await node(`setTimeout(() => console.log("late"), 300)`).inactivityTimeout(0).output();
    expect(result.timedOut).toBe(false);
  });

  it("combined with an absolute timeout, whichever fires first wins", async () => {
    const chatty = node(`setInterval(() => console.log("tick"), 50)`);
    expect((await chatty.inactivityTimeout("5s").timeout("500ms").output()).outcome.kind).toBe("timed-out");
    const silent = node(`setInterval(() => {}, 1000)`);
    expect((await silent.inactivityTimeout("300ms").timeout("20s").output()).outcome.kind).toBe(
      "inactivity-timed-out",
    );
  });
});

describe("signals that are not ours", () => {
  it("a child killed by a signal is 'signalled', not timed out", async () => {
    const result = await new Command("sh", ["-c", "kill -TERM $$"]).timeout("20s").output();
    expect(result.timedOut).toBe(false);
    expect(result.outcome).toEqual({ kind: "signalled", signal: "SIGTERM" });
    expect(result.signal).toBe("SIGTERM");
    expect(result.exitCode).toBeNull();
  });
});
