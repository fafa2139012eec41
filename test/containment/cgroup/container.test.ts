/**
 * CgroupContainer on this host's cgroup2 mount: nesting, cgroup.kill, populated/empty,
 * freeze/thaw, depth-first removal, and leaders that have not joined yet.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CgroupBackend } from "../../../src/containment/cgroup/backend.js";
import type { CgroupContainer } from "../../../src/containment/cgroup/container.js";
import { locateCgroup } from "../../../src/containment/cgroup/locate.js";
import { openGate } from "../../../src/containment/gate.js";
import { isAlive } from "../../helpers/procs.js";
import { eventually, sleep, track } from "../support.js";

const tmp = mkdtempSync(join(tmpdir(), "processkit-cgroup-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function launch(container: CgroupContainer, script: string): ChildProcess {
  const plan = container.plan("/bin/sh", ["-c", script], { stdio: "ignore" });
  const child = spawn(plan.file, plan.args, plan.options);
  track(child.pid as number);
  container.adopt(child.pid as number);
  openGate(child); // registered: the launcher may run the target
  // What ChildDriver does: once Node reaped the leader, its pid is no longer ours.
  child.once("exit", () => container.reaped(child.pid as number));
  return child;
}

async function joined(container: CgroupContainer, count: number): Promise<number[]> {
  let pids: number[] = [];
  await eventually(() => {
    pids = readFileSync(`${container.dir}/cgroup.procs`, "utf8").split("\n").filter(Boolean).map(Number);
    return pids.length >= count;
  });
  track(...pids);
  return pids;
}

describe.runIf(locateCgroup().ok)("CgroupContainer (this host)", () => {
  it("the owner cgroup is <own cgroup>/processkit-<pid>-<thread>-<rand>, created once per event loop", async () => {
    const backend = await CgroupBackend.get();
    expect(await CgroupBackend.get()).toBe(backend);
    expect(CgroupBackend.settled()).toBe(backend);
    const located = locateCgroup();
    expect(located.ok && backend.ownerDir.startsWith(`${located.path}/`)).toBe(true);
    expect(backend.ownerDir).toMatch(new RegExp(`/processkit-${process.pid}-0-[0-9a-f]{6}$`));
    expect(existsSync(backend.ownerDir)).toBe(true);
  });

  it("killing a parent kills every nested container; killing a child spares its siblings", async () => {
    const backend = await CgroupBackend.get();
    const parent = backend.createContainer() as CgroupContainer;
    const a = parent.createChild() as CgroupContainer;
    const b = parent.createChild() as CgroupContainer;
    expect(a.dir.startsWith(`${parent.dir}/`)).toBe(true);
    launch(a, "sleep 300 & exec sleep 300");
    launch(b, "exec sleep 300");
    const inA = await joined(a, 2);
    const [inB] = await joined(b, 1);
    expect(inA.every(isAlive) && isAlive(inB as number)).toBe(true);

    a.kill();
    expect(await a.waitEmpty(5_000)).toBe(true);
    expect(inA.filter(isAlive)).toEqual([]);
    expect(isAlive(inB as number)).toBe(true);
    expect((await parent.members()).sort()).toEqual([inB]);

    parent.kill();
    expect(await parent.waitEmpty(5_000)).toBe(true);
    expect(isAlive(inB as number)).toBe(false);
    a.release();
    b.release();
    parent.release();
    expect(existsSync(parent.dir)).toBe(false);
  });

  it("waitEmpty: false while a member lives, true once it is gone", async () => {
    const backend = await CgroupBackend.get();
    const container = backend.createContainer() as CgroupContainer;
    launch(container, "exec sleep 300");
    await joined(container, 1);
    expect(await container.waitEmpty(100)).toBe(false);
    container.release();
    expect(await container.waitEmpty(5_000)).toBe(true);
    expect(await eventually(() => !existsSync(container.dir))).toBe(true);
  });

  it("release removes nested cgroups depth-first (a member may create its own)", async () => {
    const backend = await CgroupBackend.get();
    const container = backend.createContainer() as CgroupContainer;
    mkdirSync(`${container.dir}/nested/deeper`, { recursive: true });
    const child = container.createChild() as CgroupContainer;
    launch(child, "exec sleep 300");
    await joined(child, 1);
    container.release();
    expect(await eventually(() => !existsSync(container.dir))).toBe(true);
  });

  it("freeze stops every member; a signal to a frozen group does not thaw it; thaw resumes", async () => {
    const backend = await CgroupBackend.get();
    const container = backend.createContainer() as CgroupContainer;
    try {
      const marker = join(tmp, "trap-set");
      launch(container, `trap 'exit 0' USR1; : > ${marker}; while :; do sleep 0.05; done`);
      await joined(container, 1);
      // Freeze only once the trap is set: an unhandled USR1 kills even a frozen task.
      expect(await eventually(() => existsSync(marker))).toBe(true);
      await container.freeze();
      expect(readFileSync(`${container.dir}/cgroup.events`, "utf8")).toMatch(/frozen 1/);
      container.signal("SIGUSR1");
      expect(readFileSync(`${container.dir}/cgroup.freeze`, "utf8").trim()).toBe("1");
      await sleep(200);
      expect(await container.waitEmpty(0)).toBe(false); // pending, not acted on while frozen
      await container.thaw();
      expect(await container.waitEmpty(10_000)).toBe(true); // the trap ran once thawed
    } finally {
      container.release();
    }
  });

  it("stats: the process count and CPU time from cpu.stat; peak memory only where the host exposes it", async () => {
    const backend = await CgroupBackend.get();
    const container = backend.createContainer() as CgroupContainer;
    try {
      launch(container, "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; exec sleep 300");
      await joined(container, 1);
      await eventually(
        () =>
          (readFileSync(`${container.dir}/cpu.stat`, "utf8").match(/usage_usec (\d+)/)?.[1] ?? "0") !== "0",
      );
      const stats = await container.stats();
      expect(stats.processes).toBe(1);
      expect(typeof stats.cpuTimeMs).toBe("number");
      expect(stats.cpuTimeMs).toBeGreaterThan(0);
      if (existsSync(`${container.dir}/memory.peak`)) expect(typeof stats.peakMemoryBytes).toBe("number");
      else expect(stats.peakMemoryBytes).toBeUndefined();
    } finally {
      container.release();
    }
  });

  it("a leader that has not joined yet is still a member: kill() reaches it by pid, waitEmpty waits for it", async () => {
    const backend = await CgroupBackend.get();
    const parent = backend.createContainer() as CgroupContainer;
    const run = parent.createChild() as CgroupContainer;
    // Stands in for a launcher caught before its cgroup.procs write: adopted, but outside the cgroup.
    const outsider = spawn("/bin/sleep", ["300"], { stdio: "ignore" });
    const pid = outsider.pid as number;
    track(pid);
    run.adopt(pid);
    outsider.once("exit", () => run.reaped(pid));
    expect(await run.members()).toEqual([pid]);
    expect(await parent.members()).toEqual([pid]);
    expect(await parent.waitEmpty(50)).toBe(false);

    parent.kill(); // the group-wide kill reaches the run's leader
    expect(await parent.waitEmpty(5_000)).toBe(true);
    expect(isAlive(pid)).toBe(false);
    run.release();
    parent.release();
  });

  it("a reaped leader is forgotten: its pid (free for reuse) is never signalled again", async () => {
    const backend = await CgroupBackend.get();
    const container = backend.createContainer() as CgroupContainer;
    // Not inside the cgroup: only a per-pid signal could reach it.
    const first = spawn("/bin/sleep", ["300"], { stdio: "ignore" });
    const pid = first.pid as number;
    track(pid);
    container.adopt(pid);
    // Told it was reaped: from now on the pid could belong to anyone (here, it stands for reuse).
    container.reaped(pid);
    container.kill();
    await sleep(100);
    expect(isAlive(pid)).toBe(true);
    expect(await container.members()).toEqual([]);
    first.kill("SIGKILL");
    container.release();
  });
});
