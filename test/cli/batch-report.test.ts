/** The batch progress line and summary table (pure formatting), and the live line on a real TTY. */

import { spawn } from "node:child_process";
import { accessSync, constants, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type BatchRecord, summaryText, table, tailLines } from "../../src/cli/batch-summary.js";
import { clock, etaMs, progressText } from "../../src/cli/progress-line.js";
import { ProcessResult } from "../../src/index.js";
import { NODE } from "../helpers/procs.js";
import { CLI, tempDir } from "./cli.js";

function result(code: number, durationMs: number, stderr = ""): ProcessResult<string> {
  return new ProcessResult({
    program: "sh",
    args: [],
    stdout: "",
    stderr,
    outcome: { kind: "exited", code },
    durationMs,
    truncated: false,
  });
}

describe("progress line", () => {
  it("done/failed/running, elapsed and an ETA at the throughput so far", () => {
    const state = { total: 50, done: 10, failed: 1, running: 4, elapsedMs: 20_000 };
    expect(etaMs(state)).toBe(80_000);
    expect(progressText(state)).toBe("batch: 10/50 done, 1 failed, 4 running | 0:20 elapsed, ETA 1:20");
    // Nothing finished yet: no ETA, and no "failed" while there is none.
    expect(progressText({ ...state, done: 0, failed: 0 })).toBe("batch: 0/50 done, 4 running | 0:20 elapsed");
    expect(etaMs({ ...state, done: 50 })).toBeUndefined();
  });

  it("clock: m:ss, h:mm:ss past an hour", () => {
    expect(clock(0)).toBe("0:00");
    expect(clock(65_000)).toBe("1:05");
    expect(clock(3_725_000)).toBe("1:02:05");
  });
});

describe("summary", () => {
  const records: BatchRecord[] = [
    { index: 0, line: 1, display: "echo ok", status: "succeeded", result: result(0, 12) },
    {
      index: 1,
      line: 3,
      display: "make test",
      status: "failed",
      result: result(2, 3_400, "a\n\nb\nc\nd\ne\nf\n"),
    },
    { index: 2, line: 4, display: "sleep 9", status: "stopped", result: result(143, 900) },
    { index: 3, line: 5, display: "echo never", status: "not-run", error: new Error("not started") },
  ];

  it("counts, slowest first, and each failure with the tail of its stderr", () => {
    const text = summaryText(records, 4_000, "SIGTERM");
    expect(text.split("\n")[0]).toBe(
      "processkit batch: 4 commands: 1 succeeded, 1 failed, 1 stopped, 1 not run (4s, stopped by SIGTERM)",
    );
    expect(text).toMatch(
      /slowest:\n\s+3\.4s\s+line 3\s+make test\n\s+900ms\s+line 4\s+sleep 9\n\s+12ms\s+line 1\s+echo ok\n/,
    );
    expect(text).toMatch(/failed:\n {2}line 3 {2}make test\n {10}→ exited with code 2 after 3\.4s\n/);
    // The last five non-empty stderr lines.
    expect(text).toContain("| b\n");
    expect(text).toContain("| f\n");
    expect(text).not.toContain("| a\n");
  });

  it("tailLines and table", () => {
    expect(tailLines("x\n\ny\nz\n", 2)).toEqual(["y", "z"]);
    expect(
      table(
        [
          ["1s", "a"],
          ["10s", "bb"],
        ],
        ["right", "left"],
      ),
    ).toBe("   1s  a\n  10s  bb\n");
  });
});

const SCRIPT = (() => {
  for (const file of ["/usr/bin/script", "/bin/script"]) {
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // next
    }
  }
  return undefined;
})();

describe("processkit batch on a terminal", () => {
  it.skipIf(SCRIPT === undefined)(
    "draws a live progress line on stderr and clears it before the summary (skipped only without script)",
    async () => {
      const dir = tempDir();
      const jobs = join(dir, "jobs.txt");
      writeFileSync(jobs, "sleep 0.6\nsleep 0.6\nsh -c 'exit 1'\n");
      const child = spawn(
        SCRIPT as string,
        ["-qfec", `'${NODE}' '${CLI}' batch -j 2 '${jobs}'`, "/dev/null"],
        {
          stdio: ["pipe", "pipe", "pipe"],
        },
      );
      let out = "";
      child.stdout?.setEncoding("utf8").on("data", (d: string) => {
        out += d;
      });
      const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
      expect(code).toBe(1);
      expect(out).toMatch(/\r\x1b\[Kbatch: \d\/3 done(, 1 failed)?, \d running \| 0:0\d elapsed/);
      expect(out).toMatch(/\r\x1b\[Kprocesskit batch: 3 commands: 2 succeeded, 1 failed/);
    },
  );
});
