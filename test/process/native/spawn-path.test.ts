/** Which spawn runs, forced or chosen, is what hostContainment() says, with its reason. */
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { Command, hostContainment, InvalidInputError } from "../../../src/index.js";
import { loadAddon } from "../../../src/process/native/addon.js";
import { spawnPath } from "../../../src/process/native/spawn-path.js";

const saved = process.env.PROCESSKIT_SPAWN;
afterEach(() => {
  if (saved === undefined) delete process.env.PROCESSKIT_SPAWN;
  else process.env.PROCESSKIT_SPAWN = saved;
});

describe("PROCESSKIT_SPAWN", () => {
  it("a bad value is an InvalidInputError naming the variable and the value, for runs and the report", async () => {
    process.env.PROCESSKIT_SPAWN = "fork";
    await expect(new Command("true").run()).rejects.toThrow(
      new InvalidInputError("PROCESSKIT_SPAWN", 'PROCESSKIT_SPAWN: expected "native" or "node", got "fork"'),
    );
    expect(() => hostContainment()).toThrow(/PROCESSKIT_SPAWN: expected "native" or "node", got "fork"/);
  });

  it("node: reported as forced, and runs go through Node's spawn (no pidfd watch)", async () => {
    process.env.PROCESSKIT_SPAWN = "node";
    const host = hostContainment();
    expect(host.spawn).toBe("node");
    expect(host.spawnReason).toMatch(/forced by PROCESSKIT_SPAWN=node/);
    const load = loadAddon();
    const watchesBefore = load.ok ? load.addon.watches() : 0;
    const proc = await new Command("sleep", ["300"]).start();
    if (load.ok) expect(load.addon.watches()).toBe(watchesBefore);
    await proc.kill();
  });

  it("unset: native exactly when the addon loaded and the kernel lets clone3 through", async () => {
    delete process.env.PROCESSKIT_SPAWN;
    const host = hostContainment();
    const load = loadAddon();
    if (!load.ok) {
      expect(host.spawn).toBe("node");
      expect(host.spawnReason).toContain(load.reason);
      return;
    }
    expect(host.spawn).toBe(load.addon.probe().clone3 === 0 && process.arch === "x64" ? "native" : "node");
    expect(host.spawnReason).toBe(spawnPath().reason);
    if (host.spawn === "native") {
      const watchesBefore = load.addon.watches();
      const proc = await new Command("sleep", ["300"]).start();
      expect(load.addon.watches()).toBe(watchesBefore + 1);
      expect(readlinkSync(`/proc/${proc.pid}/exe`)).toMatch(/sleep$/);
      await proc.kill();
    }
  });
});

describe("without the addon (an install that had no compiler)", () => {
  // A copy of dist/ with no build/ beside it: the loader finds no addon, as after such an install.
  const dir = mkdtempSync(join(tmpdir(), "pk-no-addon-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(fileURLToPath(new URL("../../../dist/", import.meta.url)), join(dir, "dist"), { recursive: true });
  writeFileSync(join(dir, "dist", "package.json"), '{ "type": "module" }\n');
  const script = join(dir, "report.mjs");
  writeFileSync(
    script,
    `const { Command, hostContainment } = await import("./dist/index.js");
     const host = hostContainment();
     const run = await new Command("echo", ["ran"]).run().catch((e) => e.constructor.name + ": " + e.message);
     console.log(JSON.stringify({ spawn: host.spawn, reason: host.spawnReason, run }));`,
  );
  const report = (spawn: string | undefined) => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    if (spawn === undefined) delete env.PROCESSKIT_SPAWN;
    else env.PROCESSKIT_SPAWN = spawn;
    const run = spawnSync(process.execPath, [script], { cwd: dir, env, encoding: "utf8" });
    expect(run.stderr).toBe("");
    return JSON.parse(run.stdout) as { spawn: string; reason: string; run: string };
  };

  it("runs on Node's spawn and says why", () => {
    expect(report(undefined)).toEqual({
      spawn: "node",
      reason: "Node's spawn: native addon not built (no toolchain at install, or PROCESSKIT_SKIP_NATIVE=1)",
      run: "ran",
    });
  });

  it("PROCESSKIT_SPAWN=native is an UnsupportedError naming the reason, never a silent fallback", () => {
    const got = report("native");
    expect(got.spawn).toBe("node");
    expect(got.reason).toMatch(
      /^PROCESSKIT_SPAWN=native, but native addon not built .*: runs fail with UnsupportedError$/,
    );
    expect(got.run).toBe(
      "UnsupportedError: PROCESSKIT_SPAWN=native, but native addon not built (no toolchain at install, or PROCESSKIT_SKIP_NATIVE=1)",
    );
  });
});
