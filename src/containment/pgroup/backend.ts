/**
 * Process-group containment: every leader starts as the leader of a new session and process
 * group (`detached: true` → setsid), so `kill(-pgid)` reaches the leader and every ordinary
 * descendant. Documented hole: a descendant that calls setsid()/setpgid() leaves the group
 * and escapes teardown. The cgroup v2 backend has no such hole.
 *
 * Every live pgid is registered with the owner (exit sweep + sentinels) before its leader may
 * run the target (the launch gate), so even an owner that is SIGKILLed at any moment takes
 * its groups down with it.
 *
 * The setsid hole is narrowed by the run marker (run-marker.ts): every child carries its
 * container's token in its environment, and `kill()` also SIGKILLs processes newer than the
 * container's first leader that left the group but kept the token (escapees.ts).
 */
import type { SpawnOptions } from "node:child_process";
import type { Container, ContainerStats, ContainmentBackend, Placement, SpawnPlan } from "../container.js";
import { launcherPlan } from "../launcher.js";
import { owner } from "../owner/registry.js";
import { pollUntil } from "../poll.js";
import { isPidAlive, liveMembersOfGroups } from "../proc.js";
import { procUsable } from "../proc-usable.js";
import { killMarked, type Since, sinceOf } from "./escapees.js";
import { markedEnvironment, markerAllowedByEnv, markerVariable, newContainerToken } from "./run-marker.js";

export class ProcessGroupContainer implements Container {
  readonly mechanism = "process-group" as const;
  private readonly pgids = new Set<number>();
  /** This container's marker token and those of the containers it is nested in (empty: marker off). */
  private readonly tokens: readonly string[];
  /** The oldest leader adopted here or below: the lower bound of the escapee scan. */
  private since: Since | undefined;
  /** Escapees signalled by the last kill and maybe not dead yet: waitEmpty waits for them too. */
  private dying: number[] = [];
  /** A scan found everything marked since the last adopt: another one now would find nothing new. */
  private swept = false;
  /** The leader being spawned got the ledger fd from `placement()` and registers its group itself. */
  private selfRegistering = false;

  get membershipKnown(): boolean {
    return procUsable();
  }

  constructor(
    private readonly parent: ProcessGroupContainer | undefined,
    marker = true,
  ) {
    const token = marker ? [newContainerToken()] : [];
    this.tokens = [...(parent?.tokens ?? []), ...token];
  }

  /**
   * The guards exist before the leader does; the leader is a gated launcher (gate.ts), so it
   * runs the target only once `adopt()` registered its group.
   */
  plan(file: string, args: readonly string[], options: SpawnOptions): SpawnPlan {
    owner.guard();
    this.selfRegistering = false;
    const marked =
      this.tokens.length === 0
        ? options
        : { ...options, env: markedEnvironment(options.env ?? process.env, this.tokens) };
    return launcherPlan({ gate: true }, file, args, { ...marked, detached: true });
  }

  environmentAdditions(env: NodeJS.ProcessEnv): Readonly<Record<string, string>> | undefined {
    return this.tokens.length === 0 ? undefined : markerVariable(env, this.tokens);
  }

  placement(): Placement {
    owner.guard(); // the native path: guards before the leader too
    // setsid, as detached: true does for Node's spawn; the child writes its group to the ledger
    // before exec (the native path's counterpart of the launcher's gate).
    const ledgerFd = owner.ledgerFd();
    this.selfRegistering = ledgerFd !== undefined;
    return ledgerFd === undefined ? { kind: "new-session" } : { kind: "new-session", ledgerFd };
  }

  adopt(pid: number): void {
    this.track(pid);
    owner.registerGroup(pid, this.selfRegistering);
    this.selfRegistering = false;
    if (this.tokens.length > 0) {
      const since = sinceOf(pid);
      if (since !== undefined) this.noteLeader(since);
    }
  }

  private noteLeader(since: Since): void {
    this.swept = false;
    if (this.since === undefined || since.startTime < this.since.startTime) this.since = since;
    this.parent?.noteLeader(since);
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
    this.killEscapees();
  }

  /** SIGKILLs what left our groups but kept our token (once per batch of leaders: see `swept`). */
  private killEscapees(): void {
    const token = this.tokens[this.tokens.length - 1];
    if (token === undefined || this.since === undefined || this.swept) return;
    this.swept = true;
    this.dying = killMarked(token, this.since);
  }

  waitEmpty(withinMs: number): Promise<boolean> {
    return pollUntil(() => this.isEmpty() && this.escapeesGone(), withinMs);
  }

  private escapeesGone(): boolean {
    if (this.dying.length > 0) this.dying = this.dying.filter(isPidAlive);
    return this.dying.length === 0;
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
    return new ProcessGroupContainer(this, this.tokens.length > 0);
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

  /** @param runMarker false: no marker, escapees are not looked for (undefined: PROCESSKIT_RUN_MARKER decides). */
  constructor(private readonly runMarker: boolean | undefined = undefined) {}

  createContainer(): Container {
    return new ProcessGroupContainer(undefined, this.runMarker ?? markerAllowedByEnv());
  }
}
