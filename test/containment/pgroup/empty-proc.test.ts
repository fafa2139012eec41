/**
 * Process groups where /proc is an empty directory (a chroot or a container without proc
 * mounted), simulated by making node:fs see /proc as an empty tmpfs: membership that cannot be
 * read must never be "empty". The grace runs its full length, SIGKILL follows, and shutdown()
 * says the survivors are unknown rather than 0. (The environment matrix proves the same with
 * a real tmpfs over /proc.)
 */
import { describe, expect, it, vi } from "vitest";
import { track } from "../support.js";

const TMPFS_MAGIC = 0x01021994;

vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  const isProc = (path: unknown) =>
    typeof path === "string" && (path === "/proc" || path.startsWith("/proc/"));
  const enoent = () => Object.assign(new Error("ENOENT: empty /proc"), { code: "ENOENT" });
  const readdirSync = ((path: unknown, ...rest: unknown[]) => {
    if (path === "/proc") return [];
    return (fs.readdirSync as (...a: unknown[]) => unknown)(path, ...rest);
  }) as typeof fs.readdirSync;
  const readFileSync = ((path: unknown, ...rest: unknown[]) => {
    if (isProc(path)) throw enoent();
    return (fs.readFileSync as (...a: unknown[]) => unknown)(path, ...rest);
  }) as typeof fs.readFileSync;
  const openSync = ((path: unknown, ...rest: unknown[]) => {
    if (isProc(path)) throw enoent();
    return (fs.openSync as (...a: unknown[]) => unknown)(path, ...rest);
  }) as typeof fs.openSync;
  const statfsSync = ((path: unknown, ...rest: unknown[]) => {
    const real = (fs.statfsSync as (...a: unknown[]) => ReturnType<typeof fs.statfsSync>)(path, ...rest);
    return path === "/proc" ? { ...real, type: TMPFS_MAGIC } : real;
  }) as typeof fs.statfsSync;
  const patched = { readdirSync, readFileSync, openSync, statfsSync };
  return { ...fs, ...patched, default: { ...fs, ...patched } };
});

const { ProcessGroup, Command } = await import("../../../src/index.js");
const { procAccess } = await import("../../../src/containment/proc-usable.js");

describe("process groups with an empty /proc", () => {
  it("/proc is reported unusable, with the mount command that fixes it", () => {
    const access = procAccess();
    expect(access.usable).toBe(false);
    if (!access.usable) expect(access.reason).toMatch(/not a proc filesystem.*mount -t proc proc \/proc/);
  });

  it("shutdown() waits the grace out, escalates, and never calls unknown survivors 0", async () => {
    const group = await ProcessGroup.create({ mechanism: "process-group" });
    try {
      const proc = await group.start(new Command("sh", ["-c", "trap '' TERM; echo ready; exec sleep 300"]));
      track(proc.pid ?? -1);
      await proc.waitForLine(/ready/, "10s"); // TERM is ignored from here on

      const kept = await group.shutdown({ grace: "300ms", escalate: false });
      expect(kept.drained).toBe(false);
      expect(kept.membershipKnown).toBe(false);
      expect(kept.survivors).toBeUndefined();
      expect(kept.elapsedMs).toBeGreaterThanOrEqual(299);
      // kill(0) is the only witness left: the leader is still there.
      expect(() => process.kill(proc.pid as number, 0)).not.toThrow();

      const killed = await group.shutdown({ grace: "100ms" });
      expect(killed.escalated).toBe(true);
      expect(killed.survivors).toBe(0); // the group is gone: that much is known
      expect((await proc.finish()).outcome).toEqual({ kind: "signalled", signal: "SIGKILL" });
    } finally {
      await group.close();
    }
  });
});
