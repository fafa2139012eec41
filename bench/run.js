/**
 * processkit benchmark harness: `npm run bench` (builds first).
 *
 *   BENCH_QUICK=1        smoke mode: small sizes, few rounds (~1 min)
 *   BENCH_CASES=P1,P5    run only these cases
 *   BENCH_SEED=1234      reproduce a run's interleaving
 *   BENCH_OUT=path.json  where to write results (default: bench/results.json for a full
 *                        run of every case, a temp file otherwise)
 *
 * Prints Markdown tables on stdout (progress on stderr) and writes the results as JSON.
 * Not part of `npm test`: nothing here asserts on wall-clock time.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { p1 } from "./cases/p1-spawn.js";
import { p2 } from "./cases/p2-capture.js";
import { p3 } from "./cases/p3-lines.js";
import { p4 } from "./cases/p4-pipeline.js";
import { p5 } from "./cases/p5-teardown.js";
import { p6 } from "./cases/p6-batch.js";
import { p7 } from "./cases/p7-tail.js";
import { p8 } from "./cases/p8-native.js";
import { freezeCase, renderCase, renderGoals } from "./lib/harness.js";
import { createRandom } from "./lib/stats.js";
import { loadPeers, loadProcesskit, MECHANISMS, processkitRunner } from "./lib/variants.js";
import { renderMeta } from "./report.js";

const CASES = { P1: p1, P2: p2, P3: p3, P4: p4, P5: p5, P6: p6, P7: p7, P8: p8 };

function log(message) {
  process.stderr.write(`${message}\n`);
}

function versionOf(name) {
  try {
    const url = new URL(`../node_modules/${name}/package.json`, import.meta.url);
    return JSON.parse(readFileSync(url, "utf8")).version;
  } catch {
    return undefined;
  }
}

function gitCommit() {
  try {
    return execFileSync("git", ["rev-parse", "HEAD"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return undefined;
  }
}

async function main() {
  const started = performance.now();
  const quick = process.env.BENCH_QUICK === "1" || process.env.BENCH_QUICK === "true";
  const seed = Number(process.env.BENCH_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const selected = (process.env.BENCH_CASES ?? Object.keys(CASES).join(","))
    .split(",")
    .map((s) => s.trim().toUpperCase())
    .filter((s) => s.length > 0);
  for (const id of selected)
    if (!(id in CASES)) throw new Error(`unknown case ${id} (known: ${Object.keys(CASES)})`);
  const full = !quick && selected.length === Object.keys(CASES).length;
  const out =
    process.env.BENCH_OUT ??
    (full
      ? fileURLToPath(new URL("./results.json", import.meta.url))
      : join(os.tmpdir(), `processkit-bench-${quick ? "quick" : "partial"}-${process.pid}.json`));

  const pk = await loadProcesskit();
  const pkRunners = {};
  const pkSkipped = [];
  for (const mechanism of MECHANISMS) {
    const got = await processkitRunner(mechanism);
    if (got.runner !== undefined) pkRunners[mechanism] = got;
    else {
      pkSkipped.push({ variant: `processkit (${mechanism})`, reason: got.reason });
      log(`skipping processkit (${mechanism}): ${got.reason}`);
    }
  }

  const fixtureDir = mkdtempSync(join(os.tmpdir(), "processkit-bench-"));
  const cleanup = () => rmSync(fixtureDir, { recursive: true, force: true });
  process.once("exit", cleanup);
  for (const sig of ["SIGINT", "SIGTERM"]) process.once(sig, () => process.exit(130));
  const made = new Map();
  const ctx = {
    quick,
    verbose: process.env.BENCH_VERBOSE === "1",
    random: createRandom(seed),
    log,
    pk,
    peers: await loadPeers(),
    pkRunners,
    pkSkipped,
    /** A file in the run's temp dir, made once by `make(path)`. */
    fixture: async (name, make) => {
      const path = join(fixtureDir, name);
      if (!made.has(name)) made.set(name, existsSync(path) ? Promise.resolve() : make(path));
      await made.get(name);
      return path;
    },
  };

  const loadBefore = os.loadavg();
  log(`processkit bench: ${quick ? "QUICK " : ""}cases ${selected.join(", ")}, seed ${seed}`);
  const cases = [];
  const goals = [];
  for (const id of selected) {
    const t0 = performance.now();
    const got = await CASES[id](ctx);
    for (const c of got.cases) freezeCase(c);
    cases.push(...got.cases);
    goals.push(...got.goals);
    for (const c of got.cases) process.stdout.write(`${renderCase(c)}\n`);
    log(`${id} took ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }

  const meta = {
    date: new Date().toISOString(),
    quick,
    seed,
    cases: selected,
    node: process.versions.node,
    platform: process.platform,
    kernel: os.release(),
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model?.trim() ?? "unknown CPU",
    totalMem: os.totalmem(),
    commit: gitCommit(),
    versions: Object.fromEntries(
      ["processkit", "execa", "tinyexec", "nano-spawn", "tree-kill"].map((n) => [
        n,
        n === "processkit"
          ? JSON.parse(readFileSync(new URL("../package.json", import.meta.url))).version
          : versionOf(n),
      ]),
    ),
    mechanisms: Object.keys(pkRunners),
    skipped: pkSkipped,
    durationMs: performance.now() - started,
    // Other work on the machine skews absolute numbers; ratios of interleaved runs less so.
    loadavg: { before: loadBefore, after: os.loadavg() },
  };
  const results = { meta, cases, goals };
  writeFileSync(out, `${JSON.stringify(results, null, 1)}\n`);
  process.stdout.write(`\n### Goals (issue #8)\n\n${renderGoals(goals)}\n\n${renderMeta(meta)}\n`);
  log(`results written to ${out} (${(meta.durationMs / 1000).toFixed(0)} s)`);
}

main().then(
  () => process.exit(0),
  (error) => {
    log(error?.stack ?? String(error));
    process.exit(1);
  },
);
