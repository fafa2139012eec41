/** `processkit batch`: commands from a file or stdin, run without a shell, reported at the end. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isAlive, waitDead } from "../helpers/procs.js";
import { cli, MECHANISMS, pidsFrom, startCli, tempDir, waitUntil } from "./cli.js";

function file(text: string): string {
  const path = join(tempDir(), "jobs.txt");
  writeFileSync(path, text);
  return path;
}

describe("processkit batch", () => {
  it("all succeed → 0; each command's stdout is written in one piece; quoting without a shell", async () => {
    const jobs = file(
      [
        "# comment",
        "echo one",
        "",
        `printf '%s|' "two words" 'single $HOME' back\\ slash`,
        "echo three # trailing comment",
      ].join("\n"),
    );
    const r = await cli(["batch", "-j", "1", jobs]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("one\ntwo words|single $HOME|back slash|three\n");
    expect(r.stderr).toMatch(/processkit batch: 3 commands: 3 succeeded, 0 failed/);
  });

  it("a failing line → non-zero exit (its own code) and the summary names it with the tail of its stderr", async () => {
    const jobs = file(
      ["echo ok", `sh -c 'echo first >&2; echo "it broke" >&2; exit 3'`, "sh -c 'exit 5'", "true"].join("\n"),
    );
    const r = await cli(["batch", "-j", "2", jobs]);
    expect(r.code).toBe(3); // the first failure in input order
    expect(r.stderr).toMatch(/4 commands: 2 succeeded, 2 failed/);
    expect(r.stderr).toMatch(/failed:\n\s+line 2\s+sh -c/);
    expect(r.stderr).toMatch(/→ exited with code 3 after/);
    expect(r.stderr).toMatch(/\| it broke/);
    expect(r.stderr).toMatch(/line 3\s+sh -c 'exit 5'\n\s+→ exited with code 5/);
    expect(r.stderr).toMatch(/slowest:/);
  });

  it("a command that cannot start counts as failed (127), the rest still run", async () => {
    const r = await cli(["batch", file("processkit-no-such-program\necho after\n")]);
    expect(r.code).toBe(127);
    expect(r.stdout).toBe("after\n");
    expect(r.stderr).toMatch(
      /line 1\s+processkit-no-such-program\n\s+→ processkit-no-such-program: not found/,
    );
  });

  it("reads the commands from stdin (- or no FILE)", async () => {
    expect((await cli(["batch", "-"], { input: "echo a\necho b\n" })).stdout.split("\n").sort()).toEqual([
      "",
      "a",
      "b",
    ]);
    const r = await cli(["batch", "-j", "1"], { input: "echo c\n" });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("c\n");
  });

  it("--json: one document with every command, its status and captured output", async () => {
    const jobs = file("echo out\nsh -c 'echo bad >&2; exit 2'\nsleep 30\n");
    const r = await cli(["batch", "--json", "--timeout", "500ms", "-j", "3", jobs]);
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({
      exit: 2,
      total: 3,
      succeeded: 1,
      failed: 2,
      stopped: 0,
      notRun: 0,
      failFast: false,
    });
    expect(doc.commands).toHaveLength(3);
    expect(doc.commands[0]).toMatchObject({ line: 1, status: "succeeded", stdout: "out\n", exit: 0 });
    expect(doc.commands[1]).toMatchObject({
      line: 2,
      status: "failed",
      stderr: "bad\n",
      exitCode: 2,
      exit: 2,
    });
    expect(doc.commands[2]).toMatchObject({ line: 3, status: "failed", timedOut: true, exit: 124 });
    expect(r.stdout.trim().split("\n")).toHaveLength(1);
  });

  it("--timeout stops a command's whole tree → 124", async () => {
    const pidFile = join(tempDir(), "pids");
    const jobs = file(`sh -c 'sleep 300 & echo $! >> ${pidFile}; wait'\n`);
    const r = await cli(["batch", "--timeout", "1s", jobs]);
    expect(r.code).toBe(124);
    expect(r.stderr).toMatch(/→ timed out after/);
    const pids = pidsFrom(pidFile);
    expect(pids).toHaveLength(1);
    expect(await waitDead(pids[0] as number)).toBe(true);
  });

  it("--fail-fast: the first failure stops the batch — running trees are stopped, the rest never start", async () => {
    const pidFile = join(tempDir(), "pids");
    const jobs = file(
      [
        `sh -c 'sleep 300 & echo $! >> ${pidFile}; wait'`,
        `sh -c 'while [ ! -s ${pidFile} ]; do sleep 0.05; done; exit 6'`,
        "echo never-1",
        "echo never-2",
      ].join("\n"),
    );
    const r = await cli(["batch", "--fail-fast", "-j", "2", jobs]);
    expect(r.code).toBe(6);
    expect(r.stdout).not.toContain("never");
    expect(r.stderr).toMatch(/--fail-fast: line 2 exited with code 6/);
    expect(r.stderr).toMatch(/4 commands: 0 succeeded, 1 failed, 1 stopped, 2 not run/);
    for (const pid of pidsFrom(pidFile)) expect(await waitDead(pid)).toBe(true);
  });

  it("SIGTERM to the CLI: running trees are stopped, nothing more starts, the CLI ends by SIGTERM", async () => {
    const pidFile = join(tempDir(), "pids");
    const jobs = file(
      [`sh -c 'sleep 300 & echo $! >> ${pidFile}; echo $$ >> ${pidFile}; wait'`, "echo never"].join("\n"),
    );
    const run = startCli(["batch", "-j", "1", jobs]);
    await waitUntil(() => pidsFrom(pidFile).length >= 2, "the first command's tree");
    const pids = pidsFrom(pidFile);
    for (const pid of pids) expect(isAlive(pid)).toBe(true);
    run.child.kill("SIGTERM");
    const r = await run.done;
    expect(r.signal ?? r.code).toBe(r.signal === null ? 143 : "SIGTERM");
    expect(r.stdout).not.toContain("never");
    expect(r.stderr).toMatch(/1 stopped, 1 not run .*stopped by SIGTERM/);
    for (const pid of pids) expect(await waitDead(pid)).toBe(true);
  });

  it("malformed input → 125 naming the line; nothing runs", async () => {
    const r = await cli(["batch", file("echo fine > out.txt\necho 'unterminated\n")]);
    expect(r.code).toBe(125);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/jobs\.txt: line 1: ">" is shell syntax/);
    const unterminated = await cli(["batch", file("echo ok\necho 'oops\n")]);
    expect(unterminated.stderr).toMatch(/line 2: unterminated single quote/);
    expect(unterminated.stdout).toBe("");
  });

  it("an empty file runs nothing and succeeds; a missing file → 125", async () => {
    expect((await cli(["batch", file("# nothing\n\n")])).code).toBe(0);
    const missing = await cli(["batch", "/no/such/jobs.txt"]);
    expect(missing.code).toBe(125);
    expect(missing.stderr).toMatch(/no such file/i);
  });

  it.each(MECHANISMS)(
    "--stream under %s: each command's lines arrive live, prefixed with its line number, stderr to stderr",
    async (mechanism) => {
      const dir = tempDir();
      const gate = join(dir, "gate");
      // Line 1 prints, then waits until line 2 has printed: only a live relay can get both out.
      const jobs = file(
        [
          `sh -c "echo first; while [ ! -e '${gate}' ]; do sleep 0.05; done; echo after-gate"`,
          "# a comment line",
          `sh -c "echo second; echo oops >&2; touch '${gate}'"`,
        ].join("\n"),
      );
      const r = await cli(["batch", "--stream", "-j", "2", jobs], { mechanism });
      expect(r.code).toBe(0);
      expect(r.stdout.split("\n").filter(Boolean)).toEqual(
        expect.arrayContaining(["[1] first", "[3] second", "[1] after-gate"]),
      );
      const out = r.stdout.split("\n").filter(Boolean);
      expect(out).toHaveLength(3);
      expect(out.indexOf("[1] first")).toBeLessThan(out.indexOf("[1] after-gate"));
      expect(r.stderr).toMatch(/^\[3\] oops$/m);
      const both = await cli(["batch", "--stream", "--json", jobs]);
      expect(both.code).toBe(125);
      expect(both.stderr).toContain("--stream and --json cannot be combined");
    },
  );

  it("bad options → 125 with one line naming the flag", async () => {
    for (const [args, flag] of [
      [["-j", "0"], "--jobs"],
      [["--jobs", "many"], "--jobs"],
      [["--timeout", "-1s"], "--timeout"],
      [["--fail-fast=yes"], "--fail-fast"],
      [["-x"], "-x"],
    ] as const) {
      const r = await cli(["batch", ...args, "-"], { input: "true\n" });
      expect(r.code, args.join(" ")).toBe(125);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toContain(flag);
    }
  });
});
