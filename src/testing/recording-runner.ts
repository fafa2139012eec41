/**
 * `RecordingRunner`: wraps another runner and records every invocation before passing it on,
 * so a test can assert exactly what would have been spawned. Env *values* are never recorded.
 */
import type { Command } from "../command/command.js";
import { SPEC } from "../command/spec.js";
import { describe } from "../command/validate.js";
import { InvalidInputError } from "../errors.js";
import type { RunningProcess } from "../process/running-process.js";
import type { ProcessResult } from "../result.js";
import { BaseRunner } from "../runner/base-runner.js";
import { defaultRunner } from "../runner/job-runner.js";
import type { ProcessRunner } from "../runner/runner.js";

export interface Invocation {
  /** The primitive that was called: derived verbs (`run`, `json` …) call `output`; `firstLine` calls `start`. */
  readonly verb: "output" | "outputBytes" | "start";
  readonly program: string;
  readonly args: readonly string[];
  readonly cwd: string | undefined;
  /** Names of the variables the command sets with `env()` (values are never recorded). */
  readonly envNames: readonly string[];
  /** Names the command removes (`envRemove`, or `env({ NAME: undefined })`). */
  readonly envRemoved: readonly string[];
  /** True when the command feeds stdin (data, a file, a stream, `keepStdinOpen()` or "inherit"); false when closed or ignored. */
  readonly hasStdin: boolean;
  /** The command itself. */
  readonly command: Command;
}

export class RecordingRunner extends BaseRunner {
  private readonly recorded: Invocation[] = [];
  private readonly inner: ProcessRunner;

  /** Records, then delegates to `inner` (default: the shared `JobRunner`, i.e. real processes). */
  constructor(inner: ProcessRunner = defaultRunner()) {
    super();
    if (typeof inner !== "object" || inner === null || typeof inner.output !== "function") {
      throw new InvalidInputError("inner", `RecordingRunner: expected a runner, got ${describe(inner)}`);
    }
    this.inner = inner;
  }

  /** Every invocation so far, oldest first (a copy). */
  get calls(): readonly Invocation[] {
    return [...this.recorded];
  }

  /** The single invocation; throws when there were none or several (listing them). */
  onlyCall(): Invocation {
    if (this.recorded.length === 1) return this.recorded[0] as Invocation;
    const listed = this.recorded.map((c) => c.command.toString()).join(" | ");
    throw new Error(
      `RecordingRunner: expected exactly one call, got ${this.recorded.length}${listed ? `: ${listed.length > 300 ? `${listed.slice(0, 299)}…` : listed}` : ""}`,
    );
  }

  /** Forgets the recorded invocations. */
  clear(): void {
    this.recorded.length = 0;
  }

  output(command: Command): Promise<ProcessResult<string>> {
    this.record("output", command);
    return this.inner.output(command);
  }

  outputBytes(command: Command): Promise<ProcessResult<Uint8Array>> {
    this.record("outputBytes", command);
    return this.inner.outputBytes(command);
  }

  start(command: Command): Promise<RunningProcess> {
    this.record("start", command);
    return this.inner.start(command);
  }

  private record(verb: Invocation["verb"], command: Command): void {
    const spec = command[SPEC];
    const envNames: string[] = [];
    const envRemoved: string[] = [];
    for (const [name, value] of spec.envOverrides) (value === undefined ? envRemoved : envNames).push(name);
    this.recorded.push(
      Object.freeze({
        verb,
        program: spec.program,
        args: spec.args,
        cwd: spec.cwd,
        envNames: Object.freeze(envNames),
        envRemoved: Object.freeze(envRemoved),
        hasStdin: spec.stdin.kind !== "closed" && spec.stdin.kind !== "ignore",
        command,
      }),
    );
  }
}
