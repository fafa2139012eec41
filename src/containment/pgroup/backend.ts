/**
 * Process-group containment: every leader starts as the leader of a new session and process
 * group (`detached: true` → setsid), so `kill(-pgid)` reaches the leader and every ordinary
 * descendant. Documented hole: a descendant that calls setsid()/setpgid() leaves the group
 * and escapes teardown. The cgroup v2 backend has no such hole.
 *
 * Every live pgid is registered with the owner (exit sweep + sentinel), so even an owner that
 * is SIGKILLed takes its groups down with it.
 */
import type { SpawnOptions } from "node:child_process";
import type { Container, ContainerStats, ContainmentBackend, Placement, SpawnPlan } from "../container.js";
import { owner } from "../owner/registry.js";
import { pollUntil } from "../poll.js";
import { liveMembersOfGroups } from "../proc.js";
import { procUsable } from "../proc-usable.js";

export class ProcessGroupContainer implements Container {
  readonly mechanism = "process-group" as const;
  private readonly pgids = new Set<number>();

  get membershipKnown(): boolean {
    return procUsable();
  }

  constructor(private readonly parent: ProcessGroupContainer | undefined) {}

  plan(file: string, args: readonly string[], options: SpawnOptions): SpawnPlan {
    return { file, args, options: { ...options, detached: true } };
  }

  placement(): Placement {
    return { kind: "new-session" }; // setsid, as detached: true does for Node's spawn
  }

  adopt(pid: number): void {
    this.track(pid);
    owner.registerGroup(pid);
  }

  reaped(_pid: number): void {
    // Nothing to do: the group outlives its leader, and ESRCH tells us when it is gone.
  }

  private track(pgid: number): void {
    this.pgids.add(pgid);
    this.parent?.track(pgid);
  }

  signal(signal: NodeJS.Signals): void {
    // A group that emptied since we last looked may have had its pgid reused: drop it first.
    this.forgetEmptyGroups();
    for (const pgid of this.pgids) signalGroup(pgid, signal);
  }

  kill(): void {
    this.signal("SIGKILL");
  }

  waitEmpty(withinMs: number): Promise<boolean> {
    return pollUntil(() => this.isEmpty(), withinMs);
  }

  /** Every live process of our groups; without /proc only the groups themselves (their pgids) are known. */
  async members(): Promise<number[]> {
    this.forgetEmptyGroups();
    if (this.pgids.size === 0) return [];
    return liveMembersOfGroups(this.pgids) ?? [...this.pgids];
  }

  async stats(): Promise<ContainerStats> {
    // Process groups keep no accounting of their own: only the count is known.
    return { processes: (await this.members()).length, cpuTimeMs: undefined, peakMemoryBytes: undefined };
  }

  async freeze(): Promise<void> {
    this.signal("SIGSTOP");
  }

  async thaw(): Promise<void> {
    this.signal("SIGCONT");
  }

  createChild(): Container {
    return new ProcessGroupContainer(this);
  }

  release(options: { kill?: boolean } = {}): void {
    if (options.kill !== false) {
      this.kill();
      this.forgetEmptyGroups();
      // Groups still dying are forgotten by the owner once empty (pgids are reused).
      for (const pgid of this.pgids) {
        owner.forgetGroupWhenEmpty(pgid);
        this.parent?.untrack(pgid);
      }
    } else {
      // Leftovers stay with the parent; a group that left nothing behind is forgotten now, so
      // a long-lived parent never signals a finished run's pgid after the kernel reused it.
      this.forgetEmptyGroups();
    }
    this.pgids.clear();
  }

  private untrack(pgid: number): void {
    this.pgids.delete(pgid);
    this.parent?.untrack(pgid);
  }

  private isEmpty(): boolean {
    this.forgetEmptyGroups();
    // kill(-pgid, 0) also succeeds for zombies nobody reaped yet; /proc tells them apart.
    // Without /proc, a group that still exists (forgetEmptyGroups kept it) counts as not empty.
    return this.pgids.size === 0 || liveMembersOfGroups(this.pgids)?.length === 0;
  }

  /** A group with no process at all is gone for good; forgetting it avoids signalling a reused pgid. */
  private forgetEmptyGroups(): void {
    for (const pgid of this.pgids) {
      if (!signalGroup(pgid, 0)) {
        this.untrack(pgid);
        owner.unregisterGroup(pgid);
      }
    }
  }
}

/**
 * Signals a process group; false when it no longer exists. ESRCH is the normal answer for a
 * finished run, so the error is built without a stack trace (a third of the cost of a throw).
 */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  } finally {
    Error.stackTraceLimit = limit;
  }
}

export class ProcessGroupBackend implements ContainmentBackend {
  readonly mechanism = "process-group" as const;
  createContainer(): Container {
    return new ProcessGroupContainer(undefined);
  }
}
