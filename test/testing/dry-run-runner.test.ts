import { describe, expect, it } from "vitest";
import { CliClient, Command, InvalidInputError } from "../../src/index.js";
import { DryRunRunner, Reply } from "../../src/testing/index.js";
import { watchChannels } from "../helpers/watch.js";

describe("DryRunRunner", () => {
  it("prints what would run (argv quoted, cwd, env names only), answers a success, spawns nothing", async () => {
    const lines: string[] = [];
    const runner = new DryRunRunner({ write: (line) => lines.push(line) });
    const watch = watchChannels();
    const git = new CliClient("git", { runner, cwd: "/repo", env: { GIT_TOKEN: "tok-secret-91" } });
    expect(await git.run("commit", "-m", "a message")).toBe("");
    expect(await git.probe("diff", "--quiet")).toBe(true);
    const proc = await runner.start(new Command("rm", ["-rf", "/tmp/x"]).envRemove(["HOME"]));
    expect((await proc.finish()).outcome).toEqual({ kind: "exited", code: 0 });
    watch.stop();
    expect(lines).toEqual([
      "would run: git commit -m 'a message' (cwd /repo; env GIT_TOKEN)",
      "would run: git diff --quiet (cwd /repo; env GIT_TOKEN)",
      "would run: rm -rf /tmp/x",
    ]);
    expect(watch.events).toEqual([]);
    expect(runner.calls.map((c) => c.verb)).toEqual(["output", "output", "start"]);
  });

  it("answers with the reply given; bad options are typed errors", async () => {
    const runner = new DryRunRunner({ write: () => {}, reply: Reply.ok("pretend\n") });
    expect(await runner.run(new Command("anything"))).toBe("pretend");
    expect(() => new DryRunRunner({ writ: () => {} } as never)).toThrow(InvalidInputError);
    expect(() => new DryRunRunner({ reply: "ok" as never })).toThrow(/reply must be a Reply/);
  });
});
