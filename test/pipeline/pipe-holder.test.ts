/**
 * A stage's leader exits and leaves a background child holding the pipe into the next stage.
 * A shell would wait for that child (the next stage never sees EOF); processkit kills what the
 * stage left behind as soon as its leader exits, so the chain settles — on both mechanisms,
 * with no timeout and no cancel, and with the holder proven alive first and gone after.
 */
import { afterEach, describe, expect, it } from "vitest";
import { Command, JobRunner, ProcessGroup } from "../../src/index.js";
import { isAlive, killPids, waitDead } from "../helpers/procs.js";

const created: number[] = [];
afterEach(() => killPids(created.splice(0)));

/** Prints the pid of a background sleep that keeps stdout open, then exits at once. */
const leavesHolder = () => new Command("sh", ["-c", "sleep 300 & echo $!"]);

describe.each(["cgroup-v2", "process-group"] as const)("a pipe holder left by a stage (%s)", (mechanism) => {
  it("does not hang the chain, and dies with its stage", async () => {
    const runner = new JobRunner({ mechanism });
    // Positive control: the same stage alone really does leave a live holder while it runs.
    const control = await runner.start(leavesHolder().keepStdinOpen());
    const controlPid = Number(await control.waitForLine(/^\d+$/, "5s"));
    created.push(controlPid);
    expect(isAlive(controlPid)).toBe(true);
    await control.kill();

    const result = await leavesHolder().pipe(new Command("cat")).withRunner(runner).output();
    expect(result.exitCode).toBe(0);
    const holder = Number(result.stdout.trim());
    expect(holder).toBeGreaterThan(1);
    created.push(holder);
    expect(await waitDead(holder, 5_000)).toBe(true);
  });

  it("does not hang a middle stage either, inside a ProcessGroup", async () => {
    await using group = await ProcessGroup.create({ mechanism });
    const out = await new Command("echo", ["x"])
      .pipe(new Command("sh", ["-c", "cat; sleep 300 & echo $!"]))
      .pipe(new Command("cat"))
      .withRunner(group)
      .run();
    const [x, pid] = out.split("\n");
    expect(x).toBe("x");
    const holder = Number(pid);
    created.push(holder);
    expect(await waitDead(holder, 5_000)).toBe(true);
  });
});
