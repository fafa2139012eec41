/**
 * What a stage that is not the last may not ask for: its stdout is the kernel pipe into the
 * next stage, so none of it passes through JavaScript — a `stdoutTo()` target or a
 * `captureAll()` there would silently receive nothing. Refused when the stage stops being the
 * last one (`pipe()`), before anything is spawned.
 */
import type { Command } from "../command/command.js";
import { SPEC } from "../command/spec.js";
import { InvalidInputError } from "../errors.js";

export function checkInnerStage(stage: Command): void {
  const spec = stage[SPEC];
  const what = spec.stdoutTarget !== undefined ? "stdoutTo()" : spec.captureAll ? "captureAll()" : undefined;
  if (what === undefined) return;
  throw new InvalidInputError(
    "pipe",
    `pipe: ${spec.program} feeds the next stage through a kernel pipe, so its ${what} would receive nothing; use it on the last stage`,
    spec.program,
  );
}
