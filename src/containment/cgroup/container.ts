/**
 * A cgroup v2 container: one directory under the owner cgroup (or under a parent container).
 * Kill is one write to `cgroup.kill` (the kernel kills the whole subtree, setsid escapees and
 * double forks included); "empty" is `populated 0` in `cgroup.events`.
 *
 * One gap the kernel cannot close for us: between `spawn()` returning and the launcher's
 * `cgroup.procs` write, the leader still lives in our own cgroup, where `cgroup.kill` does not
 * reach it (a kill right after `start()` would miss it, and it would then join and run).
 * So every adopted leader is also tracked by pid and signalled directly as well, until it is
 * reaped: an unreaped child's pid cannot be reused, so no start-time check (and no /proc read)
 * is needed. A parent asks its live children for theirs, so a group-wide kill right after a
 * run's start reaches that run's leader too.
 */
import type { SpawnOptions } from "node:child_process";
import { mkdirSync } from "node:fs";
import type { Container, ContainerStats, Placement, SpawnPlan } from "../container.js";
import { launcherPlan } from "../launcher.js";
import { owner } from "../owner/registry.js";
import { pollUntil } from "../poll.js";
import { isLive, readStat } from "../proc.js";
import {
  allProcs,
  cpuTimeMs,
  isFrozen,
  isPopulated,
  peakMemoryBytes,
  readControl,
  removeTree,
  writeControl,
} from "./control-files.js";

let sequence = 0;

/** Empty run cgroups kept for reuse, per backend: at most this many wait in a pool. */
const POOL_LIMIT = 32;

export class CgroupContainer implements Container {
  readonly mechanism = "cgroup-v2" as const;
  readonly membershipKnown = true;
  private released = false;
  /** Adopted leaders not yet reaped (they may not have joined the cgroup yet). */
  private readonly leaders = new Set<number>();
  /** Set when a check saw the cgroup empty with no leader left: nothing can repopulate it but a new adopt. */
  private knownEmpty = false;
  /** Unreleased nested containers (their leaders count as ours). Released ones leave, so this stays small. */
  private readonly children = new Set<CgroupContainer>();

  /** False once the cgroup carries state a later run must not inherit (a freeze, nested cgroups). */
  private reusable = true;

  /**
   * Creates the directory (synchronous mkdir on cgroupfs is ~20 µs and never blocks on I/O),
   * unless it is an empty one taken from `pool`.
   */
  constructor(
    readonly dir: string,
    private readonly parent: CgroupContainer | undefined = undefined,
    private readonly pool: string[] | undefined = undefined,
    fresh = true,
  ) {
    if (fresh) mkdirSync(dir);
  }

  static inside(parentDir: string, parent?: CgroupContainer): CgroupContainer {
    return new CgroupContainer(`${parentDir}/c${++sequence}`, parent);
  }

  /**
   * A private run's container, reusing an empty cgroup a finished run gave back. Besides mkdir
   * and rmdir, this saves the kernel's set-up of a cgroup's first task (~0.5 ms here). Only
   * private runs share the pool: they never read accounting (cpu.stat, memory.peak are
   * cumulative) nor set limits, and a cgroup goes back only empty, unfrozen, without children.
   */
  static fromPool(parentDir: string, pool: string[]): CgroupContainer {
    const reused = pool.pop();
    if (reused !== undefined) return new CgroupContainer(reused, undefined, pool, false);
    return new CgroupContainer(`${parentDir}/c${++sequence}`, undefined, pool);
  }

  plan(file: string, args: readonly string[], options: SpawnOptions): SpawnPlan {
    owner.guard(); // a sentinel that died is replaced before this leader exists
    return launcherPlan({ join: this.dir, gate: true }, file, args, options);
  }

  environmentAdditions(): undefined {
    return undefined;
  }

  placement(): Placement {
    owner.guard(); // the native path: a dead sentinel is replaced before this leader exists
    return { kind: "cgroup", dir: this.dir };
  }

  adopt(pid: number): void {
    this.leaders.add(pid);
    this.knownEmpty = false;
  }

  reaped(pid: number): void {
    this.leaders.delete(pid);
  }

  /**
   * Unreaped leaders that are not in `inside` (a listing of the cgroup): the ones only a
   * per-pid signal is sure to reach. One seen inside has joined for good and is forgotten.
   */
  private outsiders(inside: readonly number[]): number[] {
    const out: number[] = [];
    for (const pid of this.leaders) {
      if (inside.includes(pid)) this.leaders.delete(pid);
      else out.push(pid);
    }
    for (const child of this.children) out.push(...child.outsiders(inside));
    return out;
  }

  signal(signal: NodeJS.Signals): void {
    if (signal === "SIGKILL") {
      this.kill();
      return;
    }
    // Freeze so nobody forks between listing and signalling, signal each member, thaw —
    // unless the group was suspended already: a signal must not resume it.
    const wasFrozen = readControl(this.dir, "cgroup.freeze")?.trim() === "1";
    const froze = !wasFrozen && writeControl(this.dir, "cgroup.freeze", "1");
    const inside = allProcs(this.dir);
    // Outsiders are computed after the listing: a leader that joins in between is signalled once, by pid.
    for (const pid of [...inside, ...this.outsiders(inside)]) signalPid(pid, signal);
    if (froze) writeControl(this.dir, "cgroup.freeze", "0");
  }

  kill(): void {
    // Listed before the kill: a leader joining right after cgroup.kill is still caught by pid.
    const outsiders = this.outsiders([]);
    // Nothing alive inside and no leader outside: nothing to kill, and nothing can fork in.
    // Skipping the write keeps the cgroup reusable: on this kernel (6.18) a child cloned
    // with CLONE_INTO_CGROUP into a cgroup that was ever killed is SIGKILLed at birth.
    if (outsiders.length === 0 && !isPopulated(this.dir)) {
      this.knownEmpty = true;
      return;
    }
    this.reusable = false;
    if (!writeControl(this.dir, "cgroup.kill", "1")) {
      // Kernels before 5.14 have no cgroup.kill: freeze, SIGKILL each member (fatal signals wake frozen tasks).
      writeControl(this.dir, "cgroup.freeze", "1");
      for (const pid of allProcs(this.dir)) signalPid(pid, "SIGKILL");
      writeControl(this.dir, "cgroup.freeze", "0");
    }
    for (const pid of outsiders) signalPid(pid, "SIGKILL");
  }

  waitEmpty(withinMs: number): Promise<boolean> {
    // Unpopulated means nothing is inside, so any unreaped leader is one still outside (or dying).
    return pollUntil(() => {
      this.knownEmpty = !isPopulated(this.dir) && this.outsiders([]).length === 0;
      return this.knownEmpty;
    }, withinMs);
  }

  async members(): Promise<number[]> {
    const inside = allProcs(this.dir);
    return [...inside.filter((pid) => isLive(readStat(pid))), ...this.outsiders(inside)];
  }

  async stats(): Promise<ContainerStats> {
    return {
      processes: (await this.members()).length,
      cpuTimeMs: cpuTimeMs(this.dir),
      peakMemoryBytes: peakMemoryBytes(this.dir),
    };
  }

  async freeze(): Promise<void> {
    this.reusable = false;
    if (!writeControl(this.dir, "cgroup.freeze", "1")) return;
    // The freeze completes asynchronously; `frozen 1` says every member stopped.
    await pollUntil(() => isFrozen(this.dir) || !isPopulated(this.dir), 1_000);
  }

  async thaw(): Promise<void> {
    writeControl(this.dir, "cgroup.freeze", "0");
  }

  createChild(): Container {
    this.reusable = false;
    const child = CgroupContainer.inside(this.dir, this);
    this.children.add(child);
    return child;
  }

  release(options: { kill?: boolean } = {}): void {
    if (this.released) return;
    this.parent?.children.delete(this);
    // A run that settled saw its tree empty moments ago: skip the second kill and re-read.
    const empty =
      (this.knownEmpty && this.leaders.size === 0) || (!isPopulated(this.dir) && this.leaders.size === 0);
    if (!empty) {
      if (options.kill === false) return; // leftovers stay; the parent removes the tree when it goes
      this.kill();
    }
    if (empty && this.reusable && this.pool !== undefined && this.pool.length < POOL_LIMIT) {
      this.released = true;
      this.pool.push(this.dir); // removed with the owner cgroup if never taken again
      return;
    }
    if ((empty || !isPopulated(this.dir)) && removeTree(this.dir)) {
      this.released = true;
      return;
    }
    if (options.kill === false) return;
    this.released = true;
    // Killed but not yet empty (D-state stragglers): remove once the kernel is done.
    void pollUntil(() => !isPopulated(this.dir), 5_000).then(() => removeTree(this.dir));
  }
}

function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // exited meanwhile
  }
}
