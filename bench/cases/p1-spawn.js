/**
 * P1: spawn → resolve of `/bin/true`, sequential and 8 in parallel. In-process, interleaved:
 * each round runs every variant's batch of samples in a fresh random order.
 */
import { interleaved, rowsFrom } from "../lib/harness.js";
import { fmtRatio } from "../lib/stats.js";
import { captureVariants } from "../lib/variants.js";

const FILE = "/bin/true";

export async function p1(ctx) {
  const variants = captureVariants(ctx.peers, ctx.pkRunners, FILE, [], "text");
  const q = ctx.quick;
  const warmup = q ? 5 : 30;
  for (const [name, fn] of Object.entries(variants)) {
    try {
      for (let i = 0; i < warmup; i++) await fn();
    } catch (error) {
      ctx.log(`  warm-up of ${name} failed: ${error}`);
    }
  }

  const seqRounds = q ? 3 : 30;
  const seqRuns = q ? 10 : 12;
  ctx.log(`P1 sequential: ${seqRounds} rounds × ${seqRuns} runs per variant`);
  const seq = await interleaved(ctx, variants, seqRounds, async (_name, fn) => {
    const out = [];
    for (let i = 0; i < seqRuns; i++) {
      const t0 = performance.now();
      await fn();
      out.push(performance.now() - t0);
    }
    return out;
  });

  const parRounds = q ? 3 : 25;
  const parBatches = q ? 4 : 5;
  const width = 8;
  ctx.log(`P1 parallel: ${parRounds} rounds × ${parBatches} batches of ${width} per variant`);
  const par = await interleaved(ctx, variants, parRounds, async (_name, fn) => {
    const out = [];
    for (let i = 0; i < parBatches; i++) {
      const t0 = performance.now();
      await Promise.all(Array.from({ length: width }, () => fn()));
      out.push(performance.now() - t0);
    }
    return out;
  });

  const build = (id, title, metricLabel, data) => ({
    id,
    title,
    metricLabel,
    baseline: "raw",
    rows: rowsFrom(data.samples, "raw", (v) => ({ failure: data.failures[v] }), data.byRound),
    skipped: ctx.pkSkipped,
    notes: [],
  });
  const cases = [
    build("P1-seq", "spawn → resolve of `/bin/true`, sequential", "median (ms/run)", seq),
    build("P1-par8", "spawn → resolve of `/bin/true`, 8 in parallel", "median (ms/batch of 8)", par),
  ];
  cases[0].notes.push(
    "raw = `child_process.spawn` + Buffer-chunk capture resolved on `close`; processkit uses `runner.output(cmd)`; peers use their default call.",
  );
  const goals = [];
  for (const c of cases) {
    for (const r of c.rows) {
      if (!r.variant.startsWith("processkit")) continue;
      const met = r.ratioMedian !== undefined && r.ratioMedian <= 1.1 && r.ratioP90 <= 1.3;
      goals.push({
        case: c.id,
        goal: `${r.variant}: median ≤ 1.10× raw, p90 ≤ 1.3× raw`,
        measured: `${fmtRatio(r.ratioMedian)} / ${fmtRatio(r.ratioP90)}`,
        met: r.stats.n === 0 ? false : met,
      });
    }
  }
  return { cases, goals };
}
