/**
 * A spawn that fails is the same typed error on both spawn paths and both mechanisms: the
 * native core (execve's errno from the vforked child) and the pure path (Node's spawn plus
 * the launcher, with execve's verdict checked in Node first) — same class, code and message.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { Command, NotFoundError, SpawnError } from "../../../src/index.js";
import { spawnPath } from "../../../src/process/native/spawn-path.js";
import { RUNNERS } from "../../helpers/mechanisms.js";

const dir = mkdtempSync(join(tmpdir(), "pk-native-errors-"));
chmodSync(dir, 0o755); // the uid-drop case runs a script as nobody from here
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const saved = process.env.PROCESSKIT_SPAWN;
afterEach(() => {
  if (saved === undefined) delete process.env.PROCESSKIT_SPAWN;
  else process.env.PROCESSKIT_SPAWN = saved;
});

const file = (name: string, body: string, mode: number) => {
  const path = join(dir, name);
  writeFileSync(path, body);
  chmodSync(path, mode);
  return path;
};
const noShebang = file("no-shebang", "echo this must not run through a shell\n", 0o755);
const badElf = file("bad-elf", "\x7fELF\x02\x01\x01garbage", 0o755);
const missingInterpreter = file("missing-interp", "#!/nonexistent/interpreter\n", 0o755);
const notExecutable = file("not-executable", "#!/bin/sh\necho no\n", 0o644);
const aFile = file("plain-file", "", 0o644);
mkdirSync(join(dir, "a-dir"));

// Forced native only where the core is usable here; the pure path always.
const nativeUsable = spawnPath().spawn === "native";
const PATHS = nativeUsable ? (["native", "node"] as const) : (["node"] as const);

interface Case {
  readonly name: string;
  readonly command: () => Command;
  readonly error: typeof NotFoundError | typeof SpawnError;
  readonly code?: string;
  readonly message: RegExp;
}

const CASES: Case[] = [
  {
    name: "ENOENT: the program does not exist",
    command: () => new Command(join(dir, "missing")),
    error: NotFoundError,
    message: /^\/.*missing: no such file$/,
  },
  {
    name: "ENOENT: its #! interpreter does not exist",
    command: () => new Command(missingInterpreter),
    error: NotFoundError,
    message: /missing-interp: no such file$/,
  },
  {
    name: "EACCES: not executable",
    command: () => new Command(notExecutable),
    error: SpawnError,
    code: "EACCES",
    message: /not-executable: .*not-executable is not executable$/,
  },
  {
    name: "EACCES: a directory",
    command: () => new Command(join(dir, "a-dir")),
    error: SpawnError,
    code: "EACCES",
    message: /a-dir is a directory$/,
  },
  {
    name: "ENOEXEC: no #! line (never retried through a shell)",
    command: () => new Command(noShebang),
    error: SpawnError,
    code: "ENOEXEC",
    message: /no-shebang: failed to start: spawn \S*no-shebang ENOEXEC$/,
  },
  {
    name: "ENOEXEC: a broken binary",
    command: () => new Command(badElf),
    error: SpawnError,
    code: "ENOEXEC",
    message: /bad-elf: failed to start: spawn \S*bad-elf ENOEXEC$/,
  },
  {
    name: "E2BIG: an argument list the kernel refuses",
    command: () => new Command("echo", ["x".repeat(3_000_000)]),
    error: SpawnError,
    code: "E2BIG",
    message: /^echo: failed to start: spawn (\S+ )?E2BIG$/,
  },
  {
    name: "a missing cwd",
    command: () => new Command("true").cwd(join(dir, "no-such-dir")),
    error: SpawnError,
    code: "ENOENT",
    message: /^true: working directory does not exist: \S*no-such-dir$/,
  },
  {
    name: "a cwd that is a file",
    command: () => new Command("true").cwd(aFile),
    error: SpawnError,
    code: "ENOTDIR",
    message: /^true: working directory is not a directory: \S*plain-file$/,
  },
];

describe.each(PATHS)("spawn path %s", (path) => {
  describe.each(RUNNERS)("%s", (_mechanism, runner) => {
    it.each(CASES)("$name", async ({ command, error, code, message }) => {
      process.env.PROCESSKIT_SPAWN = path;
      const failure = (await runner.run(command()).catch((e: unknown) => e)) as SpawnError;
      expect(failure).toBeInstanceOf(error);
      if (code !== undefined) expect(failure.code).toBe(code);
      expect(failure.message).toMatch(message);
      expect(failure.message.length).toBeLessThan(300);
    });
  });
});

describe("a uid drop that fails (an unprivileged owner asks for uid 0)", () => {
  const index = fileURLToPath(new URL("../../../dist/index.js", import.meta.url));
  const script = file(
    "drop.mjs",
    `const { Command } = await import(${JSON.stringify(index)});
     const error = await new Command("/bin/true").uid(0).run().catch((e) => e);
     console.log(JSON.stringify({ name: error?.constructor?.name, code: error?.code, message: error?.message }));`,
    0o644,
  );
  it.each(PATHS)("%s: SpawnError EPERM, same shape", (path) => {
    const run = spawnSync(process.execPath, [script], {
      uid: 65534,
      gid: 65534,
      encoding: "utf8",
      env: { ...process.env, PROCESSKIT_SPAWN: path },
      cwd: "/",
    });
    expect(run.stderr).toBe("");
    const outcome = JSON.parse(run.stdout) as { name: string; code: string; message: string };
    expect(outcome.name).toBe("SpawnError");
    expect(outcome.code).toBe("EPERM");
    expect(outcome.message).toMatch(/^\/bin\/true: failed to start: spawn (\S+ )?EPERM( \(\w+\))?$/);
  });
});
