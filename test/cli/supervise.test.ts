/** `processkit supervise`: restarts, status lines, JSON-lines events, and a clean stop. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isAlive, waitDead } from "../helpers/procs.js";
import { cli, pidsFrom, startCli, tempDir, waitUntil } from "./cli.js";

function jsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe("processkit supervise", () => {
  it("restarts a crashing child the given number of times and writes valid JSON-lines events", async () => {
    const dir = tempDir();
    const runs = join(dir, "runs");
    const events = join(dir, "events.jsonl");
    const r = await cli([
      "supervise",
      "--max-restarts",
      "3",
      "--backoff",
      "20ms",
      "--no-jitter",
      "--events",
      events,
      "--",
      "sh",
      "-c",
      `echo run >> '${runs}'; echo "crash $$" >&2; exit 4`,
    ]);
    expect(r.code).toBe(4);
    expect(readFileSync(runs, "utf8").split("\n").filter(Boolean)).toHaveLength(4);

    const list = jsonLines(readFileSync(events, "utf8"));
    const types = list.map((e) => e.type);
    expect(types.filter((t) => t === "incarnation-started")).toHaveLength(4);
    expect(types.filter((t) => t === "incarnation-exited")).toHaveLength(4);
    expect(list.filter((e) => e.type === "restart-scheduled").map((e) => e.restart)).toEqual([1, 2, 3]);
    expect(list.at(-1)).toMatchObject({ type: "stopped", reason: "restarts-exhausted", restarts: 3 });
    for (const event of list) expect(typeof event.at).toBe("number");
    expect(list.find((e) => e.type === "incarnation-exited")).toMatchObject({
      outcome: { kind: "exited", code: 4 },
      exitCode: 4,
      crashed: true,
    });
    // Without jitter, the delays are the exact backoff: 20, 40, 80 ms.
    expect(list.filter((e) => e.type === "restart-scheduled").map((e) => e.delayMs)).toEqual([20, 40, 80]);

    // One status line per restart, and a summary; the child's own stderr passes through.
    const lines = r.stderr.split("\n");
    expect(
      lines.filter((l) => /^processkit supervise: sh exited with code 4 after .*; restart \d\/3 in/.test(l)),
    ).toHaveLength(3);
    expect(r.stderr).toMatch(
      /processkit supervise: sh: 4 runs, 3 restarts; ended: restarts-exhausted; last run exited with code 4/,
    );
    expect(lines.filter((l) => l.startsWith("crash "))).toHaveLength(4);
  });

  it("--events - writes the events on stdout; the child's stdout goes to stderr", async () => {
    const r = await cli([
      "supervise",
      "--max-restarts",
      "1",
      "--backoff",
      "10ms",
      "--events",
      "-",
      "--",
      "sh",
      "-c",
      "echo hello; exit 2",
    ]);
    expect(r.code).toBe(2);
    const list = jsonLines(r.stdout);
    expect(list.map((e) => e.type)).toEqual([
      "incarnation-started",
      "incarnation-exited",
      "restart-scheduled",
      "incarnation-started",
      "incarnation-exited",
      "stopped",
    ]);
    expect(r.stderr.split("\n").filter((l) => l === "hello")).toHaveLength(2);
  });

  it("--restart never: one run, its status", async () => {
    const r = await cli(["supervise", "--restart", "never", "--", "sh", "-c", "exit 9"]);
    expect(r.code).toBe(9);
    expect(r.stderr).toMatch(/1 run, 0 restarts; ended: policy-satisfied/);
  });

  it("on-crash (default) stops after a clean exit; --restart always restarts it", async () => {
    expect((await cli(["supervise", "--", "true"])).code).toBe(0);
    const dir = tempDir();
    const runs = join(dir, "runs");
    const r = await cli([
      "supervise",
      "--restart",
      "always",
      "--max-restarts",
      "2",
      "--backoff",
      "10ms",
      "--",
      "sh",
      "-c",
      `echo x >> '${runs}'`,
    ]);
    expect(r.code).toBe(0);
    expect(readFileSync(runs, "utf8").split("\n").filter(Boolean)).toHaveLength(3);
  });

  it("a program that cannot start: restarted within the budget, then 127", async () => {
    const r = await cli([
      "supervise",
      "--max-restarts",
      "1",
      "--backoff",
      "10ms",
      "--",
      "processkit-no-such-program",
    ]);
    expect(r.code).toBe(127);
    expect(r.stderr).toMatch(/failed to start .*not found.*; restart 1\/1/);
  });

  it("SIGTERM stops the supervision: the running tree is gone, nothing restarts, the CLI ends by SIGTERM", async () => {
    const dir = tempDir();
    const pidFile = join(dir, "pids");
    const events = join(dir, "events.jsonl");
    const sup = startCli([
      "supervise",
      "--backoff",
      "10ms",
      "--events",
      events,
      "--",
      "sh",
      "-c",
      `sleep 300 & echo $! >> '${pidFile}'; echo $$ >> '${pidFile}'; wait`,
    ]);
    await waitUntil(() => pidsFrom(pidFile).length >= 2, "the first incarnation");
    const pids = pidsFrom(pidFile);
    for (const pid of pids) expect(isAlive(pid)).toBe(true);
    sup.child.kill("SIGTERM");
    const r = await sup.done;
    expect(r.signal ?? r.code).toBe(r.signal === null ? 143 : "SIGTERM");
    for (const pid of pids) expect(await waitDead(pid, 10_000)).toBe(true);
    // No second incarnation was started.
    expect(pidsFrom(pidFile)).toHaveLength(2);
    const list = jsonLines(readFileSync(events, "utf8"));
    expect(list.at(-1)).toMatchObject({ type: "stopped", reason: "stopped", restarts: 0 });
    expect(r.stderr).toMatch(/SIGTERM: stopping sh/);
  });

  it("bad option values → 125 with one line naming the flag", async () => {
    for (const [args, flag] of [
      [["--max-restarts", "-1"], "--max-restarts"],
      [["--restart", "sometimes"], "--restart"],
      [["--factor", "abc"], "--factor"],
      [["--backoff", "soon"], "--backoff"],
      [["--storm-pause", "1x"], "--storm-pause"],
    ] as const) {
      const r = await cli(["supervise", ...args, "--", "true"]);
      expect(r.code, args.join(" ")).toBe(125);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toContain(flag);
    }
  });
});
