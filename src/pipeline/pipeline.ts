/**
 * `Pipeline`: `a | b | c` without a shell. An immutable description like `Command`
 * (`a.pipe(b).pipe(c)`), with the chain's own `timeout` and `cancelOn`, every verb, and
 * `start()` to stream the last stage. See pipeline-run.ts for the mechanics and pipefail.ts
 * for who speaks when a stage fails.
 */
import type { Command } from "../command/command.js";
import { type Duration, parseDeadline } from "../command/duration.js";
import { SPEC } from "../command/spec.js";
import { checkAbortSignal, describe as describeValue } from "../command/validate.js";
import type { Container } from "../containment/container.js";
import { InvalidInputError } from "../errors.js";
import { refuseIfCancelled } from "../process/start.js";
import type { ProcessResult } from "../result.js";
import { defaultRunner, type JobRunner } from "../runner/job-runner.js";
import type { ProcessGroup } from "../runner/process-group.js";
import { attachVerbs, type DerivedVerbsOf } from "../runner/verb-list.js";
import type { VerbRunner } from "../runner/verbs.js";
import { PipelineProcess } from "./pipeline-process.js";
import { PipelineRun } from "./pipeline-run.js";
import { checkInnerStage } from "./stage-checks.js";

/** Where a pipeline's shared container comes from: a `JobRunner` (private) or a `ProcessGroup`. */
interface PipelineHost {
  createContainer(): Promise<Container>;
}

interface PipelineOptions {
  readonly timeoutMs: number | undefined;
  readonly cancelSignal: AbortSignal | undefined;
  readonly host: PipelineHost | undefined;
}

// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the derived verbs are declared by the interface below and attached to the prototype from the one verb list.
export class Pipeline {
  private constructor(
    private readonly commands: readonly Command[],
    private readonly options: PipelineOptions,
  ) {}

  /** @internal Use `a.pipe(b)`. */
  static of(commands: readonly Command[]): Pipeline {
    return new Pipeline(Object.freeze([...commands]), {
      timeoutMs: undefined,
      cancelSignal: undefined,
      host: undefined,
    });
  }

  private with(patch: Partial<PipelineOptions>): Pipeline {
    return new Pipeline(this.commands, { ...this.options, ...patch });
  }

  /** The stages, first to last. */
  get stages(): readonly Command[] {
    return this.commands;
  }

  /** The last stage's program (its stdout is the pipeline's stdout). */
  get program(): string {
    return (this.commands[this.commands.length - 1] as Command).program;
  }

  pipe(next: Command | Pipeline): Pipeline {
    const more = next instanceof Pipeline ? next.commands : [checkCommand(next)];
    // The current last stage (and every stage of `next` but its last) become inner stages.
    for (const inner of [this.lastCommand(), ...more.slice(0, -1)]) checkInnerStage(inner);
    return new Pipeline(Object.freeze([...this.commands, ...more]), this.options);
  }

  /** Run the stages in a container of this runner (default: the default `JobRunner`), e.g. a `ProcessGroup`. */
  withRunner(host: JobRunner | ProcessGroup): Pipeline {
    if (typeof host !== "object" || host === null || typeof host.createContainer !== "function") {
      throw new InvalidInputError(
        "withRunner",
        "withRunner: expected a JobRunner or a ProcessGroup",
        this.program,
      );
    }
    return this.with({ host });
  }

  /** Deadline for the whole chain: every stage is killed, the outcome is `timed-out`. 0 means none. */
  timeout(d: Duration): Pipeline {
    return this.with({ timeoutMs: parseDeadline(d, "timeout", this.program) });
  }

  /** Abort → every stage is killed and the verb rejects with `CancelledError`. */
  cancelOn(signal: AbortSignal): Pipeline {
    return this.with({ cancelSignal: checkAbortSignal(signal, "cancelOn", this.program) });
  }

  // ── verbs (the same table as for one command; see runner/verbs.ts) ──

  output(): Promise<ProcessResult<string>> {
    return this.launch(true).then((p) => p.output());
  }
  outputBytes(): Promise<ProcessResult<Uint8Array>> {
    return this.launch(true).then((p) => p.outputBytes());
  }
  /** Starts the chain and returns a handle to stream the last stage's stdout. */
  start(): Promise<PipelineProcess> {
    return this.launch(false);
  }

  toString(): string {
    return this.commands.map((c) => c.toString()).join(" | ");
  }

  /** @internal */
  lastCommand(): Command {
    return this.commands[this.commands.length - 1] as Command;
  }

  /** @internal The verbs are derived from a runner's primitives; the pipeline is one, whatever command it is handed. */
  asRunner(): VerbRunner<PipelineProcess> {
    return {
      output: () => this.output(),
      outputBytes: () => this.outputBytes(),
      start: () => this.start(),
    };
  }

  private async launch(bulk: boolean): Promise<PipelineProcess> {
    const specs = this.commands.map((c) => c[SPEC]);
    // Nothing is spawned for an already-cancelled chain or stage.
    const { timeoutMs, cancelSignal, host } = this.options;
    for (const signal of [cancelSignal, ...specs.map((s) => s.cancelSignal)]) {
      refuseIfCancelled(this.program, signal);
    }
    const container = await (host ?? defaultRunner()).createContainer();
    const run = await PipelineRun.start(specs, container, { timeoutMs, cancelSignal }, bulk);
    return new PipelineProcess(run);
  }
}

// The derived verbs (run, checked, …) from the one list, on the pipeline's own primitives.
export interface Pipeline extends DerivedVerbsOf<[], PipelineProcess> {}
attachVerbs(
  Pipeline.prototype,
  (self, rest) => {
    const pipeline = self as Pipeline;
    return { runner: pipeline.asRunner(), command: pipeline.lastCommand(), rest };
  },
  { derivedOnly: true },
);

function checkCommand(value: unknown): Command {
  if (typeof value !== "object" || value === null || !(SPEC in value)) {
    throw new InvalidInputError("pipe", `pipe: expected a Command or Pipeline, got ${describeValue(value)}`);
  }
  return value as Command;
}
