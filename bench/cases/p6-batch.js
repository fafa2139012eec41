/**
 * P6 (hook): 1000 `/bin/true` runs at concurrency 16 through `outputAll` against a raw
 * promise pool, with the open-fd count before and after. It switches itself on when the
 * package exports `outputAll` (API.md §6); until then it reports "not available yet".
 */
import { interleaved, rowsFrom } from "../lib/harness.js";
import { openFdCount, sleep } from "../lib/procfs.js";
import { fmtRatio } from "../lib/stats.js";
import { rawCapture } from "../lib/variants.js";

const BASELINE = "raw promise pool";

export function p6Available(pk) {
  return typeof pk.outputAll === "function";
}

/** A promise pool: `n` runs of `task`, `concurrency` at a time (the raw baseline). */
export async function pool(n, concurrency, task) {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      await task();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

export async function p6(ctx) {
  const pk = ctx.pk;
  const title = "1000 × `/bin/true` at concurrency 16: `outputAll` vs a raw promise pool";
  if (!p6Available(pk)) {
    ctx.log("P6: not available yet (no outputAll export)");
    return { cases: [{ id: "P6", title, unavailable: "`outputAll` is not exported yet" }], goals: [] };
  }
  const n = ctx.quick ? 200 : 1000;
  const concurrency = 16;
  const variants = {
    [BASELINE]: () => pool(n, concurrency, () => rawCapture("/bin/true", [])),
  };
  const commands = Array.from({ length: n }, () => new pk.Command("/bin/true"));
  for (const [mechanism, { runner }] of Object.entries(ctx.pkRunners)) {
    variants[`processkit outputAll (${mechanism})`] = async () => {
      const settled = await pk.outputAll(commands, { concurrency, runner });
      const bad = settled.filter((s) => s.status !== "fulfilled" || s.value.exitCode !== 0).length;
      if (bad > 0) throw new Error(`${bad} of ${n} runs did not succeed`);
    };
  }
  const fds = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  const rounds = ctx.quick ? 1 : 3;
  ctx.log(`P6: ${n} runs at concurrency ${concurrency}, ${rounds} rounds`);
  const data = await interleaved(ctx, variants, rounds, async (name, fn) => {
    const before = openFdCount();
    const t0 = performance.now();
    await fn();
    const ms = performance.now() - t0;
    await sleep(20); // let pipe handles close
    fds[name].push(openFdCount() - before);
    return [ms];
  });
  const rows = rowsFrom(
    data.samples,
    BASELINE,
    (v) => ({ failure: data.failures[v], fdGrowth: fds[v] }),
    data.byRound,
  );
  const goals = rows
    .filter((r) => r.variant.startsWith("processkit"))
    .map((r) => {
      const speed = r.ratioMedian ? 1 / r.ratioMedian : undefined;
      const growth = r.fdGrowth.length ? Math.max(...r.fdGrowth) : undefined;
      return {
        case: "P6",
        goal: `${r.variant}: throughput ≥ 0.9× raw pool, no fd growth`,
        measured: `${fmtRatio(speed)} raw throughput, fd growth ${growth ?? "—"}`,
        met: speed !== undefined && growth !== undefined ? speed >= 0.9 && growth <= 0 : false,
      };
    });
  return {
    cases: [
      {
        id: "P6",
        title,
        metricLabel: "median (ms/batch)",
        baseline: "raw pool",
        rows,
        columns: [{ title: "fd growth", cell: (r) => (r.fdGrowth.length ? r.fdGrowth.join(", ") : "—") }],
        skipped: ctx.pkSkipped,
        notes: [],
      },
    ],
    goals,
  };
}
