/** Shared machinery for the cases: interleaved rounds, rows with ratios, Markdown rendering. */

import { fmtMs, fmtRatio, markdownTable, median, ratio, shuffled, summarize } from "./stats.js";
import { firstLine } from "./variants.js";

/**
 * Runs `measure(name, fn)` for every variant, `rounds` times, in a fresh random order each
 * round. `measure` returns an array of samples (ms). A variant that throws is reported and
 * dropped from later rounds; it never stops the case.
 */
export async function interleaved(ctx, variants, rounds, measure) {
  const samples = Object.fromEntries(Object.keys(variants).map((n) => [n, []]));
  const byRound = Object.fromEntries(Object.keys(variants).map((n) => [n, []]));
  const failures = {};
  for (let round = 0; round < rounds; round++) {
    for (const name of shuffled(Object.keys(variants), ctx.random)) {
      if (failures[name] !== undefined) continue;
      try {
        const got = await measure(name, variants[name], round);
        samples[name].push(...got);
        byRound[name][round] = got;
      } catch (error) {
        failures[name] = firstLine(error);
        ctx.log(`  ${name}: failed: ${failures[name]}`);
      }
    }
    if ((round + 1) % Math.ceil(rounds / 5) === 0 || round + 1 === rounds)
      ctx.log(`  round ${round + 1}/${rounds} done`);
  }
  return { samples, failures, byRound };
}

/**
 * The paired ratio: for every round in which both ran, (variant's median in that round) ÷
 * (baseline's median in that round), then the median of those. Runs of one round are close
 * in time, so this cancels slow swings in machine load that pooled medians absorb unevenly.
 */
export function pairedRatio(byRound, variant, baseline) {
  const mine = byRound?.[variant];
  const theirs = byRound?.[baseline];
  if (mine === undefined || theirs === undefined) return undefined;
  const ratios = [];
  for (let r = 0; r < mine.length; r++) {
    const a = median(mine[r] ?? []);
    const b = median(theirs[r] ?? []);
    if (a !== undefined && b !== undefined && b > 0) ratios.push(a / b);
  }
  return median(ratios);
}

/** Builds result rows with median/p90, their ratios to the baseline variant, and the paired ratio. */
export function rowsFrom(samples, baseline, extra = () => ({}), byRound = undefined) {
  const base = summarize(samples[baseline] ?? []);
  return Object.entries(samples).map(([variant, values]) => {
    const stats = summarize(values);
    return {
      variant,
      stats,
      ratioMedian: ratio(stats.median, base.median),
      ratioP90: ratio(stats.p90, base.p90),
      ratioPaired: pairedRatio(byRound, variant, baseline),
      samples: values.map((v) => Math.round(v * 1000) / 1000),
      ...extra(variant, values),
    };
  });
}

/**
 * Turns a case's column functions into plain data (`columns: [{ title }]`, `row.cells`), so
 * the case can be written as JSON and rendered again later by bench/report.js.
 */
export function freezeCase(c) {
  if (c.columns === undefined || c.rows === undefined) return c;
  for (const r of c.rows) r.cells = c.columns.map((col) => (col.cell ? col.cell(r) : undefined) ?? "—");
  c.columns = c.columns.map((col) => ({ title: col.title }));
  return c;
}

/** Renders one case as Markdown: the table, then skipped variants and notes. */
export function renderCase(c) {
  const out = [`### ${c.id} — ${c.title}`, ""];
  if (c.unavailable !== undefined) {
    out.push(`_Not available yet: ${c.unavailable}_`, "");
    return out.join("\n");
  }
  const extraCols = c.columns ?? [];
  const header = [
    "variant",
    c.metricLabel ?? "median",
    "p90",
    `median × ${c.baseline}`,
    `p90 × ${c.baseline}`,
    "paired ×",
  ];
  header.push(...extraCols.map((col) => col.title));
  const rows = c.rows.map((r) => {
    const failed = r.failure !== undefined && r.stats.n === 0;
    const cells = [
      r.variant,
      failed ? "**failed**" : fmtMs(r.stats.median),
      failed ? "—" : fmtMs(r.stats.p90),
      failed ? "—" : fmtRatio(r.ratioMedian),
      failed ? "—" : fmtRatio(r.ratioP90),
      failed ? "—" : fmtRatio(r.ratioPaired),
    ];
    extraCols.forEach((col, i) => {
      cells.push(r.cells?.[i] ?? (col.cell ? col.cell(r) : undefined) ?? "—");
    });
    return cells;
  });
  out.push(markdownTable(header, rows), "");
  for (const r of c.rows) if (r.failure !== undefined) out.push(`- ${r.variant}: ${r.failure}`);
  for (const s of c.skipped ?? []) out.push(`- ${s.variant}: skipped — ${s.reason}`);
  for (const n of c.notes ?? []) out.push(`- ${n}`);
  if ((c.rows.some((r) => r.failure !== undefined) || c.skipped?.length || c.notes?.length) ?? false)
    out.push("");
  return out.join("\n");
}

export function renderGoals(goals) {
  const rows = goals.map((g) => [
    g.case,
    g.goal,
    g.measured,
    g.met === true ? "met" : g.met === false ? "**not met**" : "n/a",
  ]);
  return markdownTable(["case", "goal", "measured", "status"], rows);
}
