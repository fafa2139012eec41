/**
 * The sentinel's escapee sweep (SWEEP_MARKED in sentinel.ts), run on its own in /bin/sh as the
 * sentinel runs it: it kills a marked process newer than `since` even when that process is
 * forever inside an execve (its environment reads empty for a moment each time), and leaves
 * alone one that carries another owner's token.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { SWEEP_MARKED } from "../../../src/containment/owner/sentinel.js";
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
});
