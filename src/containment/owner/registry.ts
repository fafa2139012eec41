/**
 * The owner: this process (or this worker thread — module state is per thread, so each
 * event loop is its own owner). It knows every live process group and the owner cgroup, and
 * makes sure they die with it:
 * - an orderly exit (natural end, process.exit, uncaught exception) runs a synchronous
 *   `process.on("exit")` sweep;
 * - an abrupt one (a signal, SIGKILL, a terminated worker) is caught by the sentinels, which
 *   see their sockets from us close.
 *
 * The guards — exit sweep, two sentinels, scratch directory, ledger — are set up by `guard()`,
 * which every container calls before it plans a leader, so they exist before anything that
 * could outlive us. `guard()` also replaces a dead sentinel synchronously. Two sentinels,
 * because one that is killed and then the owner before the replacement (the exit event comes
 * on a later tick) would leave the owner's tree unguarded: each is enough on its own.
 *
 * The registration API for a spawn path: `guard()` before the child exists, then
 * `registerGroup(pgid)` before the child may run its target (see containment/gate.ts for the
 * /bin/sh launcher's gate); `unregisterGroup` / `forgetGroupWhenEmpty` when it is gone.
 */
import { writeFileSync } from "node:fs";
import { ownerToken } from "../pgroup/run-marker.js";
import { isPid1 } from "../pid1.js";
import { GroupLedger } from "./ledger.js";
import { writeOwnerRecord } from "./owner-record.js";
import { removeOwnerDirectories, removeScratch } from "./pid1-exit.js";
import { scheduleReclaim } from "./reclaim.js";
import { createScratch, scratchPath } from "./scratch.js";
import { Sentinel } from "./sentinel.js";
import { sweepMarkedEscapees } from "./sweep-marked.js";

const FORGET_CHECKS = [100, 1_000, 10_000];
/**
 * After those, a group that still exists (a member stuck in uninterruptible sleep, zombies
 * nobody reaped yet) is checked again this often until it is gone: a registration that
 * outlives its group would, once the kernel reuses the number, make a sentinel SIGKILL a
 * stranger's group when we die.
 */
const FORGET_RECHECK_MS = 30_000;
/** Each sentinel alone cleans up everything; the second covers the first being killed just before the owner. */
const SENTINELS = 2;

class Owner {
  private readonly groups = new Set<number>();
  private cgroupDir = "";
  private sentinels: Sentinel[] = [];
  private guarded = false;
  /** The scratch directory once made; null where the temporary directory is not writable. */
  private scratchDir: string | null = null;
  private ledger: GroupLedger | undefined;
  private recordPending = false;

  /**
   * Before every leader: the guards exist and every sentinel is alive (a dead one is replaced
   * now, not on its exit event). Cheap after the first call: one non-blocking read per sentinel.
   */
  guard(): void {
    if (!this.guarded) {
      this.setUp();
      return;
    }
    for (const sentinel of this.sentinels) sentinel.ensure();
  }

  /**
   * Called by the cgroup backend with the owner cgroup's path *before* it creates it: the
   * sentinels know the path first, so an owner killed in between leaves no directory. "" drops it.
   */
  adoptCgroup(dir: string): void {
    this.guard();
    this.cgroupDir = dir;
    for (const sentinel of this.sentinels) sentinel.setCgroup(dir);
    this.recordOwner();
  }

  /**
   * Records a group synchronously (ledger write, or a line to each sentinel): covered from the
   * next instruction on. The caller guarded just before it spawned the leader, so a dead
   * sentinel is not looked for again here (the other one covers the moment in between).
   * @param selfRegistered the leader already wrote its `+pgid` line to the ledger fd (the
   *   native path): the owner's own line would be a duplicate.
   */
  registerGroup(pgid: number, selfRegistered = false): void {
    if (!this.guarded) this.setUp();
    this.groups.add(pgid);
    if (this.ledger !== undefined) {
      if (selfRegistered) this.ledger.countSelfWritten();
      else this.ledger.add(pgid);
    } else for (const sentinel of this.sentinels) sentinel.register(pgid);
  }

  unregisterGroup(pgid: number): void {
    if (!this.groups.delete(pgid)) return;
    if (this.ledger !== undefined) this.ledger.remove(pgid);
    else for (const sentinel of this.sentinels) sentinel.unregister(pgid);
  }

  /** Unregisters a killed group once it no longer exists (soon after, then every 30 s until it is gone). */
  forgetGroupWhenEmpty(pgid: number): void {
    if (!this.groups.has(pgid)) return;
    const check = (attempt: number) => {
      if (!this.groups.has(pgid)) return; // unregistered meanwhile
      if (!groupExists(pgid)) {
        this.unregisterGroup(pgid);
        return;
      }
      const delay = FORGET_CHECKS[attempt] ?? FORGET_RECHECK_MS;
      setTimeout(() => check(attempt + 1), delay).unref();
    };
    check(0);
  }

  /** The owner's scratch directory (see scratch.ts), guarded by the sentinels from the moment it exists. */
  scratch(): string | null {
    this.guard();
    return this.scratchDir;
  }

  /**
   * The ledger's fd, for a native child that registers its own group before exec (it writes
   * "+<pid>" there; the owner's own registration after the spawn is then a duplicate the
   * sentinels ignore). Undefined where there is no ledger.
   */
  ledgerFd(): number | undefined {
    return this.ledger?.fd;
  }

  /** A native spawn that failed after its child registered itself: rewrite the ledger to the live groups. */
  dropSelfRegistered(): void {
    this.ledger?.compact();
  }

  /** The first sentinel's pid (tests, diagnostics). */
  get sentinelPid(): number | undefined {
    return this.sentinels[0]?.pid;
  }

  /** Every sentinel's pid (tests, diagnostics). */
  get sentinelPids(): number[] {
    return this.sentinels.flatMap((sentinel) => (sentinel.pid === undefined ? [] : [sentinel.pid]));
  }

  /** Live registrations (tests, diagnostics). */
  get registeredGroups(): ReadonlySet<number> {
    return this.groups;
  }

  /** Sweep, sentinels told the scratch path, then the directory and ledger: no step can leave the previous unguarded. */
  private setUp(): void {
    this.guarded = true;
    process.on("exit", () => this.sweep());
    const path = scratchPath();
    const state = () => ({
      cgroupDir: this.cgroupDir,
      scratch: path,
      pipeGroups: this.ledger === undefined ? this.groups : [],
    });
    scheduleReclaim(); // what dead owners' sentinels never got to (see reclaim.ts)
    // As PID 1 of a PID namespace no sentinel is needed (or could help): when we die, the
    // kernel kills every process of the namespace, the sentinels included.
    if (isPid1()) return; // no sentinel to read a ledger; the exit sweep knows the groups
    for (let i = 0; i < SENTINELS; i++) this.sentinels.push(new Sentinel(state));
    if (createScratch(path)) {
      this.scratchDir = path;
      this.ledger = GroupLedger.create(path, () => this.groups);
      this.recordOwner();
    }
  }

  /**
   * Says whose scratch directory this is, for a later owner if we and both sentinels are
   * killed at once (see reclaim.ts). Written once the current task is done, so a first cgroup
   * run's guard and its cgroup adoption make one write, not two.
   */
  private recordOwner(): void {
    if (this.scratchDir === null || this.recordPending) return;
    this.recordPending = true;
    queueMicrotask(() => {
      this.recordPending = false;
      if (this.scratchDir !== null) writeOwnerRecord(this.scratchDir, ownerToken(), this.cgroupDir);
    });
  }

  /**
   * Synchronous last-moment teardown on an orderly exit. It kills every group it knows (all
   * of them: a native child's own ledger line is always followed by ours in the same tick),
   * so the ledger has nothing left to tell and the scratch directory goes now, not only when
   * a sentinel gets to it: a nested owner's sentinels may never get to it, since an outer
   * run's cgroup kill takes them with us. The sentinels remove the owner cgroup after (it must
   * empty first) — except when we are PID 1 of a PID namespace: the kernel kills them with
   * the namespace as soon as we are gone, so this sweep removes it too.
   */
  private sweep(): void {
    if (this.cgroupDir !== "") {
      try {
        writeFileSync(`${this.cgroupDir}/cgroup.kill`, "1");
      } catch {
        // the cgroup is already gone
      }
    }
    for (const pgid of this.groups) {
      try {
        process.kill(-pgid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    sweepMarkedEscapees();
    if (isPid1()) removeOwnerDirectories(this.cgroupDir, this.scratchDir);
    else removeScratch(this.scratchDir);
  }
}

function groupExists(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

export const owner = new Owner();
