/**
 * P7: peak RSS for 1 GiB of output under a 1 MiB drop-oldest limit. Fresh process per run.
 * The baseline is a raw spawn that reads and discards everything (the floor: Node + pipe).
 */
import { runInChild } from "../lib/child.js";
import { rowsFrom } from "../lib/harness.js";
import { fmtBytes, GiB, MiB, median, shuffled } from "../lib/stats.js";

const BASELINE = "raw (read and discard)";

export async function p7(ctx) {
  const bytes = ctx.quick ? 64 * MiB : GiB;
  const limitBytes = MiB;
  const rounds = ctx.quick ? 1 : 3;
  const task = { kind: "tail", file: "head", args: ["-c", String(bytes), "/dev/zero"], limitBytes };
  const variants = { [BASELINE]: undefined };
  for (const m of Object.keys(ctx.pkRunners)) variants[`processkit (${m}) drop-oldest 1 MiB`] = m;
  const runs = Object.fromEntries(Object.keys(variants).map((n) => [n, []]));
  ctx.log(`P7: ${fmtBytes(bytes)} under a 1 MiB drop-oldest limit, ${rounds} rounds`);
  for (let round = 0; round < rounds; round++) {
    for (const name of shuffled(Object.keys(variants), ctx.random)) {
      const r = await runInChild({ ...task, mechanism: variants[name] }, { timeoutMs: 120_000 });
      runs[name].push(r);
      ctx.log(`  ${name}: ${r.ok ? `peak ${fmtBytes(r.result.maxRss)}` : r.failure}`);
    }
  }
  const samples = {};
  const info = {};
  for (const [name, list] of Object.entries(runs)) {
    const okRuns = list.filter((r) => r.ok);
    samples[name] = okRuns.map((r) => r.result.elapsedMs);
    const failed = list.filter((r) => !r.ok);
    const kept = okRuns.map((r) => r.result.value.kept);
    const wrong = name !== BASELINE && kept.some((k) => k !== limitBytes);
    info[name] = {
      failure:
        failed.length > 0
          ? `${failed.length}/${list.length} runs failed: ${failed[0].failure}`
          : wrong
            ? `kept ${kept.join(", ")} bytes instead of ${limitBytes}`
            : undefined,
      peakRss: median(list.map((r) => r.result?.maxRss ?? r.polledPeakRss).filter((v) => v !== undefined)),
      growth: median(okRuns.map((r) => r.result.maxRss - r.result.startRss)),
    };
  }
  // Every variant ran once per round, in round order: run i belongs to round i.
  const byRound = Object.fromEntries(
    Object.entries(runs).map(([n, list]) => [n, list.map((r) => (r.ok ? [r.result.elapsedMs] : []))]),
  );
  const rows = rowsFrom(samples, BASELINE, (v) => info[v], byRound);
  const base = rows.find((r) => r.variant === BASELINE);
  const c = {
    id: "P7",
    title: `peak RSS for ${fmtBytes(bytes)} of output under a 1 MiB drop-oldest limit`,
    metricLabel: "median (ms/run)",
    baseline: "raw",
    rows,
    columns: [
      { title: "peak RSS", cell: (r) => fmtBytes(r.peakRss) },
      { title: "growth during run", cell: (r) => fmtBytes(r.growth) },
      {
        title: "peak − raw floor",
        cell: (r) => (r.peakRss && base?.peakRss ? fmtBytes(r.peakRss - base.peakRss) : "—"),
      },
    ],
    skipped: ctx.pkSkipped,
    notes: [
      "growth = worker maxRSS at the end − RSS just before the run; processkit uses `outputLimit({ maxBytes: 1 MiB, onOverflow: 'drop-oldest' })` + `outputBytes()`.",
      "Peers have no keep-the-last-N-bytes option (execa's maxBuffer fails the run), so only the raw floor is shown.",
    ],
  };
  // Judged on the RSS above a raw drain of the same output: a plain read-and-discard loop
  // already grows by tens of MiB (Node's pipe chunks waiting for GC), which no library controls.
  const goals = rows
    .filter((r) => r.variant.startsWith("processkit"))
    .map((r) => {
      const extra = r.peakRss && base?.peakRss ? r.peakRss - base.peakRss : undefined;
      return {
        case: "P7",
        goal: `${r.variant}: RSS growth ≤ 32 MiB (judged as peak − raw-drain peak)`,
        measured: `+${fmtBytes(extra)} over the raw drain (peak ${fmtBytes(r.peakRss)}; own growth during the run ${fmtBytes(r.growth)}, raw drain's ${fmtBytes(base?.growth)})`,
        met: extra !== undefined && r.failure === undefined ? extra <= 32 * MiB : false,
      };
    });
  return { cases: [c], goals };
}
