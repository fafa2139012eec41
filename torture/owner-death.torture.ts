/**
 * Part 1, the owner-death matrix: {cgroup v2, process group} × {SIGKILL, SIGTERM, uncaught
 * exception, process.exit} × kill moments {0, 1, 5, 20, 50 ms after the owner's first child —
 * the launcher — is visible in /proc} × {idle, CPU hogs} × {library, CLI owner}, plus
 * "sentinel killed, then owner" and "every sentinel killed, then a new run, then owner".
 * After each trial: no process of the tree survives (under process groups the setsid member
 * too: the run marker finds it), no scratch or cgroup directory of the owner is left.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FULL, SEED, trials } from "./support/level.js";
import { DIST, type OwnerKind, ownerArgs, removeScripts } from "./support/owners.js";
import {
  ChildWatch,
  cmdline,
  describe as describeProcess,
  eventually,
  isAlive,
  killAll,
  lastPid,
  processesWith,
  sleep,
  spinUntil,
  stat,
  stdinPeers,
} from "./support/procs.js";
import { printTable } from "./support/table.js";

type Ending = "SIGKILL" | "SIGTERM" | "throw" | "exit";
type Mechanism = "cgroup-v2" | "process-group";
const DELAYS = [0, 1, 5, 20, 50] as const;

const { locateCgroup } = (await import(join(DIST, "containment/cgroup/locate.js"))) as {
  locateCgroup(): { ok: true; path: string } | { ok: false; reason: string };
};
const { JobRunner } = (await import(join(DIST, "index.js"))) as typeof import("../src/index.js");

async function usable(mechanism: Mechanism): Promise<boolean> {
  try {
    await new JobRunner({ mechanism }).ready();
    return true;
  } catch {
    return false;
  }
}
const MECHANISMS = (["cgroup-v2", "process-group"] as const).filter(
  (m) => m !== "cgroup-v2" || locateCgroup().ok,
);
const AVAILABLE: Mechanism[] = [];
for (const m of MECHANISMS) if (await usable(m)) AVAILABLE.push(m);

interface Outcome {
  survivors: number;
  setsidSurvivors: number;
  leakedDirs: string[];
  sentinelsLeft: number;
  /** What each left sentinel was doing when judged (state, wait channel, fds, children, its stdin's peer). */
  sentinelStates?: string[];
  error?: string;
}

let counter = 0;

/** The leader through its execs: the launcher and the tree's shell carry `tok-<id>`, then it becomes `sleep 1000.<id>`. */
function leaderArgv(id: string): string[] {
  return [`\x00tok-${id}\x00`, `\x001000.${id}\x00`];
}
const failures: string[] = [];

function ownerDirs(ownerPid: number): string[] {
  const prefix = `processkit-${ownerPid}-`;
  const out: string[] = [];
  const roots = [tmpdir()];
  const located = locateCgroup();
  if (located.ok) roots.push(located.path);
  for (const root of roots) {
    try {
      for (const name of readdirSync(root)) if (name.startsWith(prefix)) out.push(join(root, name));
    } catch {
      // unreadable root: nothing of ours there
    }
  }
  return out;
}

/** Removes what a failed trial left, so the next one starts clean (cgroups: killed, emptied, depth-first). */
async function removeLeftovers(dirs: readonly string[]): Promise<void> {
  const removeCgroup = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }))
      if (entry.isDirectory()) removeCgroup(join(dir, entry.name));
    rmdirSync(dir);
  };
  for (const dir of dirs) {
    if (dir.startsWith(tmpdir())) {
      rmSync(dir, { recursive: true, force: true });
      continue;
    }
    try {
      writeFileSync(join(dir, "cgroup.kill"), "1");
    } catch {
      // gone
    }
    await eventually(() => {
      try {
        removeCgroup(dir);
        return true;
      } catch {
        return !existsSync(dir);
      }
    }, 5_000);
  }
}

const stderrOf = new WeakMap<ChildProcess, string[]>();
const startTimes = new WeakMap<ChildProcess, number>();

function startOwner(kind: OwnerKind, mechanism: Mechanism, ending: Ending, token: string): ChildProcess {
  const owner = spawn(process.execPath, ownerArgs(kind, token), {
    env: { ...process.env, PROCESSKIT_MECHANISM: mechanism, TORTURE_ENDING: ending },
    stdio: ["ignore", "ignore", "pipe"],
  });
  const chunks: string[] = [];
  stderrOf.set(owner, chunks);
  const started = stat(owner.pid as number)?.startTime;
  if (started !== undefined) startTimes.set(owner, started);
  owner.stderr?.on("data", (chunk: Buffer) => {
    if (chunks.length < 20) chunks.push(chunk.toString());
  });
  return owner;
}

/** The owner's stderr, for a trial that went wrong (the expected "throw" stack is not an error). */
function stderrText(owner: ChildProcess): string {
  return (stderrOf.get(owner) ?? []).join("").slice(-400);
}

function end(owner: ChildProcess, ending: Ending): void {
  try {
    process.kill(owner.pid as number, ending === "SIGKILL" || ending === "SIGTERM" ? ending : "SIGUSR2");
  } catch {
    // already gone
  }
}

/** After the owner is gone: wait for its sentinels, then count what is left of the trees `ids`. */
async function judge(
  owner: ChildProcess,
  exited: Promise<unknown>,
  ids: readonly string[],
): Promise<Outcome> {
  const pid = owner.pid as number;
  const gone = await Promise.race([exited.then(() => true), sleep(15_000).then(() => false)]);
  if (!gone) {
    killAll([pid]);
    await exited;
  }
  // This owner's sentinels only: another owner that had the same pid before (pids wrap at
  // 32768 on this machine) may have left one still waiting for its own cgroup.
  const sentinelMark = `processkit-${pid}-`;
  const since = startTimes.get(owner) ?? 0;
  // Snapshots while waiting: what a slow sentinel is busy with (its children show the step).
  const snapshots: string[] = [];
  const sentinelsGone = () => processesWith(sentinelMark, since).length === 0;
  for (const wait of [1_000, 4_000, 10_000]) {
    if (await eventually(sentinelsGone, wait)) break;
    snapshots.push(...processesWith(sentinelMark, since).map((p) => `${wait} ms: ${describeProcess(p)}`));
  }
  // Left means it stays. dash execs a script's last command in place: a finishing sentinel
  // becomes `rm -rf -- <scratch>` (same pid, same start time, the mark in its argv), and in the
  // middle of that exec its argv reads empty. So one scan can see nothing and the next an `rm`
  // that is gone a moment later (CI saw it: a zombie by the time it was described).
  const seenLast = processesWith(sentinelMark, since).map((p) => ({ p, start: stat(p)?.startTime }));
  const passing = seenLast.map(({ p }) => `passing: ${describeProcess(p)}`);
  if (seenLast.length > 0) await sleep(2_000);
  const sentinelsLeft = seenLast
    .filter(({ p, start }) => isAlive(p) && stat(p)?.startTime === start && cmdline(p).includes(sentinelMark))
    .map(({ p }) => p);
  // Whole argv words (NUL-terminated): id 12 must not match id 120.
  const treeOf = () =>
    ids.flatMap((id) => [...processesWith(`\x001000.${id}\x00`), ...processesWith(`\x00tok-${id}\x00`)]);
  await eventually(() => treeOf().length === 0, 2_000);
  const survivors = treeOf();
  const setsid = ids.flatMap((id) => processesWith(`\x001001.${id}\x00`));
  // A directory still being removed (a sentinel's `rm -rf` in flight) is not leaked: left means it stays.
  await eventually(() => ownerDirs(pid).length === 0, 2_000);
  const leakedDirs = ownerDirs(pid).filter((d) => existsSync(d));
  // Before the kill: what a left sentinel is doing, so the failure explains itself.
  const sentinelStates = [
    ...snapshots,
    ...passing,
    ...sentinelsLeft.map((p) => `judged: ${describeProcess(p)}; ${stdinPeers(p)}`),
  ];
  killAll([...survivors, ...setsid, ...sentinelsLeft]);
  await removeLeftovers(leakedDirs);
  return {
    survivors: survivors.length,
    setsidSurvivors: setsid.length,
    leakedDirs,
    sentinelsLeft: sentinelsLeft.length,
    ...(sentinelsLeft.length > 0 ? { sentinelStates } : {}),
    ...(gone ? {} : { error: "owner did not end" }),
  };
}

async function trial(kind: OwnerKind, mechanism: Mechanism, ending: Ending, delay: number): Promise<Outcome> {
  const id = `${process.pid}${++counter}`;
  const owner = startOwner(kind, mechanism, ending, `tok-${id}`);
  const exited = new Promise((resolve) => owner.once("exit", resolve));
  const watch = new ChildWatch(owner.pid as number);
  const seen = watch.waitFor(leaderArgv(id), 20_000);
  if (seen === undefined) {
    killAll([owner.pid as number]);
    const outcome = await judge(owner, exited, [id]);
    return { ...outcome, error: `no child appeared: ${stderrText(owner)}` };
  }
  spinUntil(seen.at, delay);
  end(owner, ending);
  return judge(owner, exited, [id]);
}

/** The tree is fully up (every member visible) and the owner's sentinels are known. */
async function treeUp(id: string, ownerPid: number): Promise<number[]> {
  await eventually(
    () => processesWith(`\x001000.${id}\x00`).length >= 3 && processesWith(`\x001001.${id}\x00`).length >= 1,
    20_000,
  );
  const since = stat(ownerPid)?.startTime ?? 0;
  await eventually(() => processesWith(`processkit-${ownerPid}-`, since).length >= 2, 5_000);
  return processesWith(`processkit-${ownerPid}-`, since);
}

/** "sentinel killed, then owner": one sentinel SIGKILLed, the owner `delay` ms later, before any respawn. */
async function sentinelTrial(mechanism: Mechanism, delay: number, all: boolean): Promise<Outcome> {
  const id = `${process.pid}${++counter}`;
  const owner = startOwner("library", mechanism, "SIGKILL", `tok-${id}`);
  const exited = new Promise((resolve) => owner.once("exit", resolve));
  const sentinels = await treeUp(id, owner.pid as number);
  if (!all) {
    const first = sentinels.slice(0, 1);
    killAll(first);
    spinUntil(process.hrtime.bigint(), delay);
    end(owner, "SIGKILL");
    return judge(owner, exited, [id]);
  }
  // Every sentinel dead (gone from /proc's point of view), then a new run: the owner must
  // replace them before that run's leader exists.
  killAll(sentinels);
  await eventually(() => sentinels.every((pid) => !isAlive(pid)), 5_000);
  // From the newest pid on: walking every pid since the owner started would miss a short-lived argv.
  const watch = new ChildWatch(owner.pid as number, lastPid() + 1);
  process.kill(owner.pid as number, "SIGUSR1");
  const seen = watch.waitFor(leaderArgv(`${id}0`), 20_000);
  if (seen !== undefined) spinUntil(seen.at, delay);
  end(owner, "SIGKILL");
  const outcome = await judge(owner, exited, [id, `${id}0`]);
  return seen === undefined ? { ...outcome, error: `no second child: ${stderrText(owner)}` } : outcome;
}

function startHogs(): ChildProcess[] {
  return [0, 1].map(() => spawn("/bin/sh", ["-c", "while :; do :; done"], { stdio: "ignore" }));
}

const rows: Array<Array<string | number>> = [];
afterAll(() => {
  removeScripts();
  printTable(
    `owner-death matrix (${FULL ? "full" : "reduced"} run, seed ${SEED})`,
    [
      "mechanism",
      "owner",
      "load",
      "ending",
      "delay ms",
      "trials",
      "surviving trees",
      "setsid left",
      "leaked dirs",
      "errors",
    ],
    rows,
  );
  if (failures.length > 0) console.log(`owner-death failures (seed ${SEED}):\n  ${failures.join("\n  ")}`);
});

/**
 * A trial that never reached its kill moment (the owner's child did not show up in time on a
 * loaded machine) proves nothing either way: it runs again, at most twice, and counts as an
 * error only when no attempt got that far. An attempt with a survivor or a leak is never retried.
 */
async function attempt(run: () => Promise<Outcome>): Promise<Outcome> {
  let outcome = await run();
  for (let retry = 0; retry < 2 && setupOnly(outcome); retry++) outcome = await run();
  return outcome;
}

function setupOnly(o: Outcome): boolean {
  return (
    o.error !== undefined &&
    o.survivors === 0 &&
    o.setsidSurvivors === 0 &&
    o.leakedDirs.length === 0 &&
    o.sentinelsLeft === 0
  );
}

/** Adds the cell's row to the table; returns its failures (also kept for the summary printed at the end). */
function record(cell: string[], outcomes: Outcome[]): string[] {
  const trees = outcomes.filter((o) => o.survivors > 0 || o.setsidSurvivors > 0).length;
  const setsid = outcomes.filter((o) => o.setsidSurvivors > 0).length;
  const leaked = outcomes.reduce((n, o) => n + o.leakedDirs.length + o.sentinelsLeft, 0);
  const errors = outcomes.filter((o) => o.error !== undefined).length;
  rows.push([...cell, outcomes.length, trees, setsid, leaked, errors]);
  const found: string[] = [];
  for (const o of outcomes) {
    if (
      o.survivors > 0 ||
      o.setsidSurvivors > 0 || // under process groups too: the run marker finds it
      o.leakedDirs.length > 0 ||
      o.sentinelsLeft > 0 ||
      o.error
    )
      found.push(`${cell.join(" ")}: ${JSON.stringify(o)}`);
  }
  failures.push(...found);
  return found;
}

/** Trial counts per cell: ≥ 300 SIGKILL trials per mechanism at 0–5 ms in a full run (25 × 3 delays × 2 owners × 2 loads). */
function count(ending: Ending, delay: number): number {
  if (ending === "SIGKILL")
    return delay <= 5 ? trials(25, Number(process.env.TORTURE_REDUCED_SIGKILL ?? 1)) : trials(5, 0);
  return trials(3, delay === 1 ? 1 : 0);
}

describe.each(AVAILABLE)("owner death under %s", (mechanism) => {
  for (const load of ["idle", "cpu hogs"] as const) {
    it(`${load}: no tree survives, no directory is left`, async () => {
      const mine: string[] = [];
      const hogs = load === "cpu hogs" ? startHogs() : [];
      try {
        for (const kind of ["library", "cli"] as const)
          for (const ending of ["SIGKILL", "SIGTERM", "throw", "exit"] as const)
            for (const delay of DELAYS) {
              const n = count(ending, delay);
              if (n === 0) continue;
              const outcomes: Outcome[] = [];
              for (let i = 0; i < n; i++)
                outcomes.push(await attempt(() => trial(kind, mechanism, ending, delay)));
              mine.push(...record([mechanism, kind, load, ending, String(delay)], outcomes));
            }
      } finally {
        killAll(hogs.map((h) => h.pid as number));
      }
      expect(mine).toEqual([]);
    }, 3_600_000);
  }

  it("a sentinel killed, then the owner; every sentinel killed, then a new run, then the owner", async () => {
    const mine: string[] = [];
    for (const all of [false, true])
      for (const delay of DELAYS) {
        const n = trials(6, delay <= 1 ? Number(process.env.TORTURE_SENTINEL_TRIALS ?? 1) : 0);
        if (n === 0) continue;
        const outcomes: Outcome[] = [];
        for (let i = 0; i < n; i++) outcomes.push(await attempt(() => sentinelTrial(mechanism, delay, all)));
        const found = record(
          [
            mechanism,
            "library",
            "idle",
            all ? "all sentinels, new run, SIGKILL" : "one sentinel, SIGKILL",
            String(delay),
          ],
          outcomes,
        );
        mine.push(...found);
      }
    expect(mine).toEqual([]);
  }, 3_600_000);
});
