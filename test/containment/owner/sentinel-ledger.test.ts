/**
 * The sentinel reading a busy owner's ledger: thousands of lines, hundreds of groups still
 * registered (a batch at concurrency 16 churns through runs faster than killed groups are
 * forgotten, and the file is compacted only every 4,096 lines). Each line must cost the same
 * however many groups are live: the set used to be one string edited by pattern removal,
 * quadratic in dash, and a ledger like this one kept the owner's groups alive for minutes
 * after its death (found after a full soak: both sentinels at 100 % CPU, 130 s and counting).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Sentinel } from "../../../src/containment/owner/sentinel.js";
import { isAlive, waitDead } from "../../helpers/procs.js";

/** Far above any pid_max (at most 2^22): `kill -KILL -<n>` can only fail with ESRCH. */
const FAKE = 900_000_000;

const groups: number[] = [];
afterEach(() => {
  for (const pgid of groups.splice(0)) {
    try {
      process.kill(-pgid, "SIGKILL");
    } catch {
      // gone
    }
  }
});

/** `sleep 300` as the leader of a group of its own; its pgid. */
function group(): number {
  const child = spawn("/bin/sleep", ["300"], { detached: true, stdio: "ignore" });
  child.unref();
  const pgid = child.pid as number;
  groups.push(pgid);
  return pgid;
}

/** A soak-sized ledger: `kept` registered early, `dropped` registered and removed late, churn around them. */
function busyLedger(kept: number, dropped: number): string {
  const lines = [`+${kept}`];
  const live: number[] = [];
  for (let i = 0; i < 4_000; i++) {
    const pgid = FAKE + i;
    lines.push(`+${pgid}`);
    live.push(pgid);
    // About 800 stay registered, the rest are removed in a scattered order.
    if (live.length > 800) lines.push(`-${live.splice((i * 7919) % live.length, 1)[0]}`);
    if (i === 2_000) lines.push(`+${dropped}`);
  }
  lines.push(`-${dropped}`);
  return `${lines.join("\n")}\n`;
}

describe("the sentinel with a busy owner's ledger", () => {
  it("kills the registered group at once and leaves a removed one alone", async () => {
    const scratch = mkdtempSync(join(tmpdir(), "pk-sentinel-ledger-"));
    try {
      const kept = group();
      const dropped = group();
      writeFileSync(join(scratch, "groups-0000abcd"), busyLedger(kept, dropped), { mode: 0o600 });
      const sentinel = new Sentinel(() => ({ cgroupDir: "", scratch, pipeGroups: [] }));
      expect(sentinel.pid).toBeDefined();
      expect(isAlive(kept) && isAlive(dropped)).toBe(true); // positive control
      sentinel.stop(); // what the owner's death looks like to it: EOF
      // Generous for a loaded 2-core machine; the quadratic version took minutes here.
      expect(await waitDead(kept, 15_000)).toBe(true);
      expect(isAlive(dropped)).toBe(true);
      expect(await waitDead(sentinel.pid as number, 15_000)).toBe(true);
      expect(existsSync(scratch)).toBe(false); // and it finished: the directory is gone
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }, 40_000);

  it("without a ledger file, the registrations that came through its pipe are replayed the same way", async () => {
    const kept = group();
    const dropped = group();
    const sentinel = new Sentinel(() => ({ cgroupDir: "", scratch: null, pipeGroups: [] }));
    expect(sentinel.pid).toBeDefined();
    for (let i = 0; i < 200; i++) sentinel.register(FAKE + i);
    sentinel.register(kept);
    sentinel.register(dropped);
    for (let i = 0; i < 150; i++) sentinel.unregister(FAKE + i);
    sentinel.unregister(dropped); // deferred and batched; stop() sends what is pending first
    expect(isAlive(kept) && isAlive(dropped)).toBe(true); // positive control
    sentinel.stop();
    expect(await waitDead(kept, 15_000)).toBe(true);
    expect(await waitDead(sentinel.pid as number, 15_000)).toBe(true);
    expect(isAlive(dropped)).toBe(true);
  }, 40_000);
});
