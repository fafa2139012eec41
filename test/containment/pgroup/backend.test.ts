/**
 * The process-group backend directly: leaders become group leaders, teardown is kill(-pgid),
 * live groups are registered with the owner (exit sweep + sentinel) and forgotten once gone.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { openGate } from "../../../src/containment/gate.js";
import { owner } from "../../../src/containment/owner/registry.js";
import { ProcessGroupBackend } from "../../../src/containment/pgroup/backend.js";
import { isAlive } from "../../helpers/procs.js";
import { eventually, stat, track } from "../support.js";

describe("ProcessGroupBackend", () => {
  it("plans a detached (session + group leader) gated launcher that keeps the program and argv as given", () => {
    const container = new ProcessGroupBackend(false).createContainer();
    const plan = container.plan("/bin/echo", ["a b", "$(x)"], { stdio: "ignore", env: { PATH: "/bin" } });
    expect(plan).toEqual({
      file: "/bin/sh",
      args: [
        "-c",
        'read -r PROCESSKIT_GATE <&3 && unset PWD && exec "$@" 3<&-',
        "processkit-launcher",
        "/bin/echo",
        "a b",
        "$(x)",
      ],
      options: { stdio: ["ignore", "ignore", "ignore", "pipe"], env: { PATH: "/bin" }, detached: true },
      gate: 3,
    });
    // The guards exist before the first leader does.
    expect(owner.sentinelPids).toHaveLength(2);
    expect(owner.scratch()).not.toBeNull();
  });

  it("with the run marker, the plan only adds PROCESSKIT_RUN to the environment it would pass", () => {
    const container = new ProcessGroupBackend(true).createContainer();
    const plan = container.plan("/bin/echo", ["a"], { stdio: "ignore", env: { A: "1" } });
    // The gated launcher, then the program and its argv unchanged.
    expect(plan.file).toBe("/bin/sh");
    expect(plan.args.slice(-2)).toEqual(["/bin/echo", "a"]);
    expect(plan.options.detached).toBe(true);
    expect(Object.keys(plan.options.env ?? {}).sort()).toEqual(["A", "PROCESSKIT_RUN"]);
    expect(plan.options.env?.PROCESSKIT_RUN).toMatch(/^[0-9a-f]{12}\.\d+$/);
  });

  it("adopt registers the group with the owner; kill(-pgid) reaches the whole group", async () => {
    const container = new ProcessGroupBackend().createContainer();
    const plan = container.plan("/bin/sh", ["-c", "sleep 300 & exec sleep 300"], { stdio: "ignore" });
    const child = spawn(plan.file, plan.args, plan.options);
    const pid = child.pid as number;
    track(pid);
    container.adopt(pid);
    openGate(child); // registered: the launcher may run the target
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

    const exited = once(child, "exit");
    container.kill();
    expect(await container.waitEmpty(5_000)).toBe(true);
    for (const member of members) expect(isAlive(member)).toBe(false);
    await exited;
    container.release();
  });

  it("a killed group is unregistered once no process holds its pgid (pids are reused)", async () => {
    const container = new ProcessGroupBackend().createContainer();
    const plan = container.plan("/bin/sleep", ["300"], { stdio: "ignore" });
    const child = spawn(plan.file, plan.args, plan.options);
    const pid = child.pid as number;
    track(pid);
    container.adopt(pid);
    openGate(child); // registered: the launcher may run the target
    expect(owner.registeredGroups.has(pid)).toBe(true);
    container.release();
    await once(child, "exit"); // Node reaped the only member: the pgid is free
    expect(await eventually(() => !owner.registeredGroups.has(pid), 5_000)).toBe(true);
  });
});

describe("ProcessGroupContainer nesting (a ProcessGroup's runs)", () => {
  function start(container: ReturnType<ProcessGroupBackend["createContainer"]>, script: string) {
    const plan = container.plan("/bin/sh", ["-c", script], { stdio: ["ignore", "pipe", "ignore"] });
    const child = spawn(plan.file, plan.args, plan.options);
    track(child.pid as number);
    container.adopt(child.pid as number);
    openGate(child); // registered: the launcher may run the target
    return child;
  }

  it("a finished run that left nothing behind is forgotten at once (its pgid may be reused)", async () => {
    const group = new ProcessGroupBackend().createContainer();
    const run = group.createChild();
    const child = start(run, "exit 0");
    const pgid = child.pid as number;
    expect(owner.registeredGroups.has(pgid)).toBe(true);
    await once(child, "exit");
    run.release({ kill: false });
    expect(owner.registeredGroups.has(pgid)).toBe(false);
    expect((group as unknown as { pgids: Set<number> }).pgids.has(pgid)).toBe(false);
    group.release();
  });

  it("a finished run's leftovers stay in the parent until the parent is killed", async () => {
    const group = new ProcessGroupBackend().createContainer();
    const run = group.createChild();
    const child = start(run, 'sleep 300 & echo "$!"');
    let out = "";
    child.stdout?.on("data", (c: Buffer) => {
      out += c.toString();
    });
    await once(child, "exit");
    const leftover = Number(out.trim());
    track(leftover);
    run.release({ kill: false });
    expect(isAlive(leftover)).toBe(true);
    expect(await group.members()).toEqual([leftover]);
    group.kill();
    expect(await group.waitEmpty(5_000)).toBe(true);
    expect(isAlive(leftover)).toBe(false);
    group.release();
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
