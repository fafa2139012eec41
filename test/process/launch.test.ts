/** stdout/stderr modes ("pipe", "inherit", "ignore", { file, append }) and what the verbs do with them. */
import {
  closeSync,
  fstatSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Command, InvalidInputError, SpawnError } from "../../src/index.js";
import { RUNNERS } from "../helpers/mechanisms.js";
import { node } from "../helpers/scripts.js";

const dir = mkdtempSync(join(tmpdir(), "pk-modes-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const both = (out: string, err: string) =>
  node(`process.stdout.write(${JSON.stringify(out)}); process.stderr.write(${JSON.stringify(err)})`);

describe("stdout / stderr modes", () => {
  it('"pipe" (default) captures both streams separately', async () => {
    const result = await both("out", "err").output();
    expect(result.stdout).toBe("out");
    expect(result.stderr).toBe("err");
  });

  it('"ignore" sends a stream to /dev/null; output() then has ""', async () => {
    const devNull = statSync("/dev/null").rdev;
    const result = await node(
      `const fs = require("fs"); console.error(fs.fstatSync(1).rdev + " " + ${devNull})`,
    )
      .stdout("ignore")
      .output();
    expect(result.stdout).toBe("");
    const [rdev, expected] = result.stderr.trim().split(" ");
    expect(rdev).toBe(expected);
    const r2 = await both("out", "err").stderr("ignore").output();
    expect(r2.stdout).toBe("out");
    expect(r2.stderr).toBe("");
  });

  it('"inherit" gives the child our own fd', async () => {
    const ours = fstatSync(2);
    const result = await node(`const s = require("fs").fstatSync(2); console.log(s.dev + ":" + s.ino)`)
      .stderr("inherit")
      .output();
    expect(result.stdout.trim()).toBe(`${ours.dev}:${ours.ino}`);
    expect(result.stderr).toBe("");
  });

  it("{ file } truncates and writes; the result has an empty stream", async () => {
    const out = join(dir, "out.txt");
    const err = join(dir, "err.txt");
    writeFileSync(out, "old content that must go");
    const result = await both("new out", "new err").stdout({ file: out }).stderr({ file: err }).output();
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe("");
    expect(readFileSync(out, "utf8")).toBe("new out");
    expect(readFileSync(err, "utf8")).toBe("new err");
  });

  it("{ file, append: true } appends, run after run", async () => {
    const log = join(dir, "append.log");
    writeFileSync(log, "start\n");
    const command = node(`console.log("line")`).stdout({ file: log, append: true });
    await command.run();
    await command.run();
    expect(readFileSync(log, "utf8")).toBe("start\nline\nline\n");
  });

  it("both streams to the same file in append mode interleave in order", async () => {
    const log = join(dir, "both.log");
    await node(`console.log("o1"); console.error("e1"); console.log("o2")`)
      .stdout({ file: log, append: true })
      .stderr({ file: log, append: true })
      .run();
    expect(readFileSync(log, "utf8")).toBe("o1\ne1\no2\n");
  });

  it("a file that cannot be opened is a SpawnError and nothing runs", async () => {
    const error = await node(`console.log(1)`)
      .stdout({ file: join(dir, "no-such-dir", "x.txt") })
      .run()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpawnError);
    expect((error as SpawnError).message).toMatch(/cannot open stdout file/);
  });

  it("the last mode set wins", async () => {
    const result = await both("o", "e").stdout("ignore").stdout("pipe").output();
    expect(result.stdout).toBe("o");
  });

  it("our fds are not leaked into the child (only 0-2)", async () => {
    const fd = openSync(join(dir, "ours.txt"), "w");
    try {
      const result = await node(
        `const fs = require("fs"); let open = []; for (let fd = 3; fd < 64; fd++) { try { fs.fstatSync(fd); open.push(fd); } catch {} } console.log(open.includes(${fd}))`,
      ).output();
      expect(result.stdout.trim()).toBe("false");
    } finally {
      closeSync(fd);
    }
  });
});

describe("verbs with a stream that is not piped", () => {
  const quiet = node(`console.log("hidden")`).stdout("ignore");

  it("output(), run() and checked() work and return an empty stdout", async () => {
    expect((await quiet.output()).stdout).toBe("");
    expect(await quiet.run()).toBe("");
    expect((await quiet.checked()).isSuccess).toBe(true);
    expect(await quiet.exitCode()).toBe(0);
    expect(await quiet.probe()).toBe(true);
  });

  it("parse(), json() and firstLine() reject: they would read nothing", async () => {
    for (const p of [quiet.parse((s) => s), quiet.json(), quiet.firstLine()]) {
      const error = await p.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as InvalidInputError).argument).toBe("stdout");
      expect((error as Error).message).toMatch(/stdout goes to ignore/);
    }
    const toFile = node(`console.log(1)`).stdout({ file: join(dir, "f.txt") });
    await expect(toFile.json()).rejects.toThrow(/stdout goes to a file/);
  });

  it("stdoutLines() on a non-piped stdout ends at once (nothing to read) and the run still finishes", async () => {
    const proc = await quiet.start();
    const lines: string[] = [];
    for await (const line of proc.stdoutLines()) lines.push(line);
    expect(lines).toEqual([]);
    expect((await proc.finish()).outcome).toEqual({ kind: "exited", code: 0 });
  });
});

describe("uid / gid", () => {
  const root = process.getuid?.() === 0;
  it.skipIf(!root)("the child runs with the given ids, on every mechanism", async () => {
    for (const [mechanism, runner] of RUNNERS) {
      const out = await runner.run(
        new Command("sh", ["-c", "id -u; id -g; pwd"]).uid(65534).gid(65534).cwd("/tmp"),
      );
      expect(out, mechanism).toBe("65534\n65534\n/tmp");
    }
  });
});
