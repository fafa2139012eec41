/**
 * P4 (hook): 3-stage pipelines as a processkit `Pipeline` against the same line given to
 * `sh -c`: the issue's `head -c 1G /dev/zero | cat | cat` (last stage to /dev/null on both
 * sides, so the pipes are what is measured, not a capture), and a line-oriented
 * `cat file | tr a-z A-Z | wc -l`. It switches itself on when `Command.prototype.pipe` exists
 * (API.md §7); until then the case reports "not available yet".
 */
import { spawn } from "node:child_process";
import { runInChild } from "../lib/child.js";
import { interleaved, rowsFrom } from "../lib/harness.js";
import { fmtBytes, fmtRate, fmtRatio, MiB } from "../lib/stats.js";
import { rawCapture } from "../lib/variants.js";
import { writeLinesFile } from "./p3-lines.js";

const BASELINE = "sh -c";

export function p4Available(pk) {
  return typeof pk.Command?.prototype?.pipe === "function";
}

/** Sets each row's throughput and judges processkit's against `sh -c` (goal ≥ `want`×, default 0.9). */
function throughputGoals(rows, bytes, id, goal, want = 0.9) {
  for (const r of rows) r.throughput = r.stats.median ? bytes / (r.stats.median / 1000) : undefined;
  const base = rows.find((r) => r.variant === BASELINE);
  return rows
    .filter((r) => r.variant.startsWith("processkit"))
    .map((r) => {
      const x = r.throughput && base?.throughput ? r.throughput / base.throughput : undefined;
      return {
        case: id,
        goal,
        measured: `${fmtRatio(x)} (${fmtRate(r.throughput)} vs ${fmtRate(base?.throughput)})`,
        met: x !== undefined && r.failure === undefined ? x >= want : false,
      };
    });
}

/** A case table of time and throughput rows against `sh -c`. */
function throughputCase(id, title, rows, notes) {
  return {
    id,
    title,
    metricLabel: "median (ms/run)",
    baseline: BASELINE,
    rows,
    columns: [{ title: "throughput", cell: (r) => fmtRate(r.throughput) }],
    notes,
  };
}

/** Times every variant (interleaved rounds) and turns a wrong answer (`check` → message) into a failed row. */
async function checkedRows(ctx, variants, rounds, check) {
  const wrong = {};
  const data = await interleaved(ctx, variants, rounds, async (name, fn) => {
    const t0 = performance.now();
    let got = await fn();
    let ms = performance.now() - t0;
    // A run in a fresh process (runInChild) reports its own time, without the process start.
    if (got?.inChild !== undefined) {
      ms = got.inChild.elapsedMs;
      got = got.inChild.value;
    }
    const problem = check(got);
    if (problem !== undefined) wrong[name] = problem;
    return [ms];
  });
  return rowsFrom(data.samples, BASELINE, (v) => ({ failure: data.failures[v] ?? wrong[v] }), data.byRound);
}

/** One P4-stream reader in a fresh process (bench/worker.js): `{ inChild: { elapsedMs, value } }`. */
async function inChild(variant, bytes) {
  const got = await runInChild({ kind: "stream", variant, bytes });
  if (!got.ok) throw new Error(got.failure);
  return { inChild: got.result };
}

/** The shape: 1 GiB of zeros through two `cat`s, the last one writing to /dev/null. */
async function zeros(ctx) {
  const pk = ctx.pk;
  const bytes = ctx.quick ? 128 * MiB : 1024 * MiB;
  const title = `3-stage pipeline \`head -c ${fmtBytes(bytes)} /dev/zero | cat | cat\` vs \`sh -c\``;
  const variants = {
    [BASELINE]: () =>
      new Promise((resolve, reject) => {
        const child = spawn("sh", ["-c", `head -c ${bytes} /dev/zero | cat | cat`], { stdio: "ignore" });
        child.once("error", reject);
        child.once("close", (code) => (code === 0 ? resolve() : reject(new Error(`sh exited ${code}`))));
      }),
    "processkit pipeline": async () => {
      const code = await new pk.Command("head", ["-c", String(bytes), "/dev/zero"])
        .pipe(new pk.Command("cat"))
        .pipe(new pk.Command("cat").stdout("ignore"))
        .exitCode();
      if (code !== 0) throw new Error(`pipeline exited ${code}`);
    },
  };
  const rounds = ctx.quick ? 2 : 5;
  ctx.log(`P4: ${fmtBytes(bytes)} of zeros through 3 stages, ${rounds} rounds`);
  const data = await interleaved(ctx, variants, rounds, async (_name, fn) => {
    const t0 = performance.now();
    await fn();
    return [performance.now() - t0];
  });
  const rows = rowsFrom(data.samples, BASELINE, (v) => ({ failure: data.failures[v] }), data.byRound);
  const goals = throughputGoals(rows, bytes, "P4-zeros", "1 GiB through 3 stages ≥ 0.9× `sh -c` throughput");
  return {
    case: throughputCase("P4-zeros", title, rows, [
      'processkit: `head.pipe(cat).pipe(cat.stdout("ignore")).exitCode()`; sh -c with stdio ignored.',
    ]),
    goals,
  };
}

/**
 * The streaming count row (issue 15): the same 3 stages, the last one's stdout read in JS
 * through `readable()` and counted, against `sh -c '… | wc -c'` counting in the kernel's
 * pipeline. Every run's byte count is checked.
 */
async function streamingCount(ctx) {
  const pk = ctx.pk;
  const bytes = ctx.quick ? 128 * MiB : 1024 * MiB;
  const title = `3-stage pipeline \`head -c ${fmtBytes(bytes)} /dev/zero | cat | cat\`, counted: \`readable()\` vs \`| wc -c\``;
  const build = () =>
    new pk.Command("head", ["-c", String(bytes), "/dev/zero"])
      .pipe(new pk.Command("cat"))
      .pipe(new pk.Command("cat"));
  if (typeof pk.Pipeline?.prototype?.start !== "function") {
    return { case: { id: "P4-stream", title, unavailable: "no Pipeline.start()" }, goals: [] };
  }
  const variants = {
    [BASELINE]: async () => {
      const r = await rawCapture("sh", ["-c", `head -c ${bytes} /dev/zero | cat | cat | wc -c`]);
      return Number(r.stdout.toString().trim());
    },
    // The ceiling for any JS reader: a raw spawn of the same shell line, counted by for await.
    "raw spawn, for await": async () => {
      const child = spawn("sh", ["-c", `head -c ${bytes} /dev/zero | cat | cat`], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      let n = 0;
      for await (const chunk of child.stdout) n += chunk.length;
      return n;
    },
    // The same two readers, each run in a fresh Node process that loaded nothing else. In
    // this process (peers and earlier cases loaded) V8 ran a full mark-compact every ~70 ms
    // during such a read (FINDINGS §8), which halves any JS reader's throughput here.
    "raw spawn, for await (fresh process)": () => inChild("raw", bytes),
    "processkit readable() (fresh process)": () => inChild("processkit", bytes),
    "processkit readable()": async () => {
      const proc = await build().start();
      if (typeof proc.readable !== "function")
        throw new Error("PipelineProcess has no readable() in this build");
      let n = 0;
      for await (const chunk of proc.readable()) n += chunk.length;
      return n;
    },
  };
  const rounds = ctx.quick ? 2 : 5;
  ctx.log(`P4: ${fmtBytes(bytes)} through 3 stages, counted, ${rounds} rounds`);
  const rows = await checkedRows(ctx, variants, rounds, (got) =>
    got === bytes ? undefined : `counted ${got} bytes, expected ${bytes}`,
  );
  const goals = throughputGoals(
    rows,
    bytes,
    "P4-stream",
    "`a.pipe(b).pipe(c).readable()` counted in JS ≥ 0.95× `sh -c '… | wc -c'` (issue 15)",
    0.95,
  );
  return {
    case: throughputCase("P4-stream", title, rows, [
      "processkit: `for await (const chunk of pipeline.start().readable()) n += chunk.length`; `raw spawn, for await` is the same shell line spawned by Node and counted the same way (the ceiling for a JS reader on this host).",
      "`(fresh process)`: the same reader in a new Node process that loads nothing else (bench/worker.js; after an untimed 16 MiB pass, its own time, without the process start). In the harness process V8's full GCs halve every JS reader (FINDINGS §8).",
    ]),
    goals,
  };
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
  const rows = await checkedRows(ctx, variants, rounds, (got) =>
    got === expected ? undefined : `printed ${JSON.stringify(got).slice(0, 40)}, expected ${expected}`,
  );
  const goals = throughputGoals(rows, bytes, "P4", "pipeline throughput ≥ 0.9× `sh -c`");
  const first = await zeros(ctx);
  const streaming = await streamingCount(ctx);
  return {
    cases: [
      first.case,
      streaming.case,
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
    goals: [...first.goals, ...streaming.goals, ...goals],
  };
}
