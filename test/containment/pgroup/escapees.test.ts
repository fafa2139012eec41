/**
 * Where the escapee scan looks: a young leader's scan walks only the pids handed out since it
 * (often none), an older one's reads /proc. Both find a marked process that left the group,
 * neither a process that carries another token. Every process here is started by the test,
 * proven alive first, and killed by pid.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  candidates,
  findMarked,
  killMarked,
  type Since,
  sinceOf,
} from "../../../src/containment/pgroup/escapees.js";
import { escapee, execLoop, lastPid } from "../../helpers/escapee.js";
import { waitDead } from "../../helpers/procs.js";

describe("the escapee scan's candidates", () => {
  it("a young leader: exactly the pids handed out since it", () => {
    const since = sinceOf(process.pid) as Since; // born "now": young
    const last = lastPid();
    const pids = [...(candidates({ ...since, pid: last - 3 }) ?? [])];
    // ns_last_pid only grows in between (another process may fork meanwhile).
    expect(pids.slice(0, 3)).toEqual([last - 2, last - 1, last]);
    expect(pids.every((pid, i) => pid === last - 2 + i)).toBe(true);
  });

  it("an old leader (the owner's own sweep passes 0): every newer pid /proc lists, not a range", () => {
    const since = sinceOf(process.pid, 0) as Since;
    const pids = candidates(since);
    expect(Array.isArray(pids)).toBe(true);
    expect(pids as number[]).not.toContain(process.pid);
    expect((pids as number[]).every((pid) => pid > process.pid || pid <= lastPid())).toBe(true);
  });

  it("a young leader with many pids handed out since: /proc is read instead of 256+ lookups", () => {
    const since = sinceOf(process.pid) as Since;
    const pids = candidates({ ...since, pid: Math.max(1, lastPid() - 10_000) });
    expect(Array.isArray(pids)).toBe(true);
  });
});

describe("findMarked", () => {
  for (const age of ["young", "old"] as const) {
    it(`${age} leader: finds the marked escapee, not one with another token`, async () => {
      const before = lastPid();
      const since: Since = { pid: before, startTime: 0, bornAt: age === "young" ? performance.now() : 0 };
      const token = "aaaaaaaaaaaa.1";
      const ours = await escapee(`bbbbbbbbbbbb.7:${token}`);
      const stranger = await escapee("aaaaaaaaaaaa.12");
      expect(ours).toBeGreaterThan(before);
      const found = findMarked(token, since);
      expect(found).toContain(ours);
      expect(found).not.toContain(stranger);
      // The owner's prefix matches every container of that owner.
      expect(findMarked("aaaaaaaaaaaa.", since)).toEqual(expect.arrayContaining([ours, stranger]));
    });
  }
});

describe("killMarked", () => {
  it("a marked process caught inside an execve (its environment reads empty then) is still killed", async () => {
    // It re-execs itself for ever, so a scan often meets it mid-exec; 20 tries without a miss.
    const script = execLoop();
    const token = "cccccccccccc.3";
    let emptySeen = 0;
    for (let i = 0; i < 20; i++) {
      const since: Since = { pid: lastPid(), startTime: 0, bornAt: 0 };
      const pid = await escapee(token, script);
      for (let n = 0; n < 50; n++) if (readFileSync(`/proc/${pid}/environ`, "latin1") === "") emptySeen++;
      expect(killMarked(token, since)).toContain(pid);
      expect(await waitDead(pid)).toBe(true);
    }
    // Not asserted (it depends on timing), but it says whether this run met the window at all.
    console.log(`environ read empty ${emptySeen} times in 1000 reads of an exec loop`);
  });
});
