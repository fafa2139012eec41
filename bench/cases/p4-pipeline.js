/**
 * P4 (hook): a 3-stage pipeline `cat file | tr a-z A-Z | wc -l` as a processkit `Pipeline`
 * against the same line given to `sh -c`. It switches itself on when `Command.prototype.pipe`
 * exists (API.md §7); until then the case reports "not available yet".
 */
import { interleaved, rowsFrom } from "../lib/harness.js";
import { fmtBytes, fmtRate, fmtRatio, MiB } from "../lib/stats.js";
import { rawCapture } from "../lib/variants.js";
import { writeLinesFile } from "./p3-lines.js";

const BASELINE = "sh -c";

export function p4Available(pk) {
  return typeof pk.Command?.prototype?.pipe === "function";
}

export async function p4(ctx) {
  const pk = ctx.pk;
  const title = "3-stage pipeline `cat file | tr a-z A-Z | wc -l` vs `sh -c`";
  if (!p4Available(pk)) {
    ctx.log("P4: not available yet (no Command.prototype.pipe)");
    return {
      cases: [{ id: "P4", title, unavailable: "`Command.prototype.pipe` does not exist yet" }],
      goals: [],
    };
  }
  const lines = ctx.quick ? 150_000 : 1_500_000;
  const bytes = ctx.quick ? 10 * MiB : 100 * MiB;
  const fixture = await ctx.fixture(`lines-${lines}-${bytes}.txt`, (path) =>
    writeLinesFile(path, lines, bytes),
  );
  const expected = String(lines);
  const build = () =>
    new pk.Command("cat", [fixture])
      .pipe(new pk.Command("tr", ["a-z", "A-Z"]))
      .pipe(new pk.Command("wc", ["-l"]));
  const variants = {
    [BASELINE]: async () => {
      const r = await rawCapture("sh", ["-c", `cat '${fixture}' | tr a-z A-Z | wc -l`]);
      return r.stdout.toString().trim();
    },
    "processkit pipeline": async () => (await build().output()).stdout.trim(),
  };
  const rounds = ctx.quick ? 2 : 5;
  ctx.log(`P4: ${fmtBytes(bytes)} through 3 stages, ${rounds} rounds`);
  const wrong = {};
  const data = await interleaved(ctx, variants, rounds, async (name, fn) => {
    const t0 = performance.now();
    const got = await fn();
    const ms = performance.now() - t0;
    if (got !== expected) wrong[name] = `printed ${JSON.stringify(got).slice(0, 40)}, expected ${expected}`;
    return [ms];
  });
  const rows = rowsFrom(
    data.samples,
    BASELINE,
    (v) => ({ failure: data.failures[v] ?? wrong[v] }),
    data.byRound,
  );
  for (const r of rows) r.throughput = r.stats.median ? bytes / (r.stats.median / 1000) : undefined;
  const base = rows.find((r) => r.variant === BASELINE);
  const goals = rows
    .filter((r) => r.variant.startsWith("processkit"))
    .map((r) => {
      const x = r.throughput && base?.throughput ? r.throughput / base.throughput : undefined;
      return {
        case: "P4",
        goal: "pipeline throughput ≥ 0.9× `sh -c`",
        measured: `${fmtRatio(x)} (${fmtRate(r.throughput)} vs ${fmtRate(base?.throughput)})`,
        met: x !== undefined && r.failure === undefined ? x >= 0.9 : false,
      };
    });
  return {
    cases: [
      {
        id: "P4",
        title,
        metricLabel: "median (ms/run)",
        baseline: "sh -c",
        rows,
        columns: [{ title: "throughput", cell: (r) => fmtRate(r.throughput) }],
        notes: ["processkit uses `a.pipe(b).pipe(c).output()` with the default runner."],
      },
    ],
    goals,
  };
}
