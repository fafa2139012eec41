/**
 * A killed group is unregistered once it is gone, even when that takes longer than the first
 * few checks: a registration that outlived its group would make a sentinel SIGKILL whoever
 * gets the number next.
 */
import { spawn } from "node:child_process";
import { afterEach, describe, expect, it, vi } from "vitest";
import { owner } from "../../../src/containment/owner/registry.js";
import { track } from "../support.js";

afterEach(() => {
  vi.useRealTimers();
});

describe("forgetGroupWhenEmpty", () => {
  it("keeps checking a group that outlives the first checks, and forgets it once it is gone", async () => {
    const child = spawn("/bin/sleep", ["300"], { detached: true, stdio: "ignore" });
    const pgid = child.pid as number;
    track(pgid);
    owner.registerGroup(pgid);
    expect(owner.registeredGroups.has(pgid)).toBe(true); // positive control
    // Only setTimeout is faked: the exit of the child still arrives (SIGCHLD, setImmediate).
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    owner.forgetGroupWhenEmpty(pgid);
    await vi.advanceTimersByTimeAsync(12_000); // past the 100 ms, 1 s and 10 s checks
    expect(owner.registeredGroups.has(pgid)).toBe(true); // still alive: still registered
    const exited = new Promise((resolve) => child.once("exit", resolve));
    process.kill(pgid, "SIGKILL");
    await exited; // reaped: the group no longer exists
    await vi.advanceTimersByTimeAsync(31_000);
    expect(owner.registeredGroups.has(pgid)).toBe(false);
  });
});
