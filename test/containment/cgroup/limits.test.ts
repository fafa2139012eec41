/** Limits: what each one writes, and that a host which cannot enforce one says so up front. */
import { describe, expect, it } from "vitest";
import { CgroupBackend } from "../../../src/containment/cgroup/backend.js";
import type { CgroupContainer } from "../../../src/containment/cgroup/container.js";
import { applyLimits, enforceableLimits, limitFiles } from "../../../src/containment/cgroup/limits.js";
import { locateCgroup } from "../../../src/containment/cgroup/locate.js";
import { hostContainment, ResourceLimitError } from "../../../src/index.js";

describe("limitFiles", () => {
  it("maps each limit to its cgroup v2 file", () => {
    expect(limitFiles({ memoryMax: 512 * 1024 * 1024, maxProcesses: 64, cpuQuota: 0.5 })).toEqual([
      { kind: "memoryMax", file: "memory.max", value: "536870912" },
      { kind: "maxProcesses", file: "pids.max", value: "64" },
      { kind: "cpuQuota", file: "cpu.max", value: "50000 100000" },
    ]);
    expect(limitFiles({ cpuQuota: 2 })).toEqual([
      { kind: "cpuQuota", file: "cpu.max", value: "200000 100000" },
    ]);
    expect(limitFiles({})).toEqual([]);
  });

  it("clamps a tiny CPU quota to the kernel's 1 ms minimum", () => {
    expect(limitFiles({ cpuQuota: 0.0001 })[0]?.value).toBe("1000 100000");
  });
});

describe.runIf(locateCgroup().ok)("limits on this host", () => {
  it("enforceableLimits is what hostContainment() reports", () => {
    const located = locateCgroup();
    if (!located.ok) return;
    const host = hostContainment();
    if (host.mechanism === "cgroup-v2") expect(host.limits).toEqual(enforceableLimits(located.path));
  });

  it("applyLimits throws ResourceLimitError for a limit whose controller is not delegated here", async () => {
    const located = locateCgroup();
    if (!located.ok) return;
    const enforceable = enforceableLimits(located.path);
    const backend = await CgroupBackend.get();
    const container = backend.createContainer() as CgroupContainer;
    try {
      for (const [kind, limits] of [
        ["memoryMax", { memoryMax: 64 * 1024 * 1024 }],
        ["maxProcesses", { maxProcesses: 8 }],
        ["cpuQuota", { cpuQuota: 0.5 }],
      ] as const) {
        if (enforceable[kind]) continue;
        let error: unknown;
        try {
          applyLimits(container.dir, limits);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(ResourceLimitError);
        expect((error as ResourceLimitError).limit).toBe(kind);
      }
    } finally {
      container.release();
    }
  });
});
