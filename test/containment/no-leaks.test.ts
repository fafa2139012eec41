/**
 * No leaks: no owner cgroup (`processkit-<pid>-…`) outlives its owner process, and no
 * owner-death sentinel outlives its owner. Other test files run in parallel forks with live
 * owners of their own, so only leftovers whose owner is gone count — and a sentinel that is
 * still cleaning up after an owner that just died gets a generous bound to finish.
 *
 * It is correct whenever it runs, in any order with the other files: every owner it judges is
 * already dead.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmdirSync } from "node:fs";
import { basename } from "node:path";
import { describe, expect, it } from "vitest";
import { locateCgroup } from "../../src/containment/cgroup/locate.js";
import { isAlive } from "../helpers/procs.js";
import { eventually, stat, track } from "./support.js";

const BOUND_MS = 20_000;
/** The sentinel's script starts with this line (see src/containment/owner/sentinel.ts). */
const SENTINEL_SIGNATURE = "trap '' INT HUP TERM QUIT PIPE USR1 USR2";

/** Owner cgroups whose owner process is dead (gone or a zombie). */
function orphanedOwnerCgroups(): string[] {
  const located = locateCgroup();
  if (!located.ok) return [];
  let names: string[];
  try {
    names = readdirSync(located.path);
  } catch {
    return [];
  }
  return names
    .map((name) => ({ name, match: /^processkit-(\d+)-\d+-[0-9a-f]+$/.exec(name) }))
    .filter(({ match }) => match !== null && !isAlive(Number(match[1])))
    .map(({ name }) => `${located.path}/${name}`);
}

function isNode(pid: number): boolean {
  try {
    return basename(readlinkSync(`/proc/${pid}/exe`)).startsWith("node");
  } catch {
    return false;
  }
}

/** Live sentinels whose parent (the owner that spawned them) is no longer a live Node process. */
function orphanedSentinels(): number[] {
  const found: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, "latin1");
    } catch {
      continue;
    }
    if (!cmdline.startsWith("/bin/sh\0-c\0") || !cmdline.includes(SENTINEL_SIGNATURE)) continue;
    const s = stat(pid);
    if (s === undefined || !isAlive(pid)) continue;
    if (s.ppid <= 1 || !isAlive(s.ppid) || !isNode(s.ppid)) found.push(pid);
  }
  return found;
}

describe("the leak checks themselves (positive controls)", () => {
  it.runIf(locateCgroup().ok)("see an owner cgroup whose owner is dead", async () => {
    const located = locateCgroup();
    if (!located.ok) return;
    const gone = spawn("true");
    await once(gone, "exit"); // reaped by Node: the pid is free
    const fake = `${located.path}/processkit-${gone.pid}-0-000000`;
    mkdirSync(fake);
    try {
      expect(orphanedOwnerCgroups()).toContain(fake);
    } finally {
      rmdirSync(fake);
    }
  });

  it("see a sentinel whose owner is gone", async () => {
    // An intermediate shell starts a sentinel look-alike and exits: the look-alike is orphaned.
    const script = `${SENTINEL_SIGNATURE}\nwhile :; do sleep 1; done`;
    const starter = spawn("/bin/sh", ["-c", '/bin/sh -c "$0" & echo $!', script], {
      stdio: ["ignore", "pipe", "ignore"],
    });
    let out = "";
    starter.stdout.on("data", (c: Buffer) => {
      out += c.toString();
    });
    await once(starter, "exit");
    const pid = Number(out.trim());
    track(pid);
    expect(pid).toBeGreaterThan(0);
    expect(await eventually(() => orphanedSentinels().includes(pid))).toBe(true);
    process.kill(pid, "SIGKILL");
    expect(await eventually(() => !orphanedSentinels().includes(pid))).toBe(true);
  });
});

describe("after the suite", () => {
  // Other files run in parallel: an owner may die between two looks, and its sentinel then
  // needs its moment. So each leftover seen is judged on its own, with the full bound.
  it("no owner cgroup outlives its owner process", async () => {
    const seen = orphanedOwnerCgroups();
    await eventually(() => seen.every((dir) => !existsSync(dir)), BOUND_MS);
    expect(seen.filter((dir) => existsSync(dir))).toEqual([]);
  });

  it("no owner-death sentinel outlives its owner", async () => {
    const seen = orphanedSentinels();
    await eventually(() => seen.every((pid) => !isAlive(pid)), BOUND_MS);
    expect(seen.filter(isAlive)).toEqual([]);
  });

  it("the sentinel signature this check relies on is the real one", () => {
    const source = readFileSync(new URL("../../src/containment/owner/sentinel.ts", import.meta.url), "utf8");
    expect(source).toContain(SENTINEL_SIGNATURE);
  });
});
