/** The command line itself: --help, --version, and bad flags → 125 with one line naming the flag. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { cli } from "./cli.js";

const SUBCOMMANDS = ["run", "supervise", "batch", "with", "all", "doctor"];

describe("processkit: usage", () => {
  it("--version prints the package version", async () => {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
    const r = await cli(["--version"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${pkg.version}\n`);
  });

  it("--help lists every command with an example; no arguments → the help on stderr and 125", async () => {
    const help = await cli(["--help"]);
    expect(help.code).toBe(0);
    for (const sub of SUBCOMMANDS) expect(help.stdout).toMatch(new RegExp(`processkit ${sub} `));
    const bare = await cli([]);
    expect(bare.code).toBe(125);
    expect(bare.stdout).toBe("");
    expect(bare.stderr).toBe(help.stdout);
  });

  it.each(SUBCOMMANDS)("%s --help: usage, options and examples, exit 0", async (sub) => {
    const r = await cli([sub, "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Usage: processkit ${sub}`));
    expect(r.stdout).toMatch(/\nExamples:\n {2}processkit /);
    expect((await cli(["help", sub])).stdout).toBe(r.stdout);
    expect((await cli([sub, "-h"])).stdout).toBe(r.stdout);
  });

  it("bad flags → 125 with exactly one line on stderr that names the flag", async () => {
    for (const [args, flag] of [
      [["run", "--frobnicate", "--", "true"], "--frobnicate"],
      [["run", "-z", "--", "true"], "-z"],
      [["run", "--timeout"], "--timeout"],
      [["run", "--timeout", "--json", "--", "true"], "--timeout"],
      [["run", "--timeout", "5 parsecs", "--", "true"], "--timeout"],
      [["run", "--grace", "-3s", "--", "true"], "--grace"],
      [["run", "--json=yes", "--", "true"], "--json"],
      [["run", "--max-processes", "0", "--", "true"], "--max-processes"],
      [["run", "--cpu-quota", "none", "--", "true"], "--cpu-quota"],
      [["run", "--max-memory", "lots", "--", "true"], "--max-memory"],
      [["run", "--env", "=x", "--", "true"], "--env"],
      // Every occurrence is validated, not only the last one that wins.
      [["run", "--timeout=bogus", "--timeout", "1s", "--", "true"], "--timeout"],
      [["run", "--max-memory", "lots", "--max-memory", "1G", "--", "true"], "--max-memory"],
      [["batch", "-j", "0", "-j", "2", "-"], "--jobs"],
      [["supervise", "--restart", "sometimes", "--restart", "never", "--", "true"], "--restart"],
      [["with", "--ready-port", "x", "--ready-port", "1", "--", "sleep", "1", ":::", "true"], "--ready-port"],
      [["supervise", "--no-such", "--", "true"], "--no-such"],
      [["batch", "--jobs"], "--jobs"],
      [["with", "--ready-port"], "--ready-port"],
      [["doctor", "--verbose"], "--verbose"],
      [["all", "--restart-tries", "-1", "true"], "--restart-tries"],
      [["all", "--restart-after", "later", "true"], "--restart-after"],
      [["all", "--prefix"], "--prefix"],
      [["--bogus"], "--bogus"],
      [["launch", "x"], "launch"],
    ] as const) {
      const r = await cli(args);
      expect(r.code, args.join(" ")).toBe(125);
      const lines = r.stderr.trim().split("\n");
      expect(lines, args.join(" ")).toHaveLength(1);
      expect(lines[0]).toMatch(/^processkit/);
      expect(lines[0]).toContain(flag);
      expect(r.stdout).toBe("");
    }
  });

  it("a bad PROCESSKIT_MECHANISM → 125 with one line, for every command", async () => {
    for (const args of [
      ["run", "--", "true"],
      ["supervise", "--", "true"],
      ["batch", "-"],
      ["with", "--", "sleep", "1", ":::", "true"],
      ["all", "true"],
      ["doctor"],
    ]) {
      const r = await cli(args, { mechanism: "bogus", input: "true\n" });
      expect(r.code, args[0]).toBe(125);
      expect(r.stderr.trim().split("\n"), args[0]).toHaveLength(1);
      expect(r.stderr).toContain(
        'PROCESSKIT_MECHANISM: expected "process-group" or "cgroup-v2", got "bogus"',
      );
    }
  });

  it("a missing program → 125", async () => {
    const r = await cli(["run", "--timeout", "1s"]);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/missing the program to run/);
  });

  it("options end at the first non-option: the program's own flags are never ours", async () => {
    const r = await cli(["run", "sh", "-c", "echo $0 $1", "--timeout", "x"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("--timeout x\n");
    const dashed = await cli(["run", "--", "--help"]);
    expect(dashed.code).toBe(127); // a program called "--help" is not found
  });
});
