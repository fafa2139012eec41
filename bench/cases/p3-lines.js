/**
 * P3: line streaming of a ~100 MiB, 1.5 M-line file (`cat file`) consumed line by line:
 * processkit `start().stdoutLines()` against `readline` on a raw spawn (the baseline) and
 * the peers' own line iterators. In-process, interleaved; every run's line count is checked.
 */
import { writeFile } from "node:fs/promises";
import { interleaved, rowsFrom } from "../lib/harness.js";
import { fmtBytes, fmtRate, fmtRatio, MiB } from "../lib/stats.js";
import { lineVariants } from "../lib/variants.js";

const BASELINE = "raw + readline";
const SPLITTER = "raw + indexOf splitter";

/** Writes `lines` ASCII lines totalling exactly `bytes` bytes (newlines included); lengths vary. */
export async function writeLinesFile(path, lines, bytes) {
  const baseLen = Math.floor(bytes / lines) - 1; // without the newline
  const lengths = new Int32Array(lines);
  let total = 0;
  for (let i = 0; i < lines; i++) {
    lengths[i] = Math.max(8, baseLen + ((i * 7) % 41) - 20);
    total += lengths[i] + 1;
  }
  // Spread the rounding remainder (either sign) one byte per line.
  let diff = bytes - total;
  for (let i = 0; diff !== 0 && i < lines; i++) {
    const step = diff > 0 ? 1 : -1;
    if (lengths[i] + step >= 8) {
      lengths[i] += step;
      diff -= step;
    }
  }
  const pattern = Buffer.from(
    "abcdefghijklmnopqrstuvwxyz0123456789 ABCDEFGHIJKLMNOPQRSTUVWXYZ-_=+/".repeat(64),
    "latin1",
  );
  const out = Buffer.allocUnsafe(bytes);
  let pos = 0;
  for (let i = 0; i < lines; i++) {
    const written = out.write(`${i}:`, pos, "latin1");
    const rest = lengths[i] - written;
    const from = (i * 13) % 64;
    pattern.copy(out, pos + written, from, from + rest);
    pos += lengths[i];
    out[pos++] = 10;
  }
  await writeFile(path, out);
  return { path, lines, bytes };
}

export async function p3(ctx) {
  const lines = ctx.quick ? 150_000 : 1_500_000;
  const bytes = ctx.quick ? 10 * MiB : 100 * MiB;
  const fixture = await ctx.fixture(`lines-${lines}-${bytes}.txt`, (path) =>
    writeLinesFile(path, lines, bytes),
  );
  const variants = lineVariants(ctx.peers, ctx.pkRunners, "cat", [fixture]);
  const rounds = ctx.quick ? 2 : 5;
  ctx.log(`P3: ${lines} lines / ${fmtBytes(bytes)}, ${rounds} rounds`);
  const miscounts = {};
  const data = await interleaved(ctx, variants, rounds, async (name, fn) => {
    const t0 = performance.now();
    const got = await fn();
    const ms = performance.now() - t0;
    if (got.lines !== lines) miscounts[name] = `${got.lines} lines instead of ${lines}`;
    return [ms];
  });
  const rows = rowsFrom(
    data.samples,
    BASELINE,
    (v) => ({
      failure: data.failures[v] ?? (miscounts[v] ? `wrong line count: ${miscounts[v]}` : undefined),
    }),
    data.byRound,
  );
  for (const r of rows) r.throughput = r.stats.median ? bytes / (r.stats.median / 1000) : undefined;
  const base = rows.find((r) => r.variant === BASELINE);
  const splitter = rows.find((r) => r.variant === SPLITTER);
  const c = {
    id: "P3",
    title: `line streaming of ${fmtBytes(bytes)} / ${(lines / 1e6).toFixed(2)} M lines (\`cat file\`)`,
    metricLabel: "median (ms/run)",
    baseline: "readline",
    rows,
    columns: [
      { title: "throughput", cell: (r) => fmtRate(r.throughput) },
      {
        title: "throughput × readline",
        cell: (r) => fmtRatio(r.throughput && base?.throughput ? r.throughput / base.throughput : undefined),
      },
      {
        title: "× indexOf splitter",
        cell: (r) =>
          fmtRatio(r.throughput && splitter?.throughput ? r.throughput / splitter.throughput : undefined),
      },
    ],
    skipped: ctx.pkSkipped,
    notes: [
      "processkit: `for await (const line of (await runner.start(cmd)).stdoutLines())`; baseline: `readline.createInterface({ input: child.stdout })`; execa with `buffer: false`; tinyexec and nano-spawn iterate their subprocess / `.stdout`.",
      "processkit batches: `for await (const batch of proc.stdoutLineBatches()) for (const line of batch)`; judged against `raw + indexOf splitter` (a raw spawn, `indexOf` on each decoded chunk, one array of lines per chunk).",
    ],
  };
  const ratio = (r, to) => (r.throughput && to?.throughput ? r.throughput / to.throughput : undefined);
  const issue15 = rows
    .filter((r) => r.variant.startsWith("processkit"))
    .map((r) => {
      const batches = r.variant.startsWith("processkit batches");
      const to = batches ? splitter : base;
      const x = ratio(r, to);
      const want = batches ? 0.9 : 1.5;
      return {
        case: "P3",
        goal: `${r.variant}: ≥ ${want}× ${batches ? "a hand-written indexOf splitter" : "readline"} (issue 15)`,
        measured: `${fmtRatio(x)} (${fmtRate(r.throughput)} vs ${fmtRate(to?.throughput)})`,
        met: x !== undefined && r.failure === undefined ? x >= want : false,
      };
    });
  const goals = rows
    .filter((r) => r.variant.startsWith("processkit") && !r.variant.startsWith("processkit batches"))
    .map((r) => {
      const x = r.throughput && base?.throughput ? r.throughput / base.throughput : undefined;
      return {
        case: "P3",
        goal: `${r.variant}: line throughput ≥ 2× readline`,
        measured: `${fmtRatio(x)} (${fmtRate(r.throughput)} vs ${fmtRate(base?.throughput)})`,
        met: x !== undefined && r.failure === undefined ? x >= 2 : false,
      };
    });
  return { cases: [c], goals: [...goals, ...issue15] };
}
