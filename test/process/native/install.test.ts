/**
 * The install never fails: the package's install script (native/build.cjs) builds the addon
 * where it can and otherwise prints one line and exits 0 — no compiler, node-gyp failing,
 * or PROCESSKIT_SKIP_NATIVE=1. Each case builds in a private copy of the sources, so the
 * checkout's own build/ is untouched; the loader then reports the pure path and why.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { loadAddon } from "../../../src/process/native/addon.js";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
const copies: string[] = [];
afterAll(() => {
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});

function copyOfSources(): string {
  const dir = mkdtempSync(join(tmpdir(), "pk-install-"));
  copies.push(dir);
  cpSync(join(repo, "native"), join(dir, "native"), { recursive: true });
  cpSync(join(repo, "binding.gyp"), join(dir, "binding.gyp"));
  return dir;
}

function install(dir: string, env: Record<string, string>) {
  return spawnSync(process.execPath, [join(dir, "native", "build.cjs")], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, ...env },
    timeout: 120_000,
  });
}

describe("native/build.cjs (the install script)", () => {
  it("PROCESSKIT_SKIP_NATIVE=1: exits 0 with one line, builds nothing", () => {
    const dir = copyOfSources();
    const run = install(dir, { PROCESSKIT_SKIP_NATIVE: "1" });
    expect(run.status).toBe(0);
    expect(run.stdout.trim().split("\n")).toEqual([
      "processkit: native spawn core not built (PROCESSKIT_SKIP_NATIVE=1); using the pure Node path",
    ]);
    expect(existsSync(join(dir, "build"))).toBe(false);
  });

  it("no C compiler: exits 0 with one line naming the failure; the loader reports why", () => {
    const dir = copyOfSources();
    const run = install(dir, { CC: "/nonexistent/cc", CXX: "/nonexistent/c++" });
    expect(run.status).toBe(0);
    const lines = run.stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^processkit: native spawn core not built \(node-gyp failed: .+\); using the pure Node path$/,
    );
    const addon = join(dir, "build", "Release", "processkit.node");
    expect(existsSync(addon)).toBe(false);
    const load = loadAddon(addon);
    expect(load.ok).toBe(false);
    if (!load.ok) expect(load.reason).toMatch(/not built/);
  });

  it("positive control: with the toolchain it builds an addon that loads and passes its probe", () => {
    const dir = copyOfSources();
    const run = install(dir, {});
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toMatch(/^processkit: native spawn core built in [\d.]+ s$/);
    const load = loadAddon(join(dir, "build", "Release", "processkit.node"));
    expect(load.ok).toBe(true);
    if (load.ok) expect(load.addon.probe().clone3).toBe(0);
  });
});
