/**
 * A started pipeline (`pipeline.start()`): stream the last stage's stdout while the chain
 * runs; `finish()`/`output()` fold the stages with pipefail; `kill()` and `await using`
 * take the whole chain down.
 */
import { Duplex, type Readable, type Writable } from "node:stream";
import { outputStream, type ReadableOptions } from "../process/byte-streams.js";
import type { Finished, RunningProcess } from "../process/running-process.js";
import type { ProcessResult } from "../result.js";
import { chainResult } from "./pipeline-result.js";
import type { PipelineRun } from "./pipeline-run.js";

export class PipelineProcess implements AsyncDisposable {
  /** @internal Created by `pipeline.start()`. */
  constructor(private readonly run: PipelineRun) {}

  private get last(): RunningProcess {
    return this.run.stages[this.run.stages.length - 1] as RunningProcess;
  }

  /** Pids of the stage leaders, first stage first. */
  get pids(): Array<number | undefined> {
    return this.run.stages.map((stage) => stage.pid);
  }

  /** The containment mechanism of the chain. */
  get mechanism(): string {
    return this.last.mechanism;
  }

  /** The last stage's pid. */
  get pid(): number | undefined {
    return this.last.pid;
  }

  /** The last stage's stdout, line by line (one consumer). */
  stdoutLines(): AsyncIterableIterator<string> {
    return this.last.stdoutLines();
  }

  /** The last stage's stdout in batches of lines (one array per chunk). */
  stdoutLineBatches(): AsyncIterableIterator<string[]> {
    return this.last.stdoutLineBatches();
  }

  /**
   * The last stage's raw output as a Node `Readable` (as `RunningProcess.readable`), ending
   * with the chain's pipefail error after the data on failure; destroying it early kills the chain.
   */
  readable(options: ReadableOptions = {}): Readable {
    const pumps = this.last.bytePumps(options, "readable");
    return outputStream(
      pumps,
      () => this.outputBytes(),
      () => this.kill(),
    );
  }

  /** The last stage's raw output as an async iterable of chunks; `break` stops reading, the chain runs on. */
  chunks(options: ReadableOptions = {}): AsyncIterableIterator<Uint8Array> {
    const pumps = this.last.bytePumps(options, "chunks");
    return outputStream(pumps, () => this.outputBytes())[Symbol.asyncIterator]();
  }

  /** The first stage's stdin as a Node `Writable` (the first stage needs `keepStdinOpen()`). */
  writable(): Writable {
    return (this.run.stages[0] as RunningProcess).writable();
  }

  /** First stage's stdin and last stage's output as one `Duplex` for `stream.pipeline`. */
  duplex(options: ReadableOptions = {}): Duplex {
    const writable = this.writable();
    return Duplex.from({ readable: this.readable(options), writable });
  }

  /** Waits for the chain; the outcome is pipefail's. Rejects with `CancelledError` if cancelled. */
  async finish(): Promise<Finished> {
    const { outcome, stdout, stderr, durationMs, truncated } = await this.output();
    return { outcome, stdout, stderr, durationMs, truncated };
  }

  output(): Promise<ProcessResult<string>> {
    return this.result(async () => (await this.last.output()).stdout);
  }

  outputBytes(): Promise<ProcessResult<Uint8Array>> {
    return this.result(async () => (await this.last.outputBytes()).stdout);
  }

  /** The last stage's stdout when it settled cleanly; otherwise chainResult throws the stage's error. */
  private async result<T>(stdout: () => Promise<T>): Promise<ProcessResult<T>> {
    const settlement = await this.run.settled;
    const lastOk = settlement.stages[settlement.stages.length - 1]?.ok === true;
    const value = lastOk ? await stdout() : (undefined as T);
    return chainResult(settlement, this.last.program, value, false);
  }

  /** Kills every stage at once and resolves when the chain is gone. */
  kill(): Promise<void> {
    return this.run.kill();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.kill();
  }
}
