/**
 * The one graceful-stop driver: signal → a grace that ends early once the tree is empty →
 * SIGKILL → wait (up to one bound) until the kernel has finished the tree. `RunningProcess`
 * (deadlines, `shutdown()`), `ProcessGroup.shutdown()`, pipelines and the CLI all stop
 * through `stopTree`; nothing else writes this sequence.
 */

/** What can be stopped: a container, or a test double's pretend tree. */
export interface StoppableTree {
  /** Sends a signal to every live member (ESRCH ignored). */
  signal(signal: NodeJS.Signals): void;
  /** SIGKILLs every member. */
  kill(): void;
  /** Resolves true as soon as no live member is left, false if `withinMs` passed first. */
  waitEmpty(withinMs: number): Promise<boolean>;
}

/**
 * After SIGKILL, the longest we wait for the kernel to finish a tree. Only processes stuck in
 * uninterruptible sleep (D state) take longer; then the caller goes on rather than hang.
 */
export const TREE_GONE_BOUND_MS = 5_000;

export interface StopPlan {
  /**
   * The first signal (SIGKILL: no grace, kill at once). null: the tree already got it from
   * elsewhere (a terminal's Ctrl-C reaches its foreground group), so only the grace and the
   * escalation are left: a second copy would read as a second Ctrl-C ("press again to force").
   */
  readonly signal: NodeJS.Signals | null;
  /** How long the tree gets after `signal` before SIGKILL. */
  readonly graceMs: number;
  /** SIGKILL what is left after the grace (default true). */
  readonly escalate?: boolean;
}

export interface StopReport {
  /** True when the tree was empty before the grace ran out (a plain kill counts as not drained). */
  readonly drained: boolean;
  /** True when SIGKILL was sent. */
  readonly escalated: boolean;
}

/**
 * The graceful stop. The first signal is sent synchronously, before this returns its promise.
 * A grace of 0 still sends `signal` first and looks once whether that emptied the tree.
 */
export function stopTree(tree: StoppableTree, plan: StopPlan): Promise<StopReport> {
  if (plan.signal === "SIGKILL") {
    tree.kill();
    return tree.waitEmpty(TREE_GONE_BOUND_MS).then(() => ({ drained: false, escalated: true }));
  }
  if (plan.signal !== null) tree.signal(plan.signal);
  return tree.waitEmpty(Math.max(0, plan.graceMs)).then(async (drained) => {
    if (drained || plan.escalate === false) return { drained, escalated: false };
    tree.kill();
    await tree.waitEmpty(TREE_GONE_BOUND_MS);
    return { drained: false, escalated: true };
  });
}

/** SIGKILL now and wait until the tree is gone (or the bound passed). */
export function killTree(tree: StoppableTree): Promise<void> {
  tree.kill();
  return tree.waitEmpty(TREE_GONE_BOUND_MS).then(() => {});
}
