/**
 * Every ```ts block of docs/process-groups.md runs as written (importing the library's source
 * instead of "processkit"), prints what its comments say, and leaves no process behind.
 */
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { isAlive } from "../helpers/procs.js";
import { track } from "./support.js";

const root = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const dir = mkdtempSync(join(tmpdir(), "processkit-docs-groups-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

declare global {
  var __pkLog: ((...args: unknown[]) => void) | undefined;
}

const doc = readFileSync(join(root, "docs/process-groups.md"), "utf8");
const blocks = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] as string);

/** Runs one block; returns what it logged (one array per console.log call) and the pids it spawned. */
async function runBlock(index: number): Promise<{ logs: unknown[][]; spawned: number[] }> {
  const source = (blocks[index] as string)
    .replace(/from "processkit"/g, `from ${JSON.stringify(pathToFileURL(join(root, "src/index.ts")).href)}`)
    .replace(/\bconsole\.log\(/g, "globalThis.__pkLog(");
  const file = join(dir, `block-${index}.ts`);
  writeFileSync(file, `${source}\nexport {};\n`);
  const logs: unknown[][] = [];
  globalThis.__pkLog = (...args) => logs.push(args);
  const spawned: number[] = [];
  const onSpawn = (message: unknown) => {
    const pid = (message as { pid?: number }).pid;
    if (pid !== undefined) {
      spawned.push(pid);
      track(pid);
    }
  };
  subscribe("processkit:spawn", onSpawn);
  try {
    await import(pathToFileURL(file).href);
  } finally {
    unsubscribe("processkit:spawn", onSpawn);
  }
  return { logs, spawned };
}

describe("docs/process-groups.md", () => {
  it("has the examples this test knows about", () => {
    expect(blocks).toHaveLength(6);
  });

  it("the overview: a pool, every verb, members, stats, a drained shutdown", async () => {
    const { logs, spawned } = await runBlock(0);
    const [mechanism, year, members, stats, report] = logs.map((l) => l[0]);
    expect(["cgroup-v2", "process-group"]).toContain(mechanism);
    expect(year).toMatch(/^\d{4}$/);
    expect(members).toHaveLength(2);
    expect((stats as { processes: number }).processes).toBe(2);
    expect(report).toMatchObject({ membersBefore: 2, drained: true, escalated: false, survivors: 0 });
    expect(spawned.filter(isAlive)).toEqual([]);
  });

  it("runs inside a group: leftovers stay until group.kill(); a run's deadline ends that run only", async () => {
    const { logs, spawned } = await runBlock(1);
    expect(logs).toEqual([[true], [true, true], [[]]]);
    expect(spawned.filter(isAlive)).toEqual([]);
  });

  it("suspend, resume and signal", async () => {
    const { logs, spawned } = await runBlock(2);
    expect(logs).toEqual([[true], ["reloaded"]]);
    expect(spawned.filter(isAlive)).toEqual([]);
  });

  it("shutdown: one member drains, one is escalated", async () => {
    const { logs, spawned } = await runBlock(3);
    expect(logs).toEqual([
      [false, true, 0],
      [{ kind: "exited", code: 0 }],
      [{ kind: "signalled", signal: "SIGKILL" }],
    ]);
    expect(spawned.filter(isAlive)).toEqual([]);
  });

  it("limits: accepted where enforceable, ResourceLimitError naming the limit elsewhere", async () => {
    const { logs } = await runBlock(4);
    const [[limits], outcome] = logs as [[Record<string, boolean>], unknown[]];
    if (Object.values(limits).every(Boolean)) expect(outcome[0]).toBe("limited group");
    else expect(["memoryMax", "maxProcesses", "cpuQuota"]).toContain(outcome[0]);
  });

  it("choosing the mechanism", async () => {
    const { logs, spawned } = await runBlock(5);
    expect(logs[1]).toEqual(["process-group"]);
    expect(logs[2]).toEqual(["contained"]);
    expect(spawned.filter(isAlive)).toEqual([]);
  });
});
