/** `processkit doctor`: the host's containment, for people and for machines. */
import { describe, expect, it } from "vitest";
import { hostContainment } from "../../src/index.js";
import { cli, HAS_CGROUP } from "./cli.js";

describe("processkit doctor", () => {
  it("--json: the hostContainment() report plus the cgroup2 mount, as one document", async () => {
    const r = await cli(["doctor", "--json"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split("\n")).toHaveLength(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.mechanism).toBe(HAS_CGROUP ? "cgroup-v2" : "process-group");
    expect(["whole-tree", "process-group", "none"]).toContain(doc.parentDeath);
    expect(doc.pid1).toBe(process.pid === 1);
    expect(Array.isArray(doc.advice)).toBe(true);
    expect(Object.keys(doc.limits).sort()).toEqual(["cpuQuota", "maxProcesses", "memoryMax"]);
    expect(Array.isArray(doc.reasons)).toBe(true);
    expect(typeof doc.cgroup2.writable).toBe("boolean");
    expect(doc.forced).toBeNull();
    expect(doc.node).toBe(process.version);
    // The same verdict the library gives in-process (the limits do not depend on the probe).
    expect(doc.limits).toEqual(hostContainment().limits);
  });

  it("human: one row per fact, on stdout", async () => {
    const r = await cli(["doctor"]);
    expect(r.code).toBe(0);
    for (const row of ["mechanism", "cgroup2 mount", "owner death", "limits", "--max-memory"]) {
      expect(r.stdout).toContain(row);
    }
  });

  it("PROCESSKIT_MECHANISM=process-group is reported as forced", async () => {
    const doc = JSON.parse((await cli(["doctor", "--json"], { mechanism: "process-group" })).stdout);
    expect(doc).toMatchObject({
      mechanism: "process-group",
      forced: "process-group",
      parentDeath: "process-group",
      runMarker: true,
    });
    expect(doc.reasons.join(" ")).toMatch(/forced by PROCESSKIT_MECHANISM/);
    const human = await cli(["doctor"], { mechanism: "process-group" });
    expect(human.stdout).toMatch(/forced by\s+PROCESSKIT_MECHANISM=process-group/);
  });

  it("an extra argument → 125", async () => {
    const r = await cli(["doctor", "now"]);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/unexpected argument "now"/);
  });
});
