/**
 * One quick cell of bench/peers-cli.js (the side-by-side table in docs/cli.md): the script runs,
 * measures by pid, and finds `processkit all` leaving nothing after a SIGKILL — under cgroup v2
 * every process; under the process-group fallback everything but the setsid grandchildren (the
 * mechanism's documented limit). The script cleans up what it started.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { NODE } from "../helpers/procs.js";
import { HAS_CGROUP } from "./cli.js";

const SCRIPT = fileURLToPath(new URL("../../bench/peers-cli.js", import.meta.url));

interface Cell {
  readonly before: number;
  readonly survivors: number;
  readonly setsidSurvivors: number;
  readonly toolAlive: boolean;
}

describe("bench/peers-cli.js", () => {
  it("measures a processkit all cell", () => {
    const row = HAS_CGROUP ? "processkit all (cgroup-v2)" : "processkit all (process-group)";
    const out = execFileSync(NODE, [SCRIPT, "--only", row, "--json"], { encoding: "utf8", timeout: 60_000 });
    const [result] = JSON.parse(out) as Array<{ tool: string; SIGTERM: Cell; SIGKILL: Cell }>;
    expect(result?.tool).toBe(row);
    for (const cell of [result?.SIGTERM, result?.SIGKILL] as Cell[]) {
      expect(cell.before).toBeGreaterThanOrEqual(6); // two trees of three, plus what sits between
      expect(cell.toolAlive).toBe(false);
      expect(cell.survivors).toBe(HAS_CGROUP ? 0 : cell.setsidSurvivors);
    }
  }, 90_000);
});
