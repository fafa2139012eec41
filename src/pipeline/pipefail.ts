/**
 * Pipefail attribution: which stage speaks for a pipeline that did not succeed.
 *
 * - A stage is *clean* when it exited with a code in its `okCodes`.
 * - Stages marked `uncheckedInPipe()` are never blamed (the `yes | head -1` shape).
 * - *Victims* — stages still running when we tore the chain down after a failure — are
 *   never blamed: they were killed by us, not by their own fault.
 * - Among the rest, the leftmost real failure is the culprit. A *broken-pipe* failure — killed
 *   by SIGPIPE, or failing after its consumer had already exited (a producer that ignores
 *   SIGPIPE and exits 1 on EPIPE, as Python and Node programs do) — is blamed only when
 *   nothing else failed.
 * - No culprit: the last stage speaks (its stdout is the pipeline's stdout anyway).
 */
import type { Outcome } from "../result.js";

export interface StageVerdict {
  readonly outcome: Outcome;
  readonly okCodes: readonly number[];
  readonly unchecked: boolean;
  readonly victim: boolean;
  /** The next stage exited before this one did. */
  readonly consumerExitedFirst: boolean;
}

export function isClean(outcome: Outcome, okCodes: readonly number[]): boolean {
  return outcome.kind === "exited" && okCodes.includes(outcome.code);
}

/** Index of the stage to blame, or undefined when no checked stage failed. */
export function culprit(stages: readonly StageVerdict[]): number | undefined {
  let brokenPipe: number | undefined;
  for (const [i, stage] of stages.entries()) {
    if (stage.unchecked || stage.victim || isClean(stage.outcome, stage.okCodes)) continue;
    const sigpipe = stage.outcome.kind === "signalled" && stage.outcome.signal === "SIGPIPE";
    if (sigpipe || stage.consumerExitedFirst) {
      brokenPipe ??= i;
      continue;
    }
    return i;
  }
  return brokenPipe;
}
