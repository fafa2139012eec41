/**
 * clone3 refused by a seccomp filter (as container runtimes do): the process uses Node's spawn,
 * runs still work, and the report names the true reason — whether the spawn-free probe saw the
 * refusal, or it first showed up at a real spawn (then the switch is for good). The filter is
 * installed by a small Python ctypes helper (fixtures/seccomp-clone3.py) before it execs Node.
 * ENOSYS only: with EPERM glibc's pthread_create (clone3 first) fails and Node cannot start.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadAddon } from "../../../src/process/native/addon.js";

const PYTHON = ["/usr/bin/python3", "/bin/python3"].find((p) => existsSync(p));
const FILTER = fileURLToPath(new URL("./fixtures/seccomp-clone3.py", import.meta.url));
const index = fileURLToPath(new URL("../../../dist/index.js", import.meta.url));

interface Report {
  readonly before: [string, string];
  readonly run: string;
  readonly after: [string, string];
}

describe.runIf(PYTHON !== undefined && process.arch === "x64" && loadAddon().ok)(
  "clone3 refused by seccomp",
  () => {
    let dir = "";
    let script = "";
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), "pk-seccomp-"));
      script = join(dir, "report.mjs");
      writeFileSync(
        script,
        `const { Command, hostContainment } = await import(${JSON.stringify(index)});
       const report = () => { const h = hostContainment(); return [h.spawn, h.spawnReason]; };
       const before = report();
       const run = await new Command("echo", ["ran"]).run().catch((e) => e.constructor.name + ": " + e.message);
       console.log(JSON.stringify({ before, run, after: report() }));`,
      );
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    const underFilter = (mode: "all" | "sized", env: NodeJS.ProcessEnv = {}): Report => {
      const run = spawnSync(PYTHON as string, [FILTER, mode, "38", process.execPath, script], {
        encoding: "utf8",
        env: { ...process.env, PROCESSKIT_SPAWN: "", ...env },
        timeout: 30_000,
      });
      expect(run.stderr).toBe("");
      return JSON.parse(run.stdout) as Report;
    };

    it("seen by the spawn-free probe: Node's spawn from the start, with the reason", () => {
      const reason = "Node's spawn: the kernel refuses clone3 (ENOSYS: kernel < 5.3 or a seccomp filter)";
      expect(underFilter("all")).toEqual({ before: ["node", reason], run: "ran", after: ["node", reason] });
    });

    it("first seen at a real spawn: that run still starts, and the process switches for good", () => {
      const got = underFilter("sized");
      expect(got.before[0]).toBe("native");
      expect(got.run).toBe("ran");
      expect(got.after).toEqual(["node", "Node's spawn: the kernel refused clone3 at a spawn (ENOSYS)"]);
    });

    it("forced native: the refusal is an error naming it, never a silent switch", () => {
      const got = underFilter("all", { PROCESSKIT_SPAWN: "native" });
      expect(got.run).toBe(
        "UnsupportedError: PROCESSKIT_SPAWN=native, but the kernel refuses clone3 (ENOSYS: kernel < 5.3 or a seccomp filter)",
      );
    });

    it("positive control: without the filter the same script spawns natively", () => {
      const run = spawnSync(process.execPath, [script], {
        encoding: "utf8",
        env: { ...process.env, PROCESSKIT_SPAWN: "" },
      });
      expect((JSON.parse(run.stdout) as Report).after[0]).toBe("native");
    });
  },
);
