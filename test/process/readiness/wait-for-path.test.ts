/** waitForPath: a child that creates its ready file late, never, or exits first. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { InvalidInputError, NotReadyError } from "../../../src/index.js";
import { isAlive } from "../../helpers/procs.js";
import { node } from "../../helpers/scripts.js";

const dir = mkdtempSync(join(tmpdir(), "pk-path-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("waitForPath", () => {
  it("resolves once the child created the path", async () => {
    const file = join(dir, "ready.pid");
    await using proc = await node(
      `setTimeout(() => require("node:fs").writeFileSync(process.argv[1], String(process.pid)), 300); setInterval(() => {}, 1000)`,
      [file],
    ).start();
    await proc.waitForPath(file, "20s");
    expect(isAlive(proc.pid as number)).toBe(true);
  });

  it("rejects at its deadline and leaves the child running", async () => {
    await using proc = await node(`setInterval(() => {}, 1000)`).start();
    const error = await proc.waitForPath(join(dir, "never"), "300ms").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotReadyError);
    expect((error as NotReadyError).timeoutMs).toBe(300);
    expect((error as NotReadyError).message).toMatch(/ENOENT/);
    expect(isAlive(proc.pid as number)).toBe(true);
  });

  it("rejects at once when the child exits first", async () => {
    await using proc = await node(`setTimeout(() => process.exit(0), 100)`).start();
    const error = await proc.waitForPath(join(dir, "also-never"), "30s").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotReadyError);
    expect((error as NotReadyError).message).toMatch(/exited \(code 0\)/);
  });

  it("validates the path", async () => {
    await using proc = await node(`0`).start();
    expect(() => proc.waitForPath("", "1s")).toThrow(InvalidInputError);
    expect(() => proc.waitForPath("a\0b", "1s")).toThrow(InvalidInputError);
  });
});
