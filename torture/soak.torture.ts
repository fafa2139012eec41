/**
 * Part 2, the soak: many sequential runs, then many at concurrency 16, per mechanism, in this
 * process as the owner. Afterwards: open fds flat (a small constant after the first run), no
 * zombie children, no cgroup directory left under the owner cgroup, nothing in the scratch
 * directory but the ledger, heap flat between the first checkpoint and the end.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FULL, SEED, trials } from "./support/level.js";
import { lib, usableMechanisms } from "./support/library.js";
import { DIST } from "./support/owners.js";
import { stat } from "./support/procs.js";
import { printTable } from "./support/table.js";

const { owner } = (await import(join(DIST, "containment/owner/registry.js"))) as {
  owner: { scratch(): string | null };
};
const { CgroupBackend } = (await import(join(DIST, "containment/cgroup/backend.js"))) as {
  CgroupBackend: { settled(): { ownerDir: string } | Error | undefined };
};

const MECHANISMS = await usableMechanisms();
const SEQUENTIAL = trials(10_000, 400);
const CONCURRENT = trials(2_000, 200);
const CHECKPOINT = Math.min(1_000, SEQUENTIAL / 4);

const fds = () => readdirSync("/proc/self/fd").length;
function zombies(): number {
  let n = 0;
  for (const name of readdirSync("/proc")) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const s = stat(pid);
    if (s?.ppid === process.pid && s.state === "Z") n++;
  }
  return n;
}
/**
 * Run cgroups under the owner cgroup: `populated` ones are leaks; empty ones may wait in the
 * reuse pool (at most POOL_LIMIT, see cgroup/container.ts), so only more than that is a leak.
 */
const POOL_LIMIT = 32;
function cgroupChildren(): { populated: number; empty: number } {
  const backend = CgroupBackend.settled();
  const out = { populated: 0, empty: 0 };
  if (backend === undefined || backend instanceof Error) return out;
  for (const entry of readdirSync(backend.ownerDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const events = readFileSync(join(backend.ownerDir, entry.name, "cgroup.events"), "utf8");
    if (events.includes("populated 1")) out.populated++;
    else out.empty++;
  }
  return out;
}
function scratchExtras(): string[] {
  const dir = owner.scratch();
  // The ledger and the owner record (src/containment/owner/owner-record.ts) belong there; a
  // literal name, since TORTURE_DIST may aim at a build from before records existed.
  return dir === null
    ? []
    : readdirSync(dir).filter((name) => !name.startsWith("groups-") && name !== "owner");
}
function heapMb(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed / 1_048_576;
}
const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync("/proc/self/status", "utf8"))?.[1] ?? 0) / 1024;

const rows: Array<Array<string | number>> = [];
afterAll(() => {
  printTable(
    `soak (${FULL ? "full" : "reduced"} run, seed ${SEED}, gc ${"gc" in globalThis ? "forced" : "not exposed"})`,
    [
      "mechanism",
      "runs",
      "fds first→end",
      "zombies",
      "cgroup dirs left",
      "scratch extras",
      "heap MB @checkpoint→end",
      "rss MB end",
    ],
    rows,
  );
});

describe.each(MECHANISMS)("soak under %s", (mechanism) => {
  it("fds, zombies, cgroup dirs, scratch and heap stay flat", async () => {
    const runner = new lib.JobRunner({ mechanism });
    const verbs = [
      () => runner.run(new lib.Command("true")),
      () => runner.output(new lib.Command("sh", ["-c", "echo out; echo err >&2"])),
      () => runner.exitCode(new lib.Command("sh", ["-c", "exit 3"])),
      () => runner.run(new lib.Command("sh", ["-c", "sleep 5 >/dev/null 2>&1 & echo a"])), // a leftover to kill
    ];
    await runner.run(new lib.Command("true"));
    const fdsFirst = fds();
    let heapCheckpoint = 0;
    for (let i = 0; i < SEQUENTIAL; i++) {
      await (verbs[i % verbs.length] as () => Promise<unknown>)();
      if (i + 1 === CHECKPOINT) heapCheckpoint = heapMb();
    }
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < CONCURRENT) {
          const i = next++;
          await (verbs[i % verbs.length] as () => Promise<unknown>)();
        }
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 200)); // exit events of the last leaders
    const result = {
      fdsEnd: fds(),
      zombies: zombies(),
      cgroupDirs: mechanism === "cgroup-v2" ? cgroupChildren() : { populated: 0, empty: 0 },
      scratch: scratchExtras(),
      heapEnd: heapMb(),
    };
    rows.push([
      mechanism,
      SEQUENTIAL + CONCURRENT,
      `${fdsFirst}→${result.fdsEnd}`,
      result.zombies,
      `${result.cgroupDirs.populated} populated, ${result.cgroupDirs.empty} pooled`,
      result.scratch.length,
      `${heapCheckpoint.toFixed(2)}→${result.heapEnd.toFixed(2)}`,
      rss().toFixed(1),
    ]);
    expect(result.fdsEnd - fdsFirst).toBeLessThanOrEqual(4);
    expect(result.zombies).toBe(0);
    expect(result.cgroupDirs.populated).toBe(0);
    expect(result.cgroupDirs.empty).toBeLessThanOrEqual(POOL_LIMIT);
    expect(result.scratch).toEqual([]);
    // Flat, with room for V8's own bookkeeping: a per-run leak of even 1 KB over 10k runs is 10 MB.
    if ("gc" in globalThis) expect(result.heapEnd - heapCheckpoint).toBeLessThan(FULL ? 4 : 8);
  }, 3_600_000);
});
