/**
 * Private runs reuse the empty cgroup of a finished run (no mkdir/rmdir, no first-task set-up
 * in the kernel), but never one that carries state: a cgroup that was killed (a child cloned
 * into it later would be SIGKILLed at birth on this kernel), frozen, or given children.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Command, JobRunner } from "../../../src/index.js";
import { RUNNERS } from "../../helpers/mechanisms.js";

const cgroupUsable = RUNNERS.some(([m]) => m === "cgroup-v2");
const cgroupOf = (stdout: string) => stdout.trim().split("\n").pop() as string;
const whereAmI = new Command("cat", ["/proc/self/cgroup"]);

describe.runIf(cgroupUsable)("private run cgroups", () => {
  const runner = new JobRunner({ mechanism: "cgroup-v2" });

  it("a run that left nothing behind gives its cgroup to the next run", async () => {
    const first = cgroupOf(await runner.run(whereAmI));
    const second = cgroupOf(await runner.run(whereAmI));
    expect(second).toBe(first);
  });

  it("a run whose tree had to be killed does not: the next run starts and exits normally", async () => {
    const killed = await runner.output(new Command("sh", ["-c", "cat /proc/self/cgroup; sleep 300 &"]));
    const next = await runner.output(whereAmI);
    expect(next.exitCode).toBe(0);
    expect(next.signal).toBeNull();
    expect(cgroupOf(next.stdout)).not.toBe(cgroupOf(killed.stdout));
    // …and a later run after a clean one still reuses again.
    const after = await runner.output(whereAmI);
    expect(after.exitCode).toBe(0);
  });

  it("concurrent runs never share a cgroup", async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        runner.run(new Command("sh", ["-c", "cat /proc/self/cgroup; sleep 0.2"])),
      ),
    );
    expect(new Set(results.map(cgroupOf)).size).toBe(8);
  });

  it("positive control: a run's cgroup really is its own (the leader's /proc says so)", async () => {
    const proc = await runner.start(new Command("sleep", ["300"]));
    const mine = () => readFileSync(`/proc/${proc.pid}/cgroup`, "utf8");
    // On the pure path the launcher joins a moment after start() (the native child is born there).
    for (let i = 0; i < 200 && !/\/c\d+\n/.test(mine()); i++) await new Promise((r) => setTimeout(r, 5));
    expect(mine()).toMatch(/processkit-\d+-\d+-[0-9a-f]+\/c\d+\n/);
    await proc.kill();
  });
});
