/** TreeWatcher (supervise --watch): a watched file survives a save-by-rename; its neighbours and ignored paths do not count. */
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { TreeWatcher } from "../../src/cli/file-watch.js";
import { globPattern } from "../../src/cli/glob.js";
import { tempDir, waitUntil } from "./cli.js";

const watchers: TreeWatcher[] = [];
afterEach(() => {
  for (const w of watchers.splice(0)) w.close();
});

function watching(roots: string[], ignore: string[] = []): string[] {
  const seen: string[] = [];
  watchers.push(new TreeWatcher(roots, ignore.map(globPattern), 20, (path) => seen.push(path)));
  return seen;
}

describe("TreeWatcher", () => {
  it("a single file: a neighbour's change is not reported; two saves by rename are", async () => {
    const dir = tempDir();
    const file = join(dir, "app.js");
    writeFileSync(file, "1");
    const seen = watching([file]);
    writeFileSync(join(dir, "other.js"), "x");
    for (const n of [1, 2]) {
      writeFileSync(join(dir, "app.js.tmp"), String(n));
      renameSync(join(dir, "app.js.tmp"), file);
      await waitUntil(() => seen.length >= n, `save ${n}`);
    }
    expect(seen).toEqual([file, file]);
  });

  it("a tree: new subdirectories are watched, ignored globs and node_modules are not", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "node_modules"));
    const seen = watching([dir], ["*.log"]);
    writeFileSync(join(dir, "node_modules", "x.js"), "x");
    writeFileSync(join(dir, "debug.log"), "x");
    mkdirSync(join(dir, "lib"));
    await waitUntil(() => seen.length >= 1, "the new directory");
    writeFileSync(join(dir, "lib", "deep.js"), "x");
    await waitUntil(() => seen.includes(join(dir, "lib", "deep.js")), "a change inside the new directory");
    expect(seen.some((p) => p.includes("node_modules") || p.endsWith(".log"))).toBe(false);
  });

  it("a path that does not exist is a usage error naming it", () => {
    expect(() => watching(["/no/such/path"])).toThrow("--watch: cannot watch /no/such/path: ENOENT");
  });
});
