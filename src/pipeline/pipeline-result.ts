/**
 * Folds a chain settlement into one `ProcessResult`: stdout from the last stage; exit code,
 * stderr and program from the culprit (see pipefail.ts); `timed-out` when the chain's own
 * deadline fired. Errors that are not data (a cancel, an output limit, a failed spawn of a
 * stage) are thrown, the chain's cancel first.
 */
import { CancelledError, StdinError } from "../errors.js";
import { ProcessResult } from "../result.js";
import { culprit, isClean } from "./pipefail.js";
import type { ChainSettlement } from "./pipeline-run.js";

export function chainResult<T>(
  s: ChainSettlement,
  program: string,
  stdout: T,
  lastTruncated: boolean,
): ProcessResult<T> {
  if (s.cancelled) throw new CancelledError(program, s.cancelled.reason);
  const failed = s.stages.find((stage) => !stage.ok && !(stage.error instanceof StdinError));
  if (failed !== undefined && !failed.ok) throw failed.error;
  const results = s.stages.map((stage) => (stage.ok ? stage.result : undefined));
  const last = results[results.length - 1];
  if (last === undefined) {
    // Only a stdin failure of a stage is left: surface it.
    const stdin = s.stages.find((stage) => !stage.ok);
    throw stdin !== undefined && !stdin.ok ? stdin.error : new Error("pipeline settled without a last stage");
  }
  const truncated = lastTruncated || results.some((r) => r?.truncated === true);
  if (s.timedOut) {
    return new ProcessResult<T>({
      program: last.program,
      args: last.args,
      stdout,
      stderr: last.stderr,
      outcome: { kind: "timed-out" },
      durationMs: s.durationMs,
      truncated,
      okCodes: last.okCodes,
    });
  }
  const verdicts = results.map((r, i) => ({
    outcome: r?.outcome ?? { kind: "exited" as const, code: 0 },
    okCodes: r?.okCodes ?? [0],
    unchecked: s.unchecked[i] === true,
    victim: s.victims[i] === true,
    consumerExitedFirst:
      i < results.length - 1 && (s.exitOrder[i + 1] as number) < (s.exitOrder[i] as number),
  }));
  const blamed = culprit(verdicts);
  const speaker = blamed === undefined ? last : (results[blamed] ?? last);
  let okCodes = speaker.okCodes;
  // Only unchecked stages failed: the chain succeeds with the last stage's real code.
  if (
    blamed === undefined &&
    !isClean(last.outcome, last.okCodes) &&
    last.outcome.kind === "exited" &&
    s.unchecked[results.length - 1]
  ) {
    okCodes = [...okCodes, last.outcome.code];
  }
  const result = new ProcessResult<T>({
    program: speaker.program,
    args: speaker.args,
    stdout,
    stderr: speaker.stderr,
    outcome: speaker.outcome,
    durationMs: s.durationMs,
    truncated,
    okCodes,
    timeoutMs: speaker.timeoutMs,
  });
  // Input that did not fully reach the first stage makes a success suspect (as for one command).
  const stdinFailure = s.stages.find((stage) => !stage.ok);
  if (stdinFailure !== undefined && !stdinFailure.ok && result.isSuccess) throw stdinFailure.error;
  return result;
}
