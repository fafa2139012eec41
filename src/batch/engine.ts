/**
 * The batch engine behind `outputAll` and `outputStream`: runs commands through a runner with
 * at most `concurrency` in flight, in input order of start, and reports each settled run.
 *
 * Stopping (an `outputStream` consumer that breaks out, a batch `cancelSignal`) never starts
 * another command and cancels the in-flight ones through their own cancel path
 * (`Command.cancelOn`), so any runner — real or scripted — tears them down the same way, and
 * `stop()` resolves only once they are gone.
 */

import { setMaxListeners } from "node:events";
import { availableParallelism } from "node:os";
import type { Command } from "../command/command.js";
import { SPEC } from "../command/spec.js";
import { checkOptions } from "../command/validate.js";
import { InvalidInputError } from "../errors.js";
import type { ProcessResult } from "../result.js";
import { defaultRunner } from "../runner/job-runner.js";
import type { ProcessRunner } from "../runner/runner.js";

export interface BatchOptions {
  /** Most runs in flight at once: an integer >= 1 (default: `os.availableParallelism()`). */
  readonly concurrency?: number;
  /** Who runs the commands (default: the shared `JobRunner`; a `ProcessGroup` shares one container). */
  readonly runner?: ProcessRunner;
  /** Abort → queued commands never start and in-flight ones are cancelled (their entries: `CancelledError`). */
  readonly cancelSignal?: AbortSignal;
}

/** One command's fate: a non-zero exit is still `fulfilled`; launch errors and cancels are `rejected`. */
export type BatchEntry = PromiseSettledResult<ProcessResult<string>>;

export interface CheckedBatch {
  readonly commands: readonly Command[];
  readonly concurrency: number;
  readonly runner: ProcessRunner;
  readonly cancelSignal: AbortSignal | undefined;
}

/** Validates a batch call synchronously (`InvalidInputError`); nothing is spawned on bad input. */
export function checkBatch(verb: string, commands: unknown, options: BatchOptions | undefined): CheckedBatch {
  if (commands === null || typeof commands !== "object" || !(Symbol.iterator in commands)) {
    throw new InvalidInputError("commands", `${verb}: expected an iterable of Commands`);
  }
  const list = [...(commands as Iterable<unknown>)];
  for (const [i, c] of list.entries()) {
    if (c === null || typeof c !== "object" || !(SPEC in c)) {
      throw new InvalidInputError(`commands[${i}]`, `${verb}: commands[${i}] is not a Command`);
    }
  }
  checkOptions(options, verb, ["concurrency", "runner", "cancelSignal"]);
  const concurrency = options?.concurrency ?? availableParallelism();
  if (typeof concurrency !== "number" || !Number.isInteger(concurrency) || concurrency < 1) {
    throw new InvalidInputError(
      "concurrency",
      `${verb}: concurrency must be an integer >= 1, got ${String(concurrency)}`,
    );
  }
  const cancelSignal = options?.cancelSignal;
  if (cancelSignal !== undefined && !(cancelSignal instanceof AbortSignal)) {
    throw new InvalidInputError("cancelSignal", `${verb}: cancelSignal must be an AbortSignal`);
  }
  const runner = options?.runner ?? defaultRunner();
  if (typeof runner?.output !== "function") {
    throw new InvalidInputError("runner", `${verb}: runner must implement ProcessRunner`);
  }
  return { commands: list as Command[], concurrency, runner, cancelSignal };
}

export class BatchEngine {
  /** Resolves once every command settled, or after `stop()` once the in-flight ones did. */
  readonly done: Promise<void>;
  private resolveDone: () => void = () => {};
  private next = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly stopper = new AbortController();
  private detach: (() => void) | undefined;

  constructor(
    private readonly batch: CheckedBatch,
    private readonly onSettled: (index: number, entry: BatchEntry) => void,
    /** Extra gate: may another run start now (outputStream's buffer bound)? */
    private readonly mayStart: () => boolean = () => true,
  ) {
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
    // Every in-flight run listens on it: no "possible EventTarget leak" warning past 10.
    setMaxListeners(0, this.stopper.signal);
    const signal = batch.cancelSignal;
    if (signal !== undefined) {
      const onAbort = () => void this.stop(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      this.detach = () => signal.removeEventListener("abort", onAbort);
      if (signal.aborted) onAbort();
    }
  }

  /** Runs started and not yet settled. */
  get running(): number {
    return this.inFlight.size;
  }

  get stopped(): boolean {
    return this.stopper.signal.aborted;
  }

  /** True when every command was started and every run settled (or the engine stopped and drained). */
  get idle(): boolean {
    return this.inFlight.size === 0 && (this.next >= this.batch.commands.length || this.stopped);
  }

  /** Indices of the commands that were never started (after a stop). */
  get unstarted(): number[] {
    const out: number[] = [];
    for (let i = this.next; i < this.batch.commands.length; i++) out.push(i);
    return out;
  }

  /** Starts commands while there is room. Call again after anything that may make room. */
  fill(): void {
    const { commands, concurrency } = this.batch;
    while (
      !this.stopped &&
      this.next < commands.length &&
      this.inFlight.size < concurrency &&
      this.mayStart()
    ) {
      const index = this.next++;
      this.launch(index, commands[index] as Command);
    }
    this.checkIdle();
  }

  /** Starts nothing more; cancels the runs in flight and resolves once they settled. */
  async stop(reason: unknown = new Error("batch stopped")): Promise<void> {
    if (!this.stopped) this.stopper.abort(reason);
    this.checkIdle();
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private checkIdle(): void {
    if (!this.idle) return;
    this.detach?.();
    this.detach = undefined;
    this.resolveDone();
  }

  private launch(index: number, command: Command): void {
    const cancellable = bindCancel(command, this.stopper.signal);
    let run: Promise<ProcessResult<string>>;
    try {
      run = this.batch.runner.output(cancellable.command);
    } catch (error) {
      run = Promise.reject(error);
    }
    const tracked: Promise<void> = run.then(
      (value) => this.settle(tracked, cancellable.release, index, { status: "fulfilled", value }),
      (reason: unknown) => this.settle(tracked, cancellable.release, index, { status: "rejected", reason }),
    );
    this.inFlight.add(tracked);
  }

  private settle(tracked: Promise<void>, release: () => void, index: number, entry: BatchEntry): void {
    release();
    this.inFlight.delete(tracked);
    this.onSettled(index, entry);
    this.fill();
  }
}

/**
 * The command, cancelled also when `stop` aborts. A command with its own cancel signal keeps
 * it: either one cancels the run (and the command's own reason wins if it fired first).
 */
function bindCancel(command: Command, stop: AbortSignal): { command: Command; release: () => void } {
  const own = command[SPEC].cancelSignal;
  if (own === undefined) return { command: command.cancelOn(stop), release: () => {} };
  if (own.aborted) return { command, release: () => {} };
  const both = new AbortController();
  const fromOwn = () => both.abort(own.reason);
  const fromStop = () => both.abort(stop.reason);
  own.addEventListener("abort", fromOwn, { once: true });
  stop.addEventListener("abort", fromStop, { once: true });
  return {
    command: command.cancelOn(both.signal),
    release: () => {
      own.removeEventListener("abort", fromOwn);
      stop.removeEventListener("abort", fromStop);
    },
  };
}
