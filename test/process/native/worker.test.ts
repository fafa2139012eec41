/**
 * A worker thread that spawns natively and ends while its child still runs: the worker's
 * addon instance closes its exit watches with the environment (libuv may run their close
 * callbacks after Node unloaded the worker's addons: the library is never unmapped), and no
 * descriptor of ours is closed behind Node's back (a worker warns about that on stderr).
 * Run in a separate Node process, so a crash is a failed assertion, not a lost test file.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnPath } from "../../../src/process/native/spawn-path.js";
import { isAlive, waitDead } from "../../helpers/procs.js";

const index = fileURLToPath(new URL("../../../dist/index.js", import.meta.url));
const OWNER = `import { Worker } from "node:worker_threads";
   const worker = new Worker(\`
     const { parentPort } = await import("node:worker_threads");
     const { Command, JobRunner, hostContainment } = await import(${JSON.stringify(JSON.stringify(index)).slice(1, -1)});
     for (const mechanism of ["process-group", "cgroup-v2"]) {
       const runner = new JobRunner({ mechanism });
       await runner.output(new Command("echo", ["done"]));
       const proc = await runner.start(new Command("sleep", ["300"]));
       parentPort.postMessage({ spawn: hostContainment().spawn, pid: proc.pid });
     }
     setTimeout(() => process.exit(0), 100);
   \`, { eval: true });
   const pids = [];
   worker.on("message", (m) => { pids.push(m.pid); if (pids.length === 2) console.log(JSON.stringify({ spawn: m.spawn, pids })); });
   worker.on("exit", (code) => console.log(JSON.stringify({ workerExit: code })));`;

describe.runIf(spawnPath().spawn === "native")("a worker that ends while its native children run", () => {
  // Made here, not at the top: hooks of a file whose tests are all skipped do not run.
  let dir = "";
  let script = "";
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "pk-native-worker-"));
    script = join(dir, "owner.mjs");
    writeFileSync(script, OWNER);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("ends cleanly: no crash, no warning, and its children are torn down with it", async () => {
    const run = spawnSync(process.execPath, [script], { encoding: "utf8", timeout: 30_000 });
    expect(run.signal).toBeNull();
    expect(run.status).toBe(0);
    expect(run.stderr).toBe("");
    const [started, ended] = run.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(started.spawn).toBe("native");
    expect(ended).toEqual({ workerExit: 0 });
    // The worker was the owner of those runs: its end took them along.
    for (const pid of started.pids as number[]) expect(await waitDead(pid, 5_000)).toBe(true);
    expect((started.pids as number[]).filter(isAlive)).toEqual([]);
  });
});
