/**
 * Worker threads are owners of their own: a worker that started a tree and is then terminated
 * (`worker.terminate()`: no exit handlers run in it) takes its tree along, while the main thread
 * — and what the main thread started — lives on.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { afterAll, describe, expect, it } from "vitest";
import { Command, JobRunner } from "../../../src/index.js";
import { isAlive } from "../../helpers/procs.js";
import { alive, distSnapshot, eventually, MECHANISMS, stat, TREE_SCRIPT, track } from "../support.js";

const WORKER_SCRIPT = `
import { parentPort, workerData, threadId } from "node:worker_threads";
const { Command, JobRunner } = await import(new URL("index.js", workerData.dist));
const { owner } = await import(new URL("containment/owner/registry.js", workerData.dist));
const { CgroupBackend } = await import(new URL("containment/cgroup/backend.js", workerData.dist));
const seen = {};
let ready;
const started = new Promise((resolve) => (ready = resolve));
const proc = await new JobRunner({ mechanism: workerData.mechanism }).start(
  new Command("sh", ["-c", ${JSON.stringify(`${TREE_SCRIPT}\nexec sleep 300`)}]).onStdoutLine((line) => {
    const [label, value] = line.split(" ");
    if (label === "ready") ready();
    else seen[label] = Number(value);
  }),
);
await started;
const backend = CgroupBackend.settled();
parentPort.postMessage({
  threadId,
  leader: proc.pid,
  mechanism: proc.mechanism,
  ...seen,
  ownerDir: backend instanceof CgroupBackend ? backend.ownerDir : null,
  sentinel: owner.sentinelPid ?? null,
});
`;

interface WorkerInfo {
  readonly threadId: number;
  readonly leader: number;
  readonly mechanism: string;
  readonly bg: number;
  readonly setsid: number;
  readonly dfork: number;
  readonly ownerDir: string | null;
  readonly sentinel: number | null;
}

const dir = mkdtempSync(join(tmpdir(), "processkit-worker-"));
const script = join(dir, "worker.mjs");
writeFileSync(script, WORKER_SCRIPT);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each(MECHANISMS)("worker thread owner: %s", (mechanism) => {
  it("a terminated worker's tree is torn down while the main thread and its own runs live on", async () => {
    const mainRun = await new JobRunner({ mechanism }).start(new Command("sleep", ["300"]));
    track(mainRun.pid ?? -1);

    const worker = new Worker(script, { workerData: { dist: await distSnapshot(), mechanism } });
    const info = await new Promise<WorkerInfo>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
      worker.once("exit", (code) => reject(new Error(`worker exited early (${code})`)));
    });
    const tree = [info.leader, info.bg, info.setsid, info.dfork];
    track(...tree, info.sentinel ?? -1);

    // Positive control: the worker's tree runs, under its own owner (own cgroup, own sentinel).
    expect(info.mechanism).toBe(mechanism);
    expect(
      await eventually(() => alive(tree).length === 4 && stat(info.setsid)?.session === info.setsid),
    ).toBe(true);
    expect(info.sentinel).not.toBeNull();
    expect(isAlive(info.sentinel as number)).toBe(true);
    if (mechanism === "cgroup-v2") {
      expect(info.ownerDir).toMatch(new RegExp(`/processkit-${process.pid}-${info.threadId}-[0-9a-f]+$`));
      expect(existsSync(info.ownerDir as string)).toBe(true);
    }

    await worker.terminate();

    const mustDie = tree; // the process-group setsid escapee kept the run marker: the sentinel finds it
    expect(await eventually(() => alive(mustDie).length === 0, 15_000)).toBe(true);
    expect(alive(mustDie)).toEqual([]);
    if (mechanism === "cgroup-v2") {
      expect(await eventually(() => !existsSync(info.ownerDir as string), 15_000)).toBe(true);
    }
    expect(await eventually(() => !isAlive(info.sentinel as number), 15_000)).toBe(true);

    // The main thread's run was not touched by the worker's sentinel.
    expect(isAlive(mainRun.pid as number)).toBe(true);
    await mainRun.kill();
    expect(isAlive(mainRun.pid as number)).toBe(false);
  });
});
