/**
 * Process groups on a host without /proc (macOS, BSD), simulated by hiding /proc from
 * node:fs: "cannot tell" must never read as "empty" — a TERM-ignoring group must not look
 * drained, or every grace would end at once and nothing would be escalated to SIGKILL.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { describe, expect, it, vi } from "vitest";
import { openGate } from "../../../src/containment/gate.js";
import { track } from "../support.js";

vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  const hidden = (path: unknown) => typeof path === "string" && path.startsWith("/proc");
  const enoent = () => Object.assign(new Error("ENOENT: no /proc here"), { code: "ENOENT" });
  const readdirSync = ((path: unknown, ...rest: unknown[]) => {
    if (hidden(path)) throw enoent();
    return (fs.readdirSync as (...a: unknown[]) => unknown)(path, ...rest);
  }) as typeof fs.readdirSync;
  const readFileSync = ((path: unknown, ...rest: unknown[]) => {
    if (hidden(path)) throw enoent();
    return (fs.readFileSync as (...a: unknown[]) => unknown)(path, ...rest);
  }) as typeof fs.readFileSync;
  return { ...fs, default: { ...fs, readdirSync, readFileSync }, readdirSync, readFileSync };
});

const { ProcessGroupBackend } = await import("../../../src/containment/pgroup/backend.js");
const { liveMembersOfGroups } = await import("../../../src/containment/proc.js");

describe("process groups without /proc", () => {
  it("liveMembersOfGroups says it cannot tell", () => {
    expect(liveMembersOfGroups(new Set([process.pid]))).toBeUndefined();
  });

  it("a live group is not empty; members are its pgids; kill still empties it", async () => {
    const container = new ProcessGroupBackend().createContainer();
    const plan = container.plan("/bin/sh", ["-c", "trap '' TERM; echo ready; exec sleep 300"], {
      stdio: ["ignore", "pipe", "ignore"],
    });
    const child = spawn(plan.file, plan.args, plan.options);
    const pid = child.pid as number;
    track(pid);
    container.adopt(pid);
    openGate(child); // registered: the launcher may run the target
    await once(child.stdout as NodeJS.ReadableStream, "data"); // TERM is ignored from here on

    container.signal("SIGTERM"); // ignored
    expect(await container.waitEmpty(300)).toBe(false);
    expect(await container.members()).toEqual([pid]);
    expect((await container.stats()).processes).toBe(1);

    container.kill();
    await once(child, "exit"); // reaped by Node: the group no longer exists
    expect(await container.waitEmpty(5_000)).toBe(true);
    expect(await container.members()).toEqual([]);
    container.release();
  });
});
