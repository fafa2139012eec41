/**
 * PID 1 without --init: an owner that is PID 1 of its PID namespace inherits every orphan.
 * With the native core loaded it reaps the orphans (and only them: libuv's children still get
 * their exit, ours still get theirs); on the pure path they stay zombies — the positive
 * control that the check can see them. The namespace is made with unshare(1) and ends with
 * its PID 1, taking everything in it along.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnPath } from "../../../src/process/native/spawn-path.js";

const UNSHARE = ["/usr/bin/unshare", "/bin/unshare"].find((p) => existsSync(p));
const root = process.getuid?.() === 0;
const index = fileURLToPath(new URL("../../../dist/index.js", import.meta.url));
const SCRIPT = `import { spawn } from "node:child_process";
   import { readdirSync, readFileSync } from "node:fs";
   const { Command, hostContainment } = await import(${JSON.stringify(index)});
   const host = hostContainment();
   const zombies = () => readdirSync("/proc").filter((p) => /^\\d+$/.test(p)).filter((p) => {
     try { const s = readFileSync("/proc/" + p + "/stat", "utf8"); return s.slice(s.lastIndexOf(")") + 2)[0] === "Z"; }
     catch { return false; }
   }).length;
   // Three orphans (double forks re-parented to us) that exit a moment later.
   const raw = spawn("/bin/sh", ["-c", "for i in 1 2 3; do (sleep 0.1 &) ; done"], { stdio: "ignore" });
   const rawExit = await new Promise((resolve) => raw.once("exit", (code) => resolve(code)));
   const ours = await new Command("sh", ["-c", "exit 7"]).exitCode();
   await new Promise((r) => setTimeout(r, 600));
   console.log(JSON.stringify({ pid: process.pid, pid1: host.pid1, spawn: host.spawn, rawExit, ours, zombies: zombies() }));`;

let dir = "";
let script = "";

function runAsPid1(spawn: "native" | "node") {
  // The namespace ends with its PID 1, sentinel included: its scratch files go to our temp dir.
  const run = spawnSync(
    UNSHARE as string,
    ["--pid", "--fork", "--mount-proc", "--kill-child", process.execPath, script],
    { encoding: "utf8", env: { ...process.env, PROCESSKIT_SPAWN: spawn, TMPDIR: dir }, timeout: 20_000 },
  );
  expect(run.stderr).toBe("");
  return JSON.parse(run.stdout) as {
    pid: number;
    pid1: boolean;
    spawn: string;
    rawExit: number;
    ours: number;
    zombies: number;
  };
}

describe.runIf(UNSHARE !== undefined && root)("PID 1 of a PID namespace", () => {
  // Made here, not at the top: hooks of a file whose tests are all skipped do not run.
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "pk-pid1-"));
    script = join(dir, "pid1.mjs");
    writeFileSync(script, SCRIPT);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.runIf(spawnPath().spawn === "native")(
    "native core: orphans are reaped, libuv's and our own exits still arrive",
    () => {
      const outcome = runAsPid1("native");
      expect(outcome).toMatchObject({ pid: 1, pid1: true, spawn: "native", rawExit: 0, ours: 7 });
      expect(outcome.zombies).toBe(0);
    },
  );

  it("positive control, pure path: the orphans stay zombies", () => {
    const outcome = runAsPid1("node");
    expect(outcome).toMatchObject({ pid: 1, pid1: true, spawn: "node", rawExit: 0, ours: 7 });
    expect(outcome.zombies).toBeGreaterThanOrEqual(3);
  });
});
