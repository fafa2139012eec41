/**
 * hostContainment(): a spawn-free report that must match what runs really use — mechanism,
 * cgroup path, what owner death tears down, which limits are enforceable, and why.
 */
import { afterEach, describe, expect, it } from "vitest";
import { locateCgroup } from "../../src/containment/cgroup/locate.js";
import { Command, hostContainment, JobRunner, ProcessGroup } from "../../src/index.js";

const saved = process.env.PROCESSKIT_MECHANISM;
afterEach(() => {
  if (saved === undefined) delete process.env.PROCESSKIT_MECHANISM;
  else process.env.PROCESSKIT_MECHANISM = saved;
});

describe("hostContainment()", () => {
  it("matches the mechanism that default runs and groups actually use", async () => {
    delete process.env.PROCESSKIT_MECHANISM;
    const runner = new JobRunner();
    const mechanism = await runner.ready();
    const host = hostContainment();
    expect(host.mechanism).toBe(mechanism);
    const proc = await runner.start(new Command("true"));
    expect(proc.mechanism).toBe(host.mechanism);
    await proc.finish();
    const group = await ProcessGroup.create();
    expect(group.mechanism).toBe(host.mechanism);
    await group.close();
  });

  it("under cgroup v2: the cgroup path is where owner cgroups go, and owner death takes the whole tree", async () => {
    delete process.env.PROCESSKIT_MECHANISM;
    await new JobRunner().ready();
    const host = hostContainment();
    const located = locateCgroup();
    if (host.mechanism !== "cgroup-v2" || !located.ok) return;
    expect(host.cgroupPath).toBe(located.path);
    expect(host.parentDeath).toBe("whole-tree");
    expect(host.reasons.some((r) => r.includes("setsid"))).toBe(false);
  });

  it("forced process groups: reported as such, with the setsid hole and process-group parent death", async () => {
    process.env.PROCESSKIT_MECHANISM = "process-group";
    const host = hostContainment();
    expect(host.mechanism).toBe("process-group");
    expect(host.cgroupPath).toBeUndefined();
    expect(host.parentDeath).toBe("process-group");
    expect(host.limits).toEqual({ memoryMax: false, maxProcesses: false, cpuQuota: false });
    expect(host.reasons.join("\n")).toMatch(/PROCESSKIT_MECHANISM/);
    expect(host.reasons.join("\n")).toMatch(/setsid/);
    expect(await new JobRunner().ready()).toBe("process-group");
  });

  it("limits it reports unenforceable are listed in the reasons", () => {
    const host = hostContainment();
    for (const [kind, ok] of Object.entries(host.limits)) {
      if (!ok) expect(host.reasons.join("\n")).toContain(kind);
    }
  });
});
