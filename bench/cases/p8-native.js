/**
 * P8: the native spawn core. `/bin/true` spawn → resolve, sequential, after quiet gaps of
 * 0 / 20 / 100 ms (a cgroup.procs write after a quiet spell waits for an RCU grace period;
 * a child born in its cgroup does not) and with the parent holding 2 GiB of touched memory
 * (Node's spawn forks and copies page tables; the native core's vfork does not). Raw
 * `child_process`, processkit on the native core and on the pure path, each mechanism, all
 * interleaved in one process per parent size (bench/native-worker.js). Then 1000 × `/bin/true`
 * at concurrency 16 through `outputAll` against a raw pool, with fd growth; and what the
 * addon costs to build (a private copy of the sources) and to load.
 */
import { execFile, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { rowsFrom } from "../lib/harness.js";
import { fmtMs, fmtRatio, median } from "../lib/stats.js";

const WORKER = fileURLToPath(new URL("../native-worker.js", import.meta.url));
const REPO = fileURLToPath(new URL("../../", import.meta.url));
const MARK = "BENCH_RESULT ";

function runWorker(task, log) {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [WORKER, JSON.stringify(task)],
      { maxBuffer: 64 * 1024 * 1024, timeout: 20 * 60_000 },
      (error, stdout) => {
        const line = stdout.split("\n").find((l) => l.startsWith(MARK));
        if (line !== undefined) resolve(JSON.parse(line.slice(MARK.length)));
        else reject(error ?? new Error("worker printed no result"));
      },
    );
    child.stderr?.on("data", (d) => log(String(d).trimEnd()));
  });
}

/** node-gyp rebuild of a private copy of the sources, as an install does it. */
function buildTime() {
  const dir = mkdtempSync(join(tmpdir(), "processkit-bench-build-"));
  try {
    cpSync(join(REPO, "native"), join(dir, "native"), { recursive: true });
    cpSync(join(REPO, "binding.gyp"), join(dir, "binding.gyp"));
    const t0 = performance.now();
    const run = spawnSync(process.execPath, [join(dir, "native", "build.cjs")], {
      cwd: dir,
      encoding: "utf8",
    });
    const ms = performance.now() - t0;
    return { ms, line: run.stdout.trim() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const NATIVE = (m) => `processkit native (${m})`;

export async function p8(ctx) {
  const q = ctx.quick;
  const small = await runWorker(
    {
      parentMiB: 0,
      gaps: [0, 20, 100],
      samples: q ? 4 : 10,
      rounds: q ? 2 : 8,
      batch: q ? 200 : 1000,
      batchRounds: q ? 1 : 3,
      seed: Math.floor(ctx.random() * 2 ** 31),
    },
    ctx.log,
  );
  const big = await runWorker(
    { parentMiB: 2048, gaps: [0], samples: q ? 3 : 6, rounds: q ? 2 : 5, batch: 0 },
    ctx.log,
  );
  const build = buildTime();

  const cases = [];
  const goals = [];
  const gapCase = (result, gap, id, title) => {
    const data = result.gaps[gap];
    const c = {
      id,
      title,
      metricLabel: "median (ms/run)",
      baseline: "raw",
      rows: rowsFrom(data.samples, "raw", (v) => ({ failure: data.failures[v] }), data.byRound),
      notes: [],
    };
    cases.push(c);
    return c;
  };
  const row = (c, variant) => c.rows.find((r) => r.variant === variant);

  const gapTargets = { 0: 0.9, 20: 0.75, 100: undefined };
  for (const gap of [0, 20, 100]) {
    const c = gapCase(
      small,
      gap,
      `P8-gap${gap}`,
      `spawn → resolve of \`/bin/true\` after ${gap} ms of quiet`,
    );
    const target = gapTargets[gap];
    if (target === undefined) continue;
    for (const m of ["cgroup-v2", "process-group"]) {
      const r = row(c, NATIVE(m));
      if (r === undefined) continue;
      goals.push({
        case: c.id,
        goal: `${r.variant}: median ≤ ${target}× raw child_process`,
        measured: fmtRatio(r.ratioMedian),
        met: r.ratioMedian !== undefined && r.ratioMedian <= target,
      });
    }
  }
  const smallGap0 = cases[0];
  const bigCase = gapCase(
    big,
    0,
    "P8-2GiB",
    "spawn → resolve of `/bin/true`, the parent holding 2 GiB of touched memory",
  );
  for (const m of ["cgroup-v2", "process-group"]) {
    const r = row(bigCase, NATIVE(m));
    const own = row(smallGap0, NATIVE(m));
    if (r === undefined || own === undefined) continue;
    const growth = r.stats.median / own.stats.median;
    const faster = 1 / r.ratioMedian;
    goals.push({
      case: "P8-2GiB",
      goal: `${r.variant}: ≤ 1.2× its small-parent median, ≥ 10× faster than raw at 2 GiB`,
      measured: `${fmtRatio(growth)} own, ${fmtRatio(faster)} faster (${fmtMs(r.stats.median)} vs raw ${fmtMs(row(bigCase, "raw").stats.median)})`,
      met: growth <= 1.2 && faster >= 10,
    });
  }

  if (small.batch !== undefined) {
    const b = small.batch;
    const rows = rowsFrom(
      b.samples,
      "raw pool",
      (v) => ({ failure: b.failures[v], fdGrowth: b.fdGrowth[v] }),
      b.byRound,
    );
    cases.push({
      id: "P8-batch",
      title: `${b.n} × \`/bin/true\` at concurrency ${b.concurrency}: \`outputAll\` vs a raw promise pool`,
      metricLabel: "median (ms/batch)",
      baseline: "raw pool",
      rows,
      columns: [
        { title: "throughput × raw", cell: (r) => fmtRatio(r.ratioMedian ? 1 / r.ratioMedian : undefined) },
        { title: "fd growth", cell: (r) => (r.fdGrowth.length ? String(Math.max(...r.fdGrowth)) : "—") },
      ],
      notes: [],
    });
    for (const r of rows) {
      if (!r.variant.startsWith("processkit native")) continue;
      const speed = r.ratioMedian ? 1 / r.ratioMedian : undefined;
      const growth = r.fdGrowth.length ? Math.max(...r.fdGrowth) : undefined;
      goals.push({
        case: "P8-batch",
        goal: `${r.variant}: throughput ≥ 1.0× raw pool, fd growth 0`,
        measured: `${fmtRatio(speed)} raw throughput, fd growth ${growth ?? "—"}`,
        met: speed !== undefined && growth !== undefined && speed >= 1 && growth <= 0,
      });
    }
  }

  cases[0].notes.push(
    `spawn path in the workers: ${small.spawnPath}; addon load (dlopen + init, fresh process): ${fmtMs(median([small.addonLoadMs, big.addonLoadMs].filter((x) => x !== undefined)))}; build (node-gyp rebuild of a private copy): ${fmtMs(build.ms)} — ${build.line}`,
    "processkit native/pure = the same runner with PROCESSKIT_SPAWN=native/node for that run; raw = `child_process.spawn` + Buffer-chunk capture resolved on `close`.",
  );
  return { cases, goals };
}
