/**
 * A Node script that uses processkit, itself run by processkit (a test runner, a dev-server
 * wrapper): when it ends, the outer run's teardown kills what it left — under cgroup v2 its
 * sentinels too, since they live in the outer run's cgroup. Its scratch directory must not
 * depend on them: the orderly exit removes it.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { reclaimDeadOwners } from "../../../src/containment/owner/reclaim.js";
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

  it("killed by the outer run's teardown, its scratch directory is gone soon after (its sentinels, or a later owner)", async () => {
    const dist = await distSnapshot();
    const tmp = mkdtempSync(join(tmpdir(), "pk-nested-tmp-"));
    try {
      const inner = `const pk = await import(new URL("index.js", ${JSON.stringify(dist)}));
await new pk.Command("sleep", ["300"]).start();
console.log(JSON.stringify({ pid: process.pid }));
setInterval(() => {}, 1000);`;
      const runner = new JobRunner({ mechanism });
      let pid = 0;
      const outer = await runner.start(
        new Command(NODE, ["--input-type=module", "-e", inner]).env({ TMPDIR: tmp }).onStdoutLine((line) => {
          pid = (JSON.parse(line) as { pid: number }).pid;
        }),
      );
      expect(await eventually(() => pid !== 0, 10_000)).toBe(true);
      const mine = () => readdirSync(tmp).filter((n) => n.startsWith(`processkit-${pid}-`));
      expect(mine()).toHaveLength(1); // positive control: the inner owner made its scratch directory
      await outer.kill(); // no orderly exit for the inner owner: SIGKILL, its whole tree at once
      // Under process groups its sentinels (sessions of their own, unmarked) outlive it and clean
      // up; under cgroup v2 they die in the outer run's cgroup, and the next owner reclaims it.
      await eventually(() => mine().length === 0, 2_000);
      await reclaimDeadOwners(tmp);
      expect(mine()).toEqual([]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
