/**
 * The sentinel's escapee sweep (SWEEP_MARKED in sentinel.ts), run on its own in /bin/sh as the
 * sentinel runs it: it kills a marked process newer than `since` even when that process is
 * forever inside an execve (its environment reads empty for a moment each time), and leaves
 * alone one that carries another owner's token.
 */
import { spawn, spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SWEEP_MARKED } from "../../../src/containment/owner/sentinel.js";
import { RUN_MARKER } from "../../../src/containment/pgroup/run-marker.js";
import { isLive, readStat } from "../../../src/containment/proc.js";
import { escapee, execLoop, lastPid } from "../../helpers/escapee.js";
import { isAlive, waitDead } from "../../helpers/procs.js";

function sweep(mark: string, since: number): void {
  const run = spawnSync("/bin/sh", ["-c", `${SWEEP_MARKED}\nsweep_marked`], {
    env: { PATH: "/usr/bin:/bin", mark, since: String(since) },
    encoding: "utf8",
  });
  expect(run.status, run.stderr).toBe(0);
}

describe("the sentinel's marked sweep", () => {
  it("kills a marked exec loop every time; another owner's process is left alone", async () => {
    const script = execLoop();
    for (let i = 0; i < 12; i++) {
      const since = lastPid();
      const ours = await escapee("dddddddddddd.4", script);
      const other = await escapee("eeeeeeeeeeee.4");
      sweep("dddddddddddd", since);
      expect(await waitDead(ours), `trial ${i}: the exec loop survived the sweep`).toBe(true);
      expect(isAlive(other)).toBe(true);
    }
  });

  it("hands grep the candidates in batches: 300 marked processes all die, an unmarked one stays", async () => {
    const since = lastPid();
    const other = await escapee("eeeeeeeeeeee.5");
    // One shell (a group of its own, for the cleanup) starts 300 marked sleeps: more than one batch.
    const shell = spawn(
      "/bin/sh",
      ["-c", "i=0; while [ $i -lt 300 ]; do /bin/sleep 300 & i=$((i + 1)); done; wait"],
      {
        detached: true,
        stdio: "ignore",
        env: { PATH: "/usr/bin:/bin", [RUN_MARKER]: "ffffffffffff.5" },
      },
    );
    const group = shell.pid as number;
    try {
      let members: number[] = [];
      for (let i = 0; i < 500 && members.length < 301; i++) {
        await new Promise((r) => setTimeout(r, 10));
        members = groupMembers(group);
      }
      expect(members.length).toBe(301); // positive control: the shell and its 300 sleeps
      sweep("ffffffffffff", since);
      for (const pid of members) expect(await waitDead(pid), `${pid} survived`).toBe(true);
      expect(isAlive(other)).toBe(true);
    } finally {
      try {
        process.kill(-group, "SIGKILL");
      } catch {
        // all gone
      }
    }
  }, 60_000);
});

/** Live members of a process group, from /proc. */
function groupMembers(pgid: number): number[] {
  const pids: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat !== undefined && isLive(stat) && stat.pgrp === pgid) pids.push(stat.pid);
  }
  return pids;
}
