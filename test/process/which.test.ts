/** `which()` and `preferLocal()` (issue 15): the public resolver answers exactly as a run resolves. */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Command, InvalidInputError, NotFoundError, SpawnError, which } from "../../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "pk-which-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const script = (path: string, body: string, mode = 0o755) => {
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, mode);
  return path;
};
// A project with its own tool, and a nested cwd three levels down.
const project = join(dir, "project");
const localBin = join(project, "node_modules", ".bin");
mkdirSync(localBin, { recursive: true });
const nested = join(project, "packages", "app", "src");
mkdirSync(nested, { recursive: true });
const localTool = script(join(localBin, "pk-tool"), 'echo "local $0"');
// The same name on PATH, so the order matters.
const pathBin = join(dir, "bin");
mkdirSync(pathBin);
const pathTool = script(join(pathBin, "pk-tool"), 'echo "path $0"');
// A nearer node_modules/.bin wins over the project's.
const inner = join(project, "packages", "app", "node_modules", ".bin");
mkdirSync(inner, { recursive: true });
const innerOnly = script(join(inner, "pk-inner"), 'echo "inner $0"');
script(join(pathBin, "pk-noexec"), "true", 0o644);
const env = { PATH: `${pathBin}:/usr/bin:/bin` };

describe("which()", () => {
  it("agrees with what a run executes (PATH, preferLocal, nested cwd)", async () => {
    expect(which("pk-tool", { env })).toBe(pathTool);
    const fromPath = await new Command("pk-tool").env(env).output();
    expect(fromPath.stdout).toBe(`path ${pathTool}\n`);

    expect(which("pk-tool", { env, cwd: nested, preferLocal: true })).toBe(localTool);
    const local = await new Command("pk-tool").env(env).cwd(nested).preferLocal().output();
    expect(local.stdout).toBe(`local ${localTool}\n`);

    expect(which("pk-inner", { env, cwd: nested, preferLocal: true })).toBe(innerOnly);
    expect((await new Command("pk-inner").env(env).cwd(nested).preferLocal().output()).stdout).toBe(
      `inner ${innerOnly}\n`,
    );
  });

  it("a miss is undefined; the run's NotFoundError lists the local dirs, nearest first, then PATH", async () => {
    expect(which("pk-inner", { env, cwd: nested })).toBeUndefined();
    expect(which("pk-noexec", { env })).toBeUndefined();
    expect(which("no-such-program-15", { env, cwd: nested, preferLocal: true })).toBeUndefined();
    const error = await new Command("no-such-program-15")
      .env(env)
      .cwd(nested)
      .preferLocal()
      .run()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    const searched = (error as NotFoundError).searched;
    expect(searched[0]).toBe(join(nested, "node_modules", ".bin"));
    expect(searched).toContain(inner);
    expect(searched).toContain(localBin);
    expect(searched.slice(-3)).toEqual([pathBin, "/usr/bin", "/bin"]);
    expect(searched.indexOf(inner)).toBeLessThan(searched.indexOf(localBin));
  });

  it("program paths resolve against the cwd, as in a run", () => {
    expect(which("./node_modules/.bin/pk-tool", { cwd: project })).toBe(localTool);
    expect(which("/bin/sh")).toBe("/bin/sh");
  });

  it("preferLocal() with a cwd that does not exist: SpawnError from both", async () => {
    const missing = join(dir, "does-not-exist");
    expect(() => which("pk-tool", { cwd: missing, preferLocal: true })).toThrow(SpawnError);
    await expect(new Command("pk-tool").cwd(missing).preferLocal().run()).rejects.toBeInstanceOf(SpawnError);
  });

  it("bad input is an InvalidInputError naming the argument", () => {
    expect(() => which("")).toThrow(InvalidInputError);
    expect(() => which("sh", { path: "/bin" } as never)).toThrow(/unknown option path/);
    expect(() => which("sh", { preferLocal: "yes" } as never)).toThrow(InvalidInputError);
    expect(() => which("sh", { cwd: 3 } as never)).toThrow(InvalidInputError);
  });
});
