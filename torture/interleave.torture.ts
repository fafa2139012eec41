/**
 * Part 3, random interleaving: every verb, `start()` with kill/shutdown/finish, pipelines,
 * `ProcessGroup`s and batches, with random timeouts and cancels, several in flight at once,
 * in this process as the owner. A watchdog turns a hang into a failure; an unhandled-rejection
 * trap and a survivor scan (every child carries TORTURE_RUN=<seed> in its environment) close
 * each run. The `setsid` member counts as a survivor under process groups too: the run marker
 * (on by default) finds it, even caught inside its execve.
 *
 * Pipeline stages take every shape, the "pipe holder" included (a stage whose leader exits
 * leaving a background child that holds its stdout): what it left is killed, so the chain
 * cannot hang.
 */
import { readdirSync, readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { FULL, random, SEED, trials } from "./support/level.js";
import { lib, usableMechanisms } from "./support/library.js";
import { eventually, killAll } from "./support/procs.js";
import { printTable } from "./support/table.js";

const { Command, JobRunner, ProcessGroup, outputAll, waitAll, ProcessError } = lib;
type Command = InstanceType<typeof Command>;

const MECHANISMS = await usableMechanisms();
const RUNS = trials(2_000, 150);
const IN_FLIGHT = 6;
/** Longest any action may take: its own timeouts are ≤ 3 s, teardown bounds ≤ 5 s more. */
const WATCHDOG_MS = 30_000;

const rejections: unknown[] = [];
process.on("unhandledRejection", (reason) => rejections.push(reason));

/** Command shapes: each carries the run's marker in its environment, like everything it forks. */
const SHAPES: ReadonlyArray<readonly [string, string]> = [
  ["true", "true"],
  ["false", "exit 1"],
  ["echo", "echo out; echo err >&2"],
  ["lines", "for i in 1 2 3 4 5; do echo line$i; done"],
  ["json", "echo '{\"a\":1}'"],
  ["sleep-short", "sleep 0.0$((RANDOM_DIGIT))"],
  ["sleep-long", "sleep 300"],
  ["background", "sleep 300 >/dev/null 2>&1 & echo started"],
  ["pipe-holder", "sleep 300 & echo held"],
  ["double-fork", "(sleep 300 &) ; echo forked"],
  ["setsid", "setsid sleep 301 >/dev/null 2>&1 & echo escaped"],
  ["trap-term", "trap '' TERM; echo ready; sleep 300"],
  ["yes", "yes | head -n 2000"],
];

interface Tally {
  actions: number;
  hangs: string[];
  untyped: string[];
  byKind: Map<string, number>;
}

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)] as T;
}

function command(rand: () => number, mark: string, shapes = SHAPES): Command {
  const [, script] = pick(rand, shapes);
  let cmd = new Command("sh", [
    "-c",
    script.replace("$((RANDOM_DIGIT))", String(Math.floor(rand() * 10))),
  ]).env({
    TORTURE_RUN: mark,
  });
  const r = rand();
  // Anything unbounded gets a ceiling (3 s), so only a real hang can reach the watchdog.
  cmd = cmd.timeout(r < 0.35 ? `${Math.floor(rand() * 400) + 1}ms` : "3s");
  if (r < 0.35) cmd = cmd.timeoutGrace(`${Math.floor(rand() * 200)}ms`);
  else if (r < 0.55) {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), Math.floor(rand() * 300)).unref();
    cmd = cmd.cancelOn(controller.signal);
  }
  if (rand() < 0.1) cmd = cmd.inactivityTimeout(`${Math.floor(rand() * 300) + 50}ms`);
  return cmd;
}

type Action = (rand: () => number, mark: string, runner: InstanceType<typeof JobRunner>) => Promise<unknown>;

const ACTIONS: ReadonlyArray<readonly [string, Action]> = [
  ["output", (r, m, runner) => runner.output(command(r, m))],
  ["outputBytes", (r, m, runner) => runner.outputBytes(command(r, m))],
  ["run", (r, m, runner) => runner.run(command(r, m))],
  ["checked", (r, m, runner) => runner.checked(command(r, m))],
  ["exitCode", (r, m, runner) => runner.exitCode(command(r, m))],
  ["probe", (r, m, runner) => runner.probe(command(r, m))],
  ["firstLine", (r, m, runner) => runner.firstLine(command(r, m))],
  ["json", (r, m, runner) => runner.json(command(r, m))],
  ["parse", (r, m, runner) => runner.parse(command(r, m), (s) => s.length)],
  [
    "start",
    async (r, m, runner) => {
      const proc = await runner.start(command(r, m));
      const how = r();
      if (how < 0.3) await proc.kill();
      else if (how < 0.6) await proc.shutdown({ grace: `${Math.floor(r() * 300)}ms` });
      else if (how < 0.8) proc.signal(pick(r, ["SIGTERM", "SIGINT", "SIGHUP"] as const));
      return proc.finish();
    },
  ],
  [
    "pipeline",
    (r, m) => {
      const stages = 2 + Math.floor(r() * 2);
      let pipeline = command(r, m).pipe(command(r, m));
      for (let i = 2; i < stages; i++) pipeline = pipeline.pipe(command(r, m));
      return pick(r, [() => pipeline.output(), () => pipeline.run(), () => pipeline.exitCode()] as const)();
    },
  ],
  [
    "group",
    async (r, m, runner) => {
      const mechanism = runner.mechanism;
      const group = await ProcessGroup.create(mechanism === undefined ? {} : { mechanism });
      try {
        const runs = Array.from({ length: 1 + Math.floor(r() * 3) }, () =>
          group.output(command(r, m)).catch((e) => e),
        );
        if (r() < 0.5) await new Promise((resolve) => setTimeout(resolve, Math.floor(r() * 100)));
        const how = r();
        if (how < 0.4) await group.shutdown({ grace: `${Math.floor(r() * 200)}ms` });
        else if (how < 0.7) await group.kill();
        await Promise.all(runs);
      } finally {
        await group.close();
      }
    },
  ],
  [
    "batch",
    async (r, m, runner) => {
      const commands = Array.from({ length: 1 + Math.floor(r() * 4) }, () => command(r, m));
      if (r() < 0.5) return outputAll(commands, { concurrency: 1 + Math.floor(r() * 3), runner });
      const procs = await Promise.all(commands.map((c) => runner.start(c)));
      return waitAll(procs);
    },
  ],
];

/** "ok", the error it failed with, or "hang" when it did not settle within `withinMs`. */
async function watched(action: Promise<unknown>, withinMs: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const watchdog = new Promise<"hang">((resolve) => {
    timer = setTimeout(() => resolve("hang"), withinMs);
  });
  try {
    return await Promise.race([
      action.then(
        () => "ok",
        (error: unknown) => error,
      ),
      watchdog,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Live processes carrying the run's marker (argv or environment), with their argv. */
function marked(mark: string): Array<{ pid: number; argv: string }> {
  const found: Array<{ pid: number; argv: string }> = [];
  for (const name of readdirSync("/proc")) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      if (!readFileSync(`/proc/${pid}/environ`, "latin1").includes(`TORTURE_RUN=${mark}\0`)) continue;
      const state = readFileSync(`/proc/${pid}/stat`, "latin1").split(") ")[1]?.[0];
      if (state === "Z" || state === "X") continue;
      found.push({ pid, argv: readFileSync(`/proc/${pid}/cmdline`, "latin1").replaceAll("\0", " ").trim() });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

const rows: Array<Array<string | number>> = [];
afterAll(() => {
  printTable(
    `random interleaving (${FULL ? "full" : "reduced"} run, ${IN_FLIGHT} in flight)`,
    [
      "mechanism",
      "seed",
      "actions",
      "hangs",
      "untyped errors",
      "unhandled rejections",
      "survivors",
      "setsid left",
    ],
    rows,
  );
});

describe("the checks themselves (positive controls)", () => {
  it("the watchdog reports an action that never settles; the scan sees a live marked process", async () => {
    expect(await watched(new Promise(() => {}), 50)).toBe("hang");
    expect(await watched(Promise.reject(new TypeError("x")), 1_000)).toBeInstanceOf(TypeError);
    const mark = `control-${process.pid}`;
    const proc = await new Command("sleep", ["30"]).env({ TORTURE_RUN: mark }).start();
    try {
      expect(marked(mark).map((p) => p.pid)).toEqual([proc.pid]);
    } finally {
      await proc.kill();
    }
    expect(marked(mark)).toEqual([]);
  });
});

describe.each(MECHANISMS)("random interleaving under %s", (mechanism) => {
  it("no hang, no untyped error, no unhandled rejection, no survivor", async () => {
    const seed = (SEED + (mechanism === "cgroup-v2" ? 0 : 1)) >>> 0;
    const rand = random(seed);
    const mark = `${seed}`;
    const runner = new JobRunner({ mechanism });
    await runner.ready();
    const tally: Tally = { actions: 0, hangs: [], untyped: [], byKind: new Map() };
    const rejectionsBefore = rejections.length;
    let next = 0;
    const worker = async () => {
      while (next < RUNS) {
        const index = next++;
        const [kind, action] = pick(rand, ACTIONS);
        tally.byKind.set(kind, (tally.byKind.get(kind) ?? 0) + 1);
        // Each action gets its own generator from the seed and its index: replayable alone.
        const own = random((seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
        const outcome = await watched(action(own, mark, runner), WATCHDOG_MS);
        tally.actions++;
        if (outcome === "hang") tally.hangs.push(`#${index} ${kind}`);
        else if (outcome !== "ok" && !(outcome instanceof ProcessError))
          tally.untyped.push(`#${index} ${kind}: ${String(outcome)}`);
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    // Everything settled: nothing of the run may be alive (teardown is synchronous + a kernel moment).
    await eventually(() => marked(mark).length === 0, 5_000);
    const left = marked(mark);
    const setsid = left.filter((p) => p.argv.includes("sleep 301"));
    const survivors = left;
    killAll(left.map((p) => p.pid));
    const unhandled = rejections.length - rejectionsBefore;
    rows.push([
      mechanism,
      seed,
      tally.actions,
      tally.hangs.length,
      tally.untyped.length,
      unhandled,
      survivors.length,
      setsid.length,
    ]);
    const report = {
      seed,
      hangs: tally.hangs,
      untyped: tally.untyped.slice(0, 5),
      survivors: survivors.slice(0, 5),
    };
    if (tally.hangs.length + tally.untyped.length + survivors.length + unhandled > 0)
      console.log(`interleaving failure (replay with TORTURE_SEED=${SEED}): ${JSON.stringify(report)}`);
    expect(report).toEqual({ seed, hangs: [], untyped: [], survivors: [] });
    expect(unhandled).toBe(0);
  }, 7_200_000);
});
