/** Which spawn runs, forced or chosen, is what hostContainment() says, with its reason. */
import { readlinkSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
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
