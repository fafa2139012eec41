/**
 * The engine behind `processkit all`: every command in its own `ProcessGroup` (its own
 * container), restarted up to `restartTries` times when it fails, its leftovers killed after
 * every run. Stopping goes through the groups (`shutdown` with a grace, `kill` at once), which
 * use the library's one stop driver.
 */
import type { Command, ProcessGroup, ProcessResult, RunningProcess } from "../index.js";
import { statusOfOutcome } from "./exit-codes.js";
import { statusOfError } from "./failure.js";
import { describeOutcome } from "./outcome-text.js";
import type { StopSignal } from "./signals.js";

export interface Member {
  readonly name: string;
  readonly index: number;
  readonly command: Command;
  readonly group: ProcessGroup;
  /** Called with each run's pid as it starts (the relay's `--prefix pid`). */
  readonly onStart: (pid: number | undefined) => void;
}

export type MemberStatus = "succeeded" | "failed" | "stopped" | "not-started";

export interface MemberReport {
  readonly member: Member;
  readonly status: MemberStatus;
  /** Exit status as the CLI reports it (the code, 128+N, 124, 126/127 …); undefined when never started. */
  readonly exit: number | undefined;
  readonly result: ProcessResult<string> | undefined;
  readonly error: unknown;
  readonly restarts: number;
  /** Ended on its own (not stopped by processkit). */
  readonly ownEnd: boolean;
  /** Order in which it ended (0 = first). */
  readonly order: number;
}

export interface AllRunOptions {
  readonly restartTries: number;
  readonly restartAfterMs: number;
  /** A command ended (after its restarts): the ending policy decides whether the rest stop. */
  readonly onEnd: (report: MemberReport) => void;
  readonly onRestart: (member: Member, result: string, restart: number, delayMs: number) => void;
}

export class AllRun {
  private stopPlan: { signal: StopSignal | "SIGTERM"; graceMs: number; delivered: boolean } | undefined;
  private readonly live = new Map<Member, RunningProcess>();
  private wake: () => void = () => {};
  private readonly woken = new Promise<void>((resolve) => {
    this.wake = resolve;
  });
  private ended = 0;

  constructor(
    private readonly members: readonly Member[],
    private readonly options: AllRunOptions,
  ) {}

  get stopping(): boolean {
    return this.stopPlan !== undefined;
  }

  /** Runs every member to its end; resolves with one report each, in member order. */
  run(): Promise<MemberReport[]> {
    return Promise.all(this.members.map((member) => this.runMember(member)));
  }

  /**
   * Starts nothing more; `signal` to every tree, SIGKILL after `graceMs`.
   * @param delivered the kernel already delivered `signal` to our foreground process group (a
   *   terminal's Ctrl-C): members that share it (cgroup v2 keeps children in our group; process
   *   groups give each a session of its own) are not sent a second copy, only the grace.
   */
  stop(signal: StopSignal | "SIGTERM", graceMs: number, delivered = false): void {
    if (this.stopPlan !== undefined) return;
    this.stopPlan = { signal, graceMs, delivered };
    this.wake();
    for (const member of this.live.keys()) this.stopMember(member);
  }

  /** Starts nothing more; SIGKILL every tree now. */
  kill(): void {
    this.stopPlan = { signal: "SIGTERM", graceMs: 0, delivered: false };
    this.wake();
    for (const member of this.members) void member.group.kill().catch(() => {});
  }

  private stopMember(member: Member): void {
    const plan = this.stopPlan;
    if (plan === undefined) return;
    const sharesOurGroup = member.group.mechanism === "cgroup-v2";
    const signal = plan.delivered && sharesOurGroup ? null : plan.signal;
    const stopping =
      plan.graceMs > 0 ? member.group.shutdown({ signal, grace: plan.graceMs }) : member.group.kill();
    void stopping.catch(() => {}); // the group was closed meanwhile: nothing left to stop
  }

  private async runMember(member: Member): Promise<MemberReport> {
    let result: ProcessResult<string> | undefined;
    let error: unknown;
    let restarts = 0;
    let started = false;
    for (;;) {
      if (this.stopping) break;
      result = undefined;
      error = undefined;
      try {
        const proc = await member.group.start(member.command);
        started = true;
        this.live.set(member, proc);
        member.onStart(proc.pid);
        // A stop that began while this one was being spawned reaches it too.
        if (this.stopping) this.stopMember(member);
        result = await proc.output();
      } catch (failure) {
        error = failure;
      } finally {
        this.live.delete(member);
      }
      // What this run left behind in the group dies with it, before any restart.
      await member.group.kill().catch(() => {});
      const ok = result?.isSuccess === true;
      if (ok || this.stopping || restarts >= this.options.restartTries) break;
      restarts++;
      const why = result === undefined ? "could not start" : describeOutcome(result.outcome);
      this.options.onRestart(member, why, restarts, this.options.restartAfterMs);
      await this.pause(this.options.restartAfterMs);
    }
    const exit =
      result !== undefined
        ? statusOfOutcome(result.outcome)
        : error !== undefined
          ? statusOfError(error)
          : undefined;
    const stoppedByUs = this.stopping && result !== undefined && !result.isSuccess;
    const status: MemberStatus =
      !started && error === undefined
        ? "not-started"
        : exit === 0
          ? "succeeded"
          : stoppedByUs
            ? "stopped"
            : "failed";
    const report: MemberReport = {
      member,
      status,
      exit,
      result,
      error,
      restarts,
      ownEnd: status === "succeeded" || status === "failed",
      order: this.ended++,
    };
    this.options.onEnd(report);
    return report;
  }

  /** Waits `ms`, or less when a stop begins. */
  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      void this.woken.then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
