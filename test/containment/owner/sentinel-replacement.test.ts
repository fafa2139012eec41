/**
 * A dead sentinel is replaced synchronously by `owner.guard()` (what every container calls
 * before it plans a leader), not only when Node gets round to its exit event; the owner
 * keeps two, and the registrations (the ledger) carry over to the replacement.
 */
import { describe, expect, it } from "vitest";
import { owner } from "../../../src/containment/owner/registry.js";
import { procState } from "../../helpers/procs.js";

/** Busy-waits (no event-loop turn, so no exit event can run) until the pid is dead. */
function spinUntilDead(pid: number, withinMs: number): boolean {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    const state = procState(pid);
    if (state === undefined || state === "Z" || state === "X") return true;
  }
  return false;
}

describe("sentinel replacement", () => {
  it("guard() replaces a killed sentinel before returning; there are always two", () => {
    owner.guard();
    const before = owner.sentinelPids;
    expect(before).toHaveLength(2);
    // Not tracked for cleanup: the sentinels belong to this worker's owner, which ends them.
    const [victim, other] = before as [number, number];
    process.kill(victim, "SIGKILL");
    expect(spinUntilDead(victim, 10_000)).toBe(true);
    owner.guard(); // same tick: the exit event cannot have run yet
    const after = owner.sentinelPids;
    expect(after).toHaveLength(2);
    expect(after).toContain(other);
    expect(after).not.toContain(victim);
    const replacement = after.find((pid) => pid !== other) as number;
    expect(procState(replacement)).not.toBe("Z");
    // The replacement watches the same scratch directory (where the ledger lives).
    expect(owner.scratch()).not.toBeNull();
  });

  it("a live sentinel is left alone (guard() is cheap when nothing died)", () => {
    owner.guard();
    const before = owner.sentinelPids;
    for (let i = 0; i < 100; i++) owner.guard();
    expect(owner.sentinelPids).toEqual(before);
  });
});
