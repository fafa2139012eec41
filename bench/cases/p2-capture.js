/**
 * P2: capture 1 GiB of stdout as bytes. Every run is a fresh Node process (bench/worker.js)
 * so peak RSS is that variant's alone and a crash is a row in the table, not the end of the
 * harness. Variants are interleaved in random order per round.
 */
import { runInChild } from "../lib/child.js";
import { rowsFrom } from "../lib/harness.js";
import { fmtBytes, fmtRate, fmtRatio, GiB, MiB, median, shuffled } from "../lib/stats.js";
import { PEERS } from "../lib/variants.js";

export async function p2(ctx) {
  const bytes = ctx.quick ? 64 * MiB : GiB;
  const rounds = ctx.quick ? 1 : 3;
  const task = { kind: "capture", file: "head", args: ["-c", String(bytes), "/dev/zero"] };
  const names = ["raw", ...PEERS, ...Object.keys(ctx.pkRunners).map((m) => `processkit (${m})`)];
  const runs = Object.fromEntries(names.map((n) => [n, []]));
  ctx.log(`P2: ${fmtBytes(bytes)} capture, ${rounds} rounds, one fresh process per run`);
  for (let round = 0; round < rounds; round++) {
    for (const name of shuffled(names, ctx.random)) {
      const mechanism = /^processkit \((.+)\)$/.exec(name)?.[1];
      const r = await runInChild({ ...task, variant: name, mechanism }, { timeoutMs: 120_000 });
      runs[name].push(r);
      ctx.log(
        `  ${name}: ${r.ok ? `${r.result.elapsedMs.toFixed(0)} ms, got ${fmtBytes(r.result.value.bytes)}, peak ${fmtBytes(r.result.maxRss)}` : r.failure}`,
      );
    }
  }

  const samples = {};
  const info = {};
  for (const [name, list] of Object.entries(runs)) {
    const okRuns = list.filter((r) => r.ok);
    const complete = okRuns.filter((r) => r.result.value.bytes === bytes);
    // A truncating peer keeps its timings (flagged below); its throughput counts what it returned.
    samples[name] = okRuns.map((r) => r.result.elapsedMs);
    const got = okRuns.map((r) => r.result.value.bytes);
    const failed = list.filter((r) => !r.ok);
    let failure;
    if (failed.length > 0) failure = `${failed.length}/${list.length} runs failed: ${failed[0].failure}`;
    else if (complete.length < okRuns.length)
      failure = `silently truncated: resolved with ${fmtBytes(Math.min(...got))} of ${fmtBytes(bytes)} (no error)`;
    info[name] = {
      failure,
      peakRss: median(list.map((r) => r.result?.maxRss ?? r.polledPeakRss).filter((v) => v !== undefined)),
      startRss: median(okRuns.map((r) => r.result.startRss)),
      received: got.length ? Math.min(...got) : undefined,
    };
  }
  // Every variant ran once per round, in round order: run i belongs to round i.
  const byRound = Object.fromEntries(
    Object.entries(runs).map(([n, list]) => [n, list.map((r) => (r.ok ? [r.result.elapsedMs] : []))]),
  );
  const rows = rowsFrom(samples, "raw", (v) => info[v], byRound);
  for (const r of rows) {
    r.complete = r.received === bytes;
    r.throughput = r.stats.median ? (r.received ?? bytes) / (r.stats.median / 1000) : undefined;
  }

  const c = {
    id: "P2",
    title: `capture ${fmtBytes(bytes)} of stdout as bytes (\`head -c ${bytes} /dev/zero\`)`,
    metricLabel: "median (ms/run)",
    baseline: "raw",
    bytes,
    rows,
    columns: [
      { title: "throughput", cell: (r) => fmtRate(r.throughput) },
      { title: "peak RSS", cell: (r) => fmtBytes(r.peakRss) },
      { title: "peak RSS ÷ output", cell: (r) => (r.peakRss ? `${(r.peakRss / bytes).toFixed(2)}` : "—") },
    ],
    skipped: ctx.pkSkipped,
    notes: [
      "raw keeps Buffer chunks and `Buffer.concat`s them; execa gets `encoding: 'buffer'`, `maxBuffer: 4 GiB`; tinyexec and nano-spawn have no bytes mode and are called as documented (string stdout).",
      "A peer that truncates keeps its timing; its throughput counts only the bytes it returned.",
      "Peak RSS is the worker's `process.resourceUsage().maxRSS` (or its polled VmHWM if it crashed); it includes Node itself (~45 MiB).",
    ],
  };
  const goals = [];
  const execa = rows.find((r) => r.variant === "execa");
  for (const r of rows) {
    if (!r.variant.startsWith("processkit")) continue;
    const speed = execa?.complete && r.complete && r.throughput ? r.throughput / execa.throughput : undefined;
    const rssRatio = r.peakRss ? r.peakRss / bytes : undefined;
    goals.push({
      case: "P2",
      goal: `${r.variant}: throughput ≥ 1.3× execa 9, peak RSS ≤ 1.1× output`,
      measured: `${fmtRatio(speed)} execa (${fmtRate(r.throughput)} vs ${fmtRate(execa?.throughput)}), RSS ${rssRatio?.toFixed(2) ?? "—"}× output`,
      met: speed !== undefined && rssRatio !== undefined ? speed >= 1.3 && rssRatio <= 1.1 : false,
    });
  }
  return { cases: [c], goals };
}
