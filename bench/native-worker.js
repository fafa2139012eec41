/**
 * P8's measurements, in a fresh process that first holds `parentMiB` of touched memory (Node's
 * own spawn forks, so its cost grows with that; the native core's vfork does not). Every
 * variant runs interleaved with the others in this one process, round by round in a random
 * order: raw `child_process`, processkit on the native core and on the pure path (switched
 * per run with PROCESSKIT_SPAWN, which the spawn reads each time), each mechanism.
 *
 *   node bench/native-worker.js '{"parentMiB":0,"gaps":[0,20,100],"samples":10,"rounds":6,"batch":1000}'
 *
 * Prints one line `BENCH_RESULT {...}`.
 */
import { createRequire } from "node:module";
import { pool } from "./cases/p6-batch.js";
import { interleaved } from "./lib/harness.js";
import { openFdCount, sleep } from "./lib/procfs.js";
import { createRandom } from "./lib/stats.js";
import { loadProcesskit, processkitRunner, rawCapture } from "./lib/variants.js";

const task = JSON.parse(process.argv[2]);
const MiB = 1024 * 1024;

// The addon's load time, before processkit loads it (a fresh process: nothing is cached).
const addonPath = new URL("../build/Release/processkit.node", import.meta.url).pathname;
let addonLoadMs;
try {
  const require = createRequire(import.meta.url);
  require("node:path"); // the CommonJS loader itself is not the addon's cost
  const t0 = performance.now();
  require(addonPath);
  addonLoadMs = performance.now() - t0;
} catch {
  addonLoadMs = undefined;
}

const held = [];
for (let left = task.parentMiB; left > 0; left -= 512) {
  const chunk = Buffer.allocUnsafe(Math.min(left, 512) * MiB);
  chunk.fill(1); // touched: every page is mapped, so a fork copies its page tables
  held.push(chunk);
}

const pk = await loadProcesskit();
const runners = {};
for (const mechanism of ["cgroup-v2", "process-group"]) {
  const got = await processkitRunner(mechanism);
  if (got.runner !== undefined) runners[mechanism] = got.runner;
}
const spawnPath = pk.hostContainment().spawn;

const command = new pk.Command("/bin/true");
function viaProcesskit(runner, path) {
  return async () => {
    process.env.PROCESSKIT_SPAWN = path;
    try {
      const result = await runner.output(command);
      if (result.exitCode !== 0) throw new Error(`exit ${result.exitCode}`);
    } finally {
      delete process.env.PROCESSKIT_SPAWN;
    }
  };
}

const variants = { raw: () => rawCapture("/bin/true", []) };
for (const [mechanism, runner] of Object.entries(runners)) {
  if (spawnPath === "native") variants[`processkit native (${mechanism})`] = viaProcesskit(runner, "native");
  variants[`processkit pure (${mechanism})`] = viaProcesskit(runner, "node");
}

const ctx = { random: createRandom(task.seed ?? 1), log: (m) => process.stderr.write(`${m}\n`) };
for (const fn of Object.values(variants)) for (let i = 0; i < 10; i++) await fn(); // warm-up

const gaps = {};
for (const gap of task.gaps) {
  ctx.log(`P8: parent ${task.parentMiB} MiB, gap ${gap} ms`);
  gaps[gap] = await interleaved(ctx, variants, task.rounds, async (_name, fn) => {
    const out = [];
    for (let i = 0; i < task.samples; i++) {
      if (gap > 0) await sleep(gap);
      const t0 = performance.now();
      await fn();
      out.push(performance.now() - t0);
    }
    return out;
  });
}

let batch;
if (task.batch > 0 && typeof pk.outputAll === "function") {
  const n = task.batch;
  const concurrency = 16;
  const commands = Array.from({ length: n }, () => new pk.Command("/bin/true"));
  const batchVariants = { "raw pool": () => pool(n, concurrency, () => rawCapture("/bin/true", [])) };
  for (const [mechanism, runner] of Object.entries(runners)) {
    for (const path of spawnPath === "native" ? ["native", "node"] : ["node"]) {
      batchVariants[`processkit ${path === "native" ? "native" : "pure"} (${mechanism})`] = async () => {
        process.env.PROCESSKIT_SPAWN = path;
        try {
          const settled = await pk.outputAll(commands, { concurrency, runner });
          const bad = settled.filter((s) => s.status !== "fulfilled" || s.value.exitCode !== 0).length;
          if (bad > 0) throw new Error(`${bad} of ${n} runs did not succeed`);
        } finally {
          delete process.env.PROCESSKIT_SPAWN;
        }
      };
    }
  }
  const fdGrowth = Object.fromEntries(Object.keys(batchVariants).map((k) => [k, []]));
  ctx.log(`P8: batch ${n} × /bin/true at concurrency ${concurrency}`);
  const data = await interleaved(ctx, batchVariants, task.batchRounds ?? 3, async (name, fn) => {
    const before = openFdCount();
    const t0 = performance.now();
    await fn();
    const ms = performance.now() - t0;
    await sleep(20); // let pipe handles close
    fdGrowth[name].push(openFdCount() - before);
    return [ms];
  });
  batch = { n, concurrency, ...data, fdGrowth };
}

held.length = 0;
process.stdout.write(
  `BENCH_RESULT ${JSON.stringify({ parentMiB: task.parentMiB, spawnPath, addonLoadMs, gaps, batch })}\n`,
);
process.exit(0);
