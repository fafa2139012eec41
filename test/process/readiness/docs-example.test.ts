/** The start-a-server-and-use-it example in docs/streaming.md runs as written. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { isAlive } from "../../helpers/procs.js";

const root = resolve(fileURLToPath(new URL("../../..", import.meta.url)));
const dir = mkdtempSync(join(tmpdir(), "pk-docs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

declare global {
  var __docsLog: unknown[] | undefined;
}

describe("docs/streaming.md", () => {
  it("the server example runs: ready, answers, shuts down cleanly, leaves nothing behind", async () => {
    const doc = readFileSync(join(root, "docs/streaming.md"), "utf8");
    const block = /```ts\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(block).toBeDefined();
    const source = (block as string)
      .replace(`from "processkit"`, `from ${JSON.stringify(pathToFileURL(join(root, "src/index.ts")).href)}`)
      // The example's own console.log statements (not the one inside the child's script).
      .replace(/^(\s*)console\.log\(/gm, "$1globalThis.__docsLog.push(");
    const file = join(dir, "server-demo.ts");
    writeFileSync(file, `${source}\nexport {};\n`);
    globalThis.__docsLog = [];
    const spawned: number[] = [];
    const { subscribe, unsubscribe } = await import("node:diagnostics_channel");
    const onSpawn = (m: unknown) => spawned.push((m as { pid: number }).pid);
    subscribe("processkit:spawn", onSpawn);
    try {
      await import(pathToFileURL(file).href);
    } finally {
      unsubscribe("processkit:spawn", onSpawn);
    }
    const [body, outcome] = globalThis.__docsLog;
    expect(body).toMatch(/^hello from \d+$/);
    expect(outcome).toEqual({ kind: "exited", code: 0 });
    expect(spawned).toHaveLength(1);
    expect(isAlive(spawned[0] as number)).toBe(false);
  });
});
