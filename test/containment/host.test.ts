/**
 * hostContainment(): a spawn-free report that must match what runs really use — mechanism,
 * cgroup path, what owner death tears down, which limits are enforceable, and why.
 */
import { spawnSync } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { locateCgroup } from "../../src/containment/cgroup/locate.js";
import { Command, hostContainment, JobRunner, ProcessGroup } from "../../src/index.js";
// Statically: its afterAll (which removes the dist snapshot) must be registered with this file, not inside a test.
import { distSnapshot } from "./support.js";

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

  it("forced process groups: reported as such, with the run marker and what escapes it", async () => {
    process.env.PROCESSKIT_MECHANISM = "process-group";
    const host = hostContainment();
    expect(host.mechanism).toBe("process-group");
    expect(host.cgroupPath).toBeUndefined();
    expect(host.parentDeath).toBe("process-group");
    expect(host.runMarker).toBe(true);
    expect(host.reasons.join("\n")).toMatch(/PROCESSKIT_RUN/);
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

describe("hostContainment() before any run", () => {
  it("answers with the probe's verdict at once, and runs get exactly that (in a fresh process)", async () => {
    // A fresh owner: no run has probed anything yet when hostContainment() is asked.
    const dist = await distSnapshot();
    const script = `
      const { hostContainment, JobRunner, Command } = await import(new URL("index.js", ${JSON.stringify(dist)}));
      const before = hostContainment();
      const runner = new JobRunner();
      const proc = await runner.start(new Command("true"));
      await proc.finish();
      console.log(JSON.stringify({ before: before.mechanism, run: proc.mechanism, after: hostContainment().mechanism }));`;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      encoding: "utf8",
      env: { ...process.env, PROCESSKIT_MECHANISM: "" },
    });
    expect(r.status, r.stderr).toBe(0);
    const seen = JSON.parse(r.stdout) as { before: string; run: string; after: string };
    expect(seen.run).toBe(seen.before);
    expect(seen.after).toBe(seen.before);
  });
});
