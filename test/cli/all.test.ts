/**
 * `processkit all`: several commands at once, each in its own container. Real processes on
 * every mechanism this host has: a stop signal and a SIGKILL of the CLI leave nothing (each
 * tree proven alive first, then every pid checked by /proc state), the ending policy decides
 * the exit status, lines from chatty commands arrive whole, Procfiles with .env files, npm:
 * scripts, restarts, and bad input (125, one line).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isAlive, NODE, waitDead } from "../helpers/procs.js";
import { cli, HAS_CGROUP, MECHANISMS, pidsFrom, startCli, tempDir, treeScript, waitUntil } from "./cli.js";

async function expectAllDead(pids: readonly number[]): Promise<void> {
  for (const pid of pids) expect(await waitDead(pid, 10_000), `pid ${pid} should be gone`).toBe(true);
}

/** Three commands, each a `sh -c` tree recording its pids in its own file. */
function threeTrees(dir: string, options: { setsid?: boolean } = {}): { args: string[]; files: string[] } {
  const files = ["a", "b", "c"].map((name) => join(dir, `${name}.pids`));
  // The ":::" form: the words go to sh as they are (the scripts use $! and $$).
  const args = [
    "--",
    ...files.flatMap((file, i) => [...(i === 0 ? [] : [":::"]), "sh", "-c", treeScript(file, 2, options)]),
  ];
  return { args, files };
}

const perTree = (options: { setsid?: boolean }) => 3 + (options.setsid ? 1 : 0);

async function startThree(mechanism: string, extra: readonly string[], options: { setsid?: boolean } = {}) {
  const dir = tempDir();
  const { args, files } = threeTrees(dir, options);
  const run = startCli(["all", "--names", "a,b,c", "--grace", "1s", ...extra, ...args], { mechanism });
  for (const file of files) {
    await waitUntil(() => pidsFrom(file).length >= perTree(options), `the tree in ${file}`, 20_000);
  }
  const pids = files.flatMap((file) => pidsFrom(file));
  // Positive control: every tree is running before we act.
  for (const pid of pids) expect(isAlive(pid), `pid ${pid} alive before`).toBe(true);
  return { run, pids };
}

describe.each(MECHANISMS)("processkit all under %s", (mechanism) => {
  it("SIGTERM to the CLI stops all three trees, says so per command, and exits 143", async () => {
    const { run, pids } = await startThree(mechanism, []);
    run.child.kill("SIGTERM");
    const result = await run.done;
    expect(result.code === 143 || result.signal === "SIGTERM").toBe(true);
    await expectAllDead(pids);
    for (const name of ["a", "b", "c"])
      expect(result.stderr).toMatch(new RegExp(`processkit all: \\[${name}\\] .*stopped by processkit`));
  });

  it("SIGKILL to the CLI: every tree is gone (the owner sentinel)", async () => {
    const { run, pids } = await startThree(mechanism, []);
    // Under process groups a group is registered with the sentinel just after spawn; give
    // the registration a moment (cgroup v2 has no such window) — see run.test.ts.
    if (mechanism === "process-group") await new Promise((r) => setTimeout(r, 500));
    run.child.kill("SIGKILL");
    expect((await run.done).signal).toBe("SIGKILL");
    await expectAllDead(pids);
  });

  it("--kill-others-on-fail: a failure stops the others; the exit status is the failure's", async () => {
    const dir = tempDir();
    const pidFile = join(dir, "pids");
    const result = await cli(
      [
        "all",
        "--kill-others-on-fail",
        "--names",
        "long,bad",
        "--",
        "sh",
        "-c",
        treeScript(pidFile, 1),
        ":::",
        "sh",
        "-c",
        `while [ ! -s '${pidFile}' ]; do sleep 0.05; done; sleep 0.2; exit 7`,
      ],
      { mechanism },
    );
    expect(result.code).toBe(7);
    expect(result.stderr).toContain("--kill-others-on-fail: [bad] exited with code 7; stopping the others");
    expect(result.stderr).toMatch(/\[long\] was killed by SIGTERM .*stopped by processkit/);
    const pids = pidsFrom(pidFile);
    expect(pids).toHaveLength(2);
    await expectAllDead(pids);
  });

  it("--success all | first | last | NAME decides the exit status", async () => {
    const cmds = ["sh -c 'exit 3'", "sh -c 'sleep 0.6; exit 0'", "sh -c 'sleep 1.2; exit 5'"];
    const names = ["--names", "x,y,z"];
    const status = async (success: string[]) =>
      (await cli(["all", ...names, ...success, ...cmds], { mechanism })).code;
    expect(await status([])).toBe(3);
    expect(await status(["--success", "all"])).toBe(3);
    expect(await status(["--success", "first"])).toBe(3);
    expect(await status(["--success", "last"])).toBe(5);
    expect(await status(["--success", "y"])).toBe(0);
    // --kill-others: the first to end stops the rest; those stopped do not count as failures.
    const killed = await cli(["all", "--kill-others", "--success", "all", "true", "sleep 30"], { mechanism });
    expect(killed.code).toBe(0);
    expect(killed.stderr).toMatch(/\[1\] was killed by SIGTERM .*stopped by processkit/);
  });
});

describe.runIf(HAS_CGROUP)("processkit all under cgroup-v2: setsid escapees", () => {
  it("SIGINT and SIGKILL to the CLI also take down a grandchild that called setsid()", async () => {
    const first = await startThree("cgroup-v2", [], { setsid: true });
    first.run.child.kill("SIGINT");
    await first.run.done;
    await expectAllDead(first.pids);
    const second = await startThree("cgroup-v2", [], { setsid: true });
    second.run.child.kill("SIGKILL");
    await second.run.done;
    await expectAllDead(second.pids);
  });
});

describe("processkit all: output", () => {
  it("lines from two chatty commands are never torn or interleaved mid-line; stderr lines go to stderr", async () => {
    // Big writes of many lines: the pipe hands them over in chunks that split lines anywhere.
    const chatty = (letter: string) =>
      `${NODE} -e ${JSON.stringify(
        `const line = "${letter}".repeat(333) + "\\n"; for (let i = 0; i < 60; i++) { require("fs").writeSync(1, line.repeat(50)); require("fs").writeSync(2, "${letter}-err " + i + "\\n"); }`,
      )}`;
    const result = await cli(["all", "--names", "a,b", chatty("a"), chatty("b")]);
    expect(result.code).toBe(0);
    const lines = result.stdout.split("\n").filter((l) => l !== "");
    expect(lines).toHaveLength(2 * 60 * 50);
    for (const line of lines) expect(line).toMatch(/^\[(a)\] a{333}$|^\[(b)\] b{333}$/);
    const errLines = result.stderr.split("\n").filter((l) => /-err /.test(l));
    expect(errLines).toHaveLength(120);
    for (const line of errLines) expect(line).toMatch(/^\[[ab]\] [ab]-err \d+$/);
  });

  it("--prefix, --raw, --timestamp, FORCE_COLOR and NO_COLOR", async () => {
    const two = ["echo one", "echo two"];
    const sorted = (text: string) => text.split("\n").filter(Boolean).sort();
    expect(sorted((await cli(["all", ...two])).stdout)).toEqual(["[0] one", "[1] two"]);
    expect(sorted((await cli(["all", "--raw", ...two])).stdout)).toEqual(["one", "two"]);
    expect(sorted((await cli(["all", "--prefix", "index", "--names", "x,y", ...two])).stdout)).toEqual([
      "[0] one",
      "[1] two",
    ]);
    const pid = await cli(["all", "--prefix", "pid", "echo hi"]);
    expect(pid.stdout).toMatch(/^\[\d+\] hi\n$/);
    const stamped = await cli(["all", "--timestamp", "echo hi"]);
    expect(stamped.stdout).toMatch(/^\d\d:\d\d:\d\d\.\d{3} \[0\] hi\n$/);
    const coloured = await cli(["all", "--names", "a,b", ...two], {
      env: { FORCE_COLOR: "1", NO_COLOR: undefined },
    });
    expect(sorted(coloured.stdout)).toEqual(
      ["\u001b[36m[a]\u001b[39m one", "\u001b[33m[b]\u001b[39m two"].sort(),
    );
    const plain = await cli(["all", "--names", "a,b", ...two], { env: { FORCE_COLOR: "1", NO_COLOR: "1" } });
    expect(sorted(plain.stdout)).toEqual(["[a] one", "[b] two"]);
  });

  it("--json: one document on stdout; the commands' stdout lines then go to stderr", async () => {
    const result = await cli(["all", "--json", "--names", "ok,bad", "echo out", "sh -c 'exit 2'"]);
    expect(result.code).toBe(2);
    const doc = JSON.parse(result.stdout);
    expect(doc.exit).toBe(2);
    expect(
      doc.commands.map((c: { name: string; status: string; exit: number }) => [c.name, c.status, c.exit]),
    ).toEqual([
      ["ok", "succeeded", 0],
      ["bad", "failed", 2],
    ]);
    expect(result.stderr).toContain("[ok]  out");
  });

  it("--restart-tries restarts a failing command; the summary counts the restarts", async () => {
    const counter = join(tempDir(), "count");
    writeFileSync(counter, "");
    const flaky = `sh -c "echo x >> '${counter}'; [ \\$(wc -l < '${counter}') -ge 3 ]"`;
    const result = await cli([
      "all",
      "--restart-tries",
      "3",
      "--restart-after",
      "50ms",
      "--names",
      "flaky",
      flaky,
    ]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("[flaky] exited with code 1; restart 1/3 in 50ms");
    expect(result.stderr).toMatch(/\[flaky\] exited with code 0 after .* \(2 restarts\)/);
  });

  it("--input NAME: our stdin goes to that command only", async () => {
    const result = await cli(["all", "--input", "reader", "--names", "reader,other", "cat", "cat"], {
      input: "typed\n",
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("[reader] typed\n");
  });
});

describe("processkit all: Procfiles, .env files, npm: scripts", () => {
  it.each(MECHANISMS)(
    "under %s: runs a Procfile with a --dotenv file (quotes, comments, export); --env still wins",
    async (mechanism) => {
      const dir = tempDir();
      writeFileSync(
        join(dir, "Procfile"),
        [
          "# the services",
          "web: sh -c 'echo web $GREETING $TARGET'",
          "",
          "worker:   sh -c 'echo worker $MODE' # tail",
        ].join("\n"),
      );
      writeFileSync(
        join(dir, ".env"),
        ['GREETING="hello there"', "export TARGET='world'", "# no", "MODE=slow # comment"].join("\n"),
      );
      const result = await cli(["all", "--procfile", "Procfile", "--dotenv", ".env", "--env", "MODE=fast"], {
        cwd: dir,
        mechanism,
      });
      expect(result.code).toBe(0);
      expect(result.stdout.split("\n").filter(Boolean).sort()).toEqual([
        "[web]    web hello there world",
        "[worker] worker fast",
      ]);
    },
  );

  it("npm:NAME and npm:PATTERN run package.json scripts through npm, named after them", async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, "package.json"),
      JSON.stringify({
        name: "fixture",
        scripts: { "watch-js": "echo js-watching", "watch-css": "echo css-watching", build: "echo building" },
      }),
    );
    const result = await cli(["all", "npm:watch-*", "npm:build"], { cwd: dir });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^\[watch-js\] {2}js-watching$/m);
    expect(result.stdout).toMatch(/^\[watch-css\] css-watching$/m);
    expect(result.stdout).toMatch(/^\[build\] {5}building$/m);
  }, 60_000);
});

describe("processkit all: bad input → 125 with one line naming it", () => {
  it.each([
    ["an unknown npm: script", ["all", "npm:nope"], 'npm:nope: "nope" is not a script'],
    ["a pattern that matches nothing", ["all", "npm:zz-*"], "matches no script"],
    [
      "a Procfile line without a name",
      ["all", "--procfile", "Procfile.bad"],
      "Procfile.bad:2: expected NAME: COMMAND",
    ],
    ["duplicate names", ["all", "--names", "a,a", "true", "true"], 'duplicate command name "a"'],
    [
      "a count of names that does not fit",
      ["all", "--names", "a", "true", "true"],
      "--names: 1 name for 2 commands",
    ],
    [
      "an unreadable --dotenv",
      ["all", "--dotenv", "missing.env", "true"],
      "--dotenv: cannot read missing.env: ENOENT",
    ],
    [
      "a bad --dotenv line",
      ["all", "--dotenv", "bad.env", "true"],
      "--dotenv bad.env:1: expected NAME=VALUE",
    ],
    ["--success naming no command", ["all", "--success", "web", "true"], 'no command is named "web"'],
    ["--input naming no command", ["all", "--input", "web", "true"], '--input: no command named "web"'],
    ["shell syntax in a command", ["all", "echo a && echo b"], "command 1"],
    ["no commands", ["all"], "missing the commands to run"],
    ["a bad --prefix", ["all", "--prefix", "colour", "true"], "--prefix"],
  ])("%s", async (_what, args, message) => {
    const dir = tempDir();
    writeFileSync(join(dir, "package.json"), JSON.stringify({ scripts: { build: "true" } }));
    writeFileSync(join(dir, "Procfile.bad"), "web: true\n  sleep 1\n");
    writeFileSync(join(dir, "bad.env"), "SECRET\n");
    const result = await cli(args, { cwd: dir });
    expect(result.code).toBe(125);
    const lines = result.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(message);
    expect(result.stdout).toBe("");
  });
});
