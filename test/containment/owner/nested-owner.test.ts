/**
 * A Node script that uses processkit, itself run by processkit (a test runner, a dev-server
 * wrapper): when it ends, the outer run's teardown kills what it left — under cgroup v2 its
 * sentinels too, since they live in the outer run's cgroup. Its scratch directory must not
 * depend on them: the orderly exit removes it.
 */
import { readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { Command, JobRunner } from "../../../src/index.js";
import { NODE } from "../../helpers/procs.js";
import { distSnapshot, eventually, MECHANISMS } from "../support.js";

const scratchOf = (pid: number) => readdirSync(tmpdir()).filter((n) => n.startsWith(`processkit-${pid}-`));

describe.each(MECHANISMS)("a nested owner under %s", (mechanism) => {
  it("leaves no scratch directory when it exits after its runs", async () => {
    const dist = await distSnapshot();
    const inner = `const pk = await import(new URL("index.js", ${JSON.stringify(dist)}));
await pk.run("true");
const { readdirSync } = await import("node:fs");
const { tmpdir } = await import("node:os");
const mine = readdirSync(tmpdir()).filter((n) => n.startsWith("processkit-" + process.pid + "-"));
console.log(JSON.stringify({ pid: process.pid, scratch: mine.length }));`;
    const runner = new JobRunner({ mechanism });
    // Several times: the outer teardown and the inner sentinels race, and the sentinels often win.
    for (let i = 0; i < 8; i++) {
      const result = await runner.output(new Command(NODE, ["--input-type=module", "-e", inner]));
      expect(result.exitCode, result.stderr).toBe(0);
      const { pid, scratch } = JSON.parse(result.stdout) as { pid: number; scratch: number };
      expect(scratch).toBe(1); // positive control: the inner owner had made its scratch directory
      const gone = await eventually(() => scratchOf(pid).length === 0, 5_000);
      expect(gone, `run ${i}: ${scratchOf(pid).join(", ")}`).toBe(true);
    }
  });
});
