/** Each exit-status rule, observed on the built CLI (coreutils `timeout` conventions). */
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, tempDir } from "./cli.js";

describe("processkit run: exit statuses", () => {
  it("0 when the child succeeds", async () => {
    const r = await cli(["run", "--", "true"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
  });

  it("the child's own code passes through", async () => {
    for (const code of [1, 3, 42, 255]) {
      const r = await cli(["run", "--", "sh", "-c", `exit ${code}`]);
      expect(r.code).toBe(code);
    }
  });

  it("killed by signal N → 128+N", async () => {
    expect((await cli(["run", "--", "sh", "-c", "kill -KILL $$"])).code).toBe(137);
    expect((await cli(["run", "--", "sh", "-c", "kill -TERM $$"])).code).toBe(143);
    expect((await cli(["run", "--", "sh", "-c", "kill -SEGV $$"])).code).toBe(139);
  });

  it("timed out → 124 (also when the child exits cleanly during its grace)", async () => {
    const r = await cli(["run", "--timeout", "300ms", "--", "sleep", "30"]);
    expect(r.code).toBe(124);
    expect(r.stderr).toMatch(/timed out after 300ms/);
    const graceful = await cli([
      "run",
      "--timeout",
      "300ms",
      "--grace",
      "5s",
      "--",
      "sh",
      "-c",
      "trap 'exit 0' TERM; sleep 30 & wait",
    ]);
    expect(graceful.code).toBe(124);
  });

  it("--idle-timeout → 124 when the child goes quiet", async () => {
    const r = await cli(["run", "--idle-timeout", "400ms", "--", "sh", "-c", "echo first; sleep 30"]);
    expect(r.code).toBe(124);
    expect(r.stdout).toBe("first\n");
    expect(r.stderr).toMatch(/produced no output for 400ms/);
  });

  it("processkit's own failure → 125 (bad flag, missing program, bad cwd)", async () => {
    expect((await cli(["run", "--no-such-flag", "--", "true"])).code).toBe(125);
    expect((await cli(["run"])).code).toBe(125);
    const r = await cli(["run", "--cwd", "/no/such/dir", "--", "true"]);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/working directory does not exist/);
  });

  it("found but not executable → 126 (no x bit, a directory)", async () => {
    const dir = tempDir();
    const script = join(dir, "script.sh");
    writeFileSync(script, "#!/bin/sh\necho hi\n");
    chmodSync(script, 0o644);
    mkdirSync(join(dir, "adir"));
    const r = await cli(["run", "--", script]);
    expect(r.code).toBe(126);
    expect(r.stderr).toMatch(/is not executable/);
    expect((await cli(["run", "--", join(dir, "adir")])).code).toBe(126);
  });

  it("not found → 127 (bare name on PATH, or a path)", async () => {
    const r = await cli(["run", "--", "processkit-no-such-program"]);
    expect(r.code).toBe(127);
    expect(r.stderr).toMatch(/processkit-no-such-program: not found on PATH/);
    expect((await cli(["run", "--", "/no/such/program"])).code).toBe(127);
  });

  it("the exit status is the same with --json", async () => {
    expect((await cli(["run", "--json", "--", "sh", "-c", "exit 7"])).code).toBe(7);
    expect((await cli(["run", "--json", "--timeout", "200ms", "--", "sleep", "30"])).code).toBe(124);
    expect((await cli(["run", "--json", "--", "processkit-no-such-program"])).code).toBe(127);
  });
});
