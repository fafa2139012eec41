/** Executable resolution in Node before any spawn, and the working directory checks. */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { Command, NotFoundError, ProcessError, SpawnError } from "../../src/index.js";
import { resolveProgram } from "../../src/process/resolve-program.js";
import { type Watch, watchChannels } from "../helpers/watch.js";

const dir = mkdtempSync(join(tmpdir(), "pk-resolve-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bin = join(dir, "bin");
mkdirSync(bin);
const script = (path: string, body: string, mode = 0o755) => {
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, mode);
  return path;
};
script(join(bin, "hello-pk"), 'echo "hello from $0"');
script(join(bin, "noexec-pk"), "echo no", 0o644);
mkdirSync(join(bin, "dir-pk"));
const work = join(dir, "work");
mkdirSync(join(work, "sub"), { recursive: true });
script(join(work, "sub", "rel.sh"), "echo relative; pwd");
const aFile = script(join(dir, "plain-file"), "true", 0o644);

let watch: Watch;
beforeEach(() => {
  watch = watchChannels();
});
afterEach(() => watch.stop());
const spawned = () => watch.of("spawn").length;

describe("NotFoundError", () => {
  it("a bare name on no PATH dir → NotFoundError listing the searched dirs", async () => {
    const error = await new Command("no-such-program-7b1a")
      .env({ PATH: `/nonexistent-a:${bin}:/nonexistent-b` })
      .run()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toBeInstanceOf(ProcessError);
    const e = error as NotFoundError;
    expect(e.reason).toBe("not-found");
    expect(e.program).toBe("no-such-program-7b1a");
    expect(e.searched).toEqual(["/nonexistent-a", bin, "/nonexistent-b"]);
    expect(e.message).toMatch(/not found on PATH \(searched 3 directories\)/);
    expect(spawned()).toBe(0);
  });

  it("a path that does not exist → NotFoundError with nothing searched", async () => {
    const error = (await new Command(join(dir, "missing"))
      .output()
      .catch((e: unknown) => e)) as NotFoundError;
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.searched).toEqual([]);
    expect(error.message).toMatch(/no such file/);
    expect(spawned()).toBe(0);
  });

  it("every verb reports it the same way (output() included: a missing program is not a result)", async () => {
    const c = new Command("no-such-program-7b1a");
    for (const p of [
      c.output(),
      c.outputBytes(),
      c.run(),
      c.exitCode(),
      c.probe(),
      c.firstLine(),
      c.start(),
    ]) {
      await expect(p).rejects.toBeInstanceOf(NotFoundError);
    }
    expect(spawned()).toBe(0);
  });
});

describe("SpawnError", () => {
  it("a file without execute permission", async () => {
    const error = (await new Command(join(bin, "noexec-pk")).run().catch((e: unknown) => e)) as SpawnError;
    expect(error).toBeInstanceOf(SpawnError);
    expect(error.reason).toBe("spawn");
    expect(error.code).toBe("EACCES");
    expect(error.message).toMatch(/is not executable/);
    expect((error.cause as NodeJS.ErrnoException).code).toBe("EACCES");
    expect(spawned()).toBe(0);
  });

  it("a directory", async () => {
    const error = (await new Command(join(bin, "dir-pk")).run().catch((e: unknown) => e)) as SpawnError;
    expect(error).toBeInstanceOf(SpawnError);
    expect(error.message).toMatch(/is a directory/);
    expect(spawned()).toBe(0);
  });

  it("an argument list the kernel refuses (E2BIG) is a SpawnError, not a crash or a hang", async () => {
    const error = (await new Command("echo", ["x".repeat(3_000_000)])
      .run()
      .catch((e: unknown) => e)) as SpawnError;
    expect(error).toBeInstanceOf(SpawnError);
    expect(error.code).toBe("E2BIG");
    expect(error.message.length).toBeLessThan(200);
  });

  it("a non-executable match on PATH is EACCES (as execvp), not 'not found'", async () => {
    const error = await new Command("noexec-pk")
      .env({ PATH: bin })
      .run()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SpawnError);
    expect((error as SpawnError).code).toBe("EACCES");
  });

  it("a non-executable match earlier on PATH does not hide an executable one later", async () => {
    const other = join(dir, "other");
    mkdirSync(other, { recursive: true });
    script(join(other, "noexec-pk"), 'echo "the runnable one"');
    expect(await new Command("noexec-pk").env({ PATH: `${bin}:${other}` }).run()).toBe("the runnable one");
  });
});

describe("working directory", () => {
  it("a missing cwd says the directory does not exist (and is not NotFoundError)", async () => {
    const missing = join(dir, "no-such-dir");
    const error = (await new Command("true")
      .cwd(missing)
      .run()
      .catch((e: unknown) => e)) as SpawnError;
    expect(error).toBeInstanceOf(SpawnError);
    expect(error).not.toBeInstanceOf(NotFoundError);
    expect(error.message).toMatch(/working directory does not exist/);
    expect(error.message).toContain(missing);
    expect(error.code).toBe("ENOENT");
    expect(spawned()).toBe(0);
  });

  it("a cwd that is a file says it is not a directory", async () => {
    const error = (await new Command("true")
      .cwd(aFile)
      .run()
      .catch((e: unknown) => e)) as SpawnError;
    expect(error).toBeInstanceOf(SpawnError);
    expect(error.message).toMatch(/not a directory/);
    expect(error.code).toBe("ENOTDIR");
    expect(spawned()).toBe(0);
  });

  it("the child runs in cwd", async () => {
    expect(await new Command("pwd").cwd(work).run()).toBe(work);
  });

  it("a relative program path is resolved against cwd", async () => {
    expect(await new Command("./sub/rel.sh").cwd(work).run()).toBe(`relative\n${work}`);
    expect(await new Command("sub/rel.sh").cwd(work).run()).toBe(`relative\n${work}`);
  });

  it("a relative program path without cwd is resolved against our cwd", async () => {
    // from process.cwd(), a path that goes up to / and back down to work/sub/rel.sh
    const up = process
      .cwd()
      .split("/")
      .filter(Boolean)
      .map(() => "..")
      .join("/");
    expect(await new Command(`${up}${work}/sub/rel.sh`).run()).toContain("relative");
  });

  it("a relative cwd is relative to ours", async () => {
    const rel = join(
      ...process
        .cwd()
        .split("/")
        .filter(Boolean)
        .map(() => ".."),
      work,
    );
    expect(await new Command("pwd").cwd(rel).run()).toBe(work);
  });
});

describe("PATH", () => {
  it("the child's PATH (from env()) is the one searched", async () => {
    // $0 of a #! script is the file the kernel ran: the one found on the child's PATH.
    expect(await new Command("hello-pk").env({ PATH: bin }).run()).toBe(
      `hello from ${join(bin, "hello-pk")}`,
    );
  });

  it("our own PATH does not find a program only the child's PATH has, and vice versa", async () => {
    await expect(new Command("hello-pk").run()).rejects.toBeInstanceOf(NotFoundError);
    await expect(new Command("sh", ["-c", "true"]).env({ PATH: bin }).run()).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it("entries that cannot be searched (not a directory, a symlink loop, a name too long) are skipped, as execvp does", async () => {
    const loop = join(dir, "loop");
    symlinkSync(loop, loop); // a directory entry that resolves to itself: ELOOP
    const tooLong = `/${"x".repeat(5_000)}`;
    const PATH = [aFile, loop, tooLong, bin].join(":");
    expect(await new Command("hello-pk").env({ PATH }).run()).toBe(`hello from ${join(bin, "hello-pk")}`);
    // /bin/echo is found after a non-directory entry (issue 14: su keeps root's PATH, images put files on it)
    expect(
      await new Command("echo", ["hi"])
        .env({ PATH: `/etc/passwd:${process.env.PATH ?? "/usr/bin:/bin"}` })
        .run(),
    ).toBe("hi");
  });

  it("a miss among unsearchable entries is NotFoundError listing every entry searched", async () => {
    const PATH = [aFile, "/nonexistent-c", bin].join(":");
    const error = (await new Command("no-such-program-7b1a")
      .env({ PATH })
      .run()
      .catch((e: unknown) => e)) as NotFoundError;
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.searched).toEqual([aFile, "/nonexistent-c", bin]);
    expect(error.unusable).toBe(1);
    expect(error.message).toMatch(/searched 3 directories, 1 of them not searchable/);
    expect(error.message).not.toContain(aFile); // PATH is an environment value: never in a message
    expect(spawned()).toBe(0);
  });

  it("a named path through a non-directory is a SpawnError saying it cannot be reached", async () => {
    const error = (await new Command(join(aFile, "prog")).run().catch((e: unknown) => e)) as SpawnError;
    expect(error).toBeInstanceOf(SpawnError);
    expect(error.message).toMatch(/cannot be reached/);
    expect(spawned()).toBe(0);
  });

  it("an empty PATH entry means the working directory, as in execvp", async () => {
    expect(await new Command("rel.sh").cwd(join(work, "sub")).env({ PATH: ":/nonexistent" }).run()).toContain(
      "relative",
    );
  });

  it("relative PATH entries are resolved against cwd", async () => {
    expect(await new Command("rel.sh").cwd(work).env({ PATH: "sub" }).run()).toContain("relative");
  });

  it("envClear(): no PATH → a default PATH is searched", async () => {
    expect(await new Command("sh", ["-c", "echo ok"]).envClear().run()).toBe("ok");
  });

  it("resolveProgram is synchronous and spawn-free", () => {
    expect(resolveProgram("hello-pk", bin, undefined)).toBe(join(bin, "hello-pk"));
    expect(() => resolveProgram("hello-pk", "/nonexistent", undefined)).toThrow(NotFoundError);
    expect(resolveProgram(join(bin, "hello-pk"), "", undefined)).toBe(join(bin, "hello-pk"));
  });
});
