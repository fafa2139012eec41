/**
 * The runner seam: one narrow interface with three primitives. Every verb (`run`, `checked`,
 * `exitCode`, …) is derived from these once, in `verbs.ts`; `BaseRunner` puts them on any
 * runner as methods, so `JobRunner`, `ProcessGroup` and the test doubles share one
 * implementation of every verb.
 */
import type { Command } from "../command/command.js";
import type { RunningProcess } from "../process/running-process.js";
import type { ProcessResult } from "../result.js";

export interface ProcessRunner {
  /** Runs to completion; stdout decoded. Non-zero exits and timeouts are data. */
  output(command: Command): Promise<ProcessResult<string>>;
  /** Runs to completion; stdout as exact bytes. */
  outputBytes(command: Command): Promise<ProcessResult<Uint8Array>>;
  /** Starts the command and returns a handle for streaming and control. */
  start(command: Command): Promise<RunningProcess>;
}
