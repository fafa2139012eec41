/**
 * The containment matrix, run for both mechanisms on every machine: each case first proves the
 * processes existed (positive control), then checks by pid that nothing survives — or, under
 * process groups too, where the setsid escapee is found by the run marker.
 */
import { afterEach, describe, expect, it } from "vitest";
import { CancelledError, Command, JobRunner, ProcessGroup } from "../../src/index.js";
import { isAlive } from "../helpers/procs.js";
import {
  alive,
  all,
  expectedSurvivors,
  expectTreeAlive,
  labelled,
  labelledTree,
  MECHANISMS,
  track,
} from "./support.js";

const groups: ProcessGroup[] = [];
afterEach(async () => {
  for (const group of groups.splice(0)) await group.close();
});

async function group(mechanism: (typeof MECHANISMS)[number]): Promise<ProcessGroup> {
  const g = await ProcessGroup.create({ mechanism });
  groups.push(g);
  return g;
}

describe.each(MECHANISMS)("containment matrix: %s", (mechanism) => {
  const runner = new JobRunner({ mechanism });

  it("uses the requested mechanism, never a silent downgrade", async () => {
    expect(await runner.ready()).toBe(mechanism);
    const proc = await runner.start(new Command("true"));
    expect(proc.mechanism).toBe(mechanism);
    await proc.finish();
  });

  it("leader exits leaving children: the tree is gone before the run settles", async () => {
    const tree = labelledTree("stdin");
    const proc = await runner.start(tree.command);
    track(proc.pid ?? -1);
    const pids = await tree.pids;
    await expectTreeAlive(pids);
    expect(isAlive(proc.pid as number)).toBe(true);

    proc.stdin.end(); // the leader reads EOF and exits 0, leaving its three descendants behind
    const finished = await proc.finish();
    expect(finished.outcome).toEqual({ kind: "exited", code: 0 });
    expect(alive([proc.pid as number, ...all(pids)])).toEqual(expectedSurvivors(mechanism, pids));
  });

  it("timeout: the whole tree is killed and the result says timed-out", async () => {
    const tree = labelledTree("sleep", (c) => c.timeout("3s"));
    const proc = await runner.start(tree.command);
    track(proc.pid ?? -1);
    const pids = await tree.pids;
    await expectTreeAlive(pids);

    const result = await proc.output();
    expect(result.timedOut).toBe(true);
    expect(result.outcome).toEqual({ kind: "timed-out" });
    expect(alive([proc.pid as number, ...all(pids)])).toEqual(expectedSurvivors(mechanism, pids));
  });

  it("cancel: the whole tree is killed and the verb rejects with CancelledError", async () => {
    const controller = new AbortController();
    const tree = labelledTree("sleep", (c) => c.cancelOn(controller.signal));
    const proc = await runner.start(tree.command);
    track(proc.pid ?? -1);
    const pids = await tree.pids;
    await expectTreeAlive(pids);

    controller.abort(new Error("stop"));
    await expect(proc.output()).rejects.toBeInstanceOf(CancelledError);
    expect(alive([proc.pid as number, ...all(pids)])).toEqual(expectedSurvivors(mechanism, pids));
  });

  it("kill(): resolves once the tree is gone", async () => {
    const tree = labelledTree("sleep");
    const proc = await runner.start(tree.command);
    track(proc.pid ?? -1);
    const pids = await tree.pids;
    await expectTreeAlive(pids);

    await proc.kill();
    expect(alive([proc.pid as number, ...all(pids)])).toEqual(expectedSurvivors(mechanism, pids));
    const finished = await proc.finish();
    expect(finished.outcome).toEqual({ kind: "signalled", signal: "SIGKILL" });
  });

  it("kill() right after start(): the leader dies even if it had not joined its container yet", async () => {
    for (let i = 0; i < 5; i++) {
      const proc = await runner.start(new Command("sleep", ["300"]));
      track(proc.pid ?? -1);
      expect(isAlive(proc.pid as number)).toBe(true);
      await proc.kill();
      expect(isAlive(proc.pid as number)).toBe(false);
    }
  });

  it("a group's leader that left a tree behind: leftovers stay in the group until group.kill()", async () => {
    const g = await group(mechanism);
    const tree = labelledTree("exit");
    const result = await g.output(tree.command);
    expect(result.exitCode).toBe(0);
    const pids = await tree.pids;
    // Positive control: in a shared group the run's leftovers outlive its leader on purpose.
    await expectTreeAlive(pids);
    const members = await g.members();
    // members() lists group members only: the setsid child left the group (the marker finds it at teardown).
    if (mechanism === "cgroup-v2") expect(members).toEqual(expect.arrayContaining(all(pids)));
    else expect(members).toEqual(expect.arrayContaining([pids.bg, pids.dfork]));

    await g.kill();
    expect(alive(all(pids))).toEqual(expectedSurvivors(mechanism, pids));
    expect(await g.members()).toEqual([]);
  });

  it("group.kill() tears down a running tree (background child, setsid child, double fork)", async () => {
    const g = await group(mechanism);
    const tree = labelledTree("sleep");
    const proc = await g.start(tree.command);
    track(proc.pid ?? -1);
    const pids = await tree.pids;
    await expectTreeAlive(pids);

    await g.kill();
    expect(alive([proc.pid as number, ...all(pids)])).toEqual(expectedSurvivors(mechanism, pids));
    expect((await proc.finish()).outcome).toEqual({ kind: "signalled", signal: "SIGKILL" });
  });

  it("group.shutdown(): a TERM-trapping tree ends within the grace (drained, not escalated)", async () => {
    const g = await group(mechanism);
    // The trap is set after the background child is forked: a forked shell child keeps its
    // parent's handler until it execs, and a TERM caught in that instant would be lost.
    const script = labelled(
      'sleep 300 & echo "bg $!"; trap "exit 0" TERM; echo ready; while :; do sleep 0.05; done',
    );
    const proc = await g.start(script.command);
    track(proc.pid ?? -1);
    const { bg = -1 } = await script.pids;
    expect(alive([proc.pid as number, bg])).toHaveLength(2);

    const report = await g.shutdown({ grace: "20s" });
    expect(report.drained).toBe(true);
    expect(report.escalated).toBe(false);
    expect(report.survivors).toBe(0);
    expect(report.membersBefore).toBeGreaterThanOrEqual(2);
    expect(report.elapsedMs).toBeLessThan(20_000); // ended early: it did not burn the grace
    expect(alive([proc.pid as number, bg])).toEqual([]);
    expect((await proc.finish()).outcome).toEqual({ kind: "exited", code: 0 });
  });

  it("group.shutdown(): a TERM-ignoring tree is escalated to SIGKILL after the grace", async () => {
    const g = await group(mechanism);
    const script = labelled(
      'trap "" TERM; sleep 300 & echo "bg $!"; echo ready; while :; do sleep 0.05; done',
    );
    const proc = await g.start(script.command);
    track(proc.pid ?? -1);
    const { bg = -1 } = await script.pids;
    expect(alive([proc.pid as number, bg])).toHaveLength(2);

    const report = await g.shutdown({ grace: "300ms" });
    expect(report.drained).toBe(false);
    expect(report.escalated).toBe(true);
    expect(report.survivors).toBe(0);
    expect(report.membersBefore).toBeGreaterThanOrEqual(2);
    expect(report.elapsedMs).toBeGreaterThanOrEqual(299); // it waited the grace out first
    expect(alive([proc.pid as number, bg])).toEqual([]);
    expect((await proc.finish()).outcome).toEqual({ kind: "signalled", signal: "SIGKILL" });
  });
});
