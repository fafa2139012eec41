/**
 * The process-group backend directly: leaders become group leaders, teardown is kill(-pgid),
 * live groups are registered with the owner (exit sweep + sentinel) and forgotten once gone.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { owner } from "../../../src/containment/owner/registry.js";
import { ProcessGroupBackend } from "../../../src/containment/pgroup/backend.js";
import { isAlive } from "../../helpers/procs.js";
import { eventually, stat, track } from "../support.js";

describe("ProcessGroupBackend", () => {
  it("plans a detached (session + group leader) spawn and keeps the program and argv as given", () => {
    const container = new ProcessGroupBackend().createContainer();
    const plan = container.plan("/bin/echo", ["a b", "$(x)"], { stdio: "ignore" });
    expect(plan).toEqual({
      file: "/bin/echo",
      args: ["a b", "$(x)"],
      options: { stdio: "ignore", detached: true },
    });
  });

  it("adopt registers the group with the owner; kill(-pgid) reaches the whole group", async () => {
    const container = new ProcessGroupBackend().createContainer();
    const plan = container.plan("/bin/sh", ["-c", "sleep 300 & exec sleep 300"], { stdio: "ignore" });
    const child = spawn(plan.file, plan.args, plan.options);
    const pid = child.pid as number;
    track(pid);
    container.adopt(pid);
    expect(stat(pid)?.pgrp).toBe(pid);
    expect(owner.registeredGroups.has(pid)).toBe(true);
    expect(owner.sentinelPid).toBeGreaterThan(0);
    expect(await eventually(membersAtLeast(container, 2))).toBe(true);
    const members = await container.members();
    track(...members);
    expect(members).toContain(pid);
    expect(await container.stats()).toEqual({
      processes: 2,
      cpuTimeMs: undefined,
      peakMemoryBytes: undefined,
    });

    container.release();
    await once(child, "exit");
    expect(await container.waitEmpty(5_000)).toBe(true);
    for (const member of members) expect(isAlive(member)).toBe(false);
  });

  it("a killed group is unregistered once no process holds its pgid (pids are reused)", async () => {
    const container = new ProcessGroupBackend().createContainer();
    const plan = container.plan("/bin/sleep", ["300"], { stdio: "ignore" });
    const child = spawn(plan.file, plan.args, plan.options);
    const pid = child.pid as number;
    track(pid);
    container.adopt(pid);
    expect(owner.registeredGroups.has(pid)).toBe(true);
    container.release();
    await once(child, "exit"); // Node reaped the only member: the pgid is free
    expect(await eventually(() => !owner.registeredGroups.has(pid), 5_000)).toBe(true);
  });
});

/** A synchronous check over an async members() (polled by `eventually`). */
function membersAtLeast(container: { members(): Promise<number[]> }, count: number): () => boolean {
  let last = 0;
  return () => {
    void container.members().then((m) => {
      last = m.length;
    });
    return last >= count;
  };
}
