/**
 * The seed test module's `SeqRunner`, ported: pops one scripted reply per `output()` call
 * and fails loudly when it runs out. Running out is a `CassetteMissError` (a test double
 * with no answer), which the supervisor treats as terminal — so an over-restarting
 * supervisor fails the test instead of spinning.
 */
import { BaseRunner, CassetteMissError, type Command, ProcessResult, SpawnError } from "../../src/index.js";
import type { RunningProcess } from "../../src/process/running-process.js";

export type SeqReply = ProcessResult<string> | Error;

export class SeqRunner extends BaseRunner {
  private readonly replies: SeqReply[];
  calls = 0;

  constructor(replies: readonly SeqReply[]) {
    super();
    this.replies = [...replies];
  }

  async output(_command: Command): Promise<ProcessResult<string>> {
    this.calls++;
    const reply = this.replies.shift();
    if (reply === undefined) throw new CassetteMissError("fake", "SeqRunner ran out of scripted replies");
    if (reply instanceof Error) throw reply;
    return reply;
  }

  async outputBytes(): Promise<ProcessResult<Uint8Array>> {
    throw new Error("SeqRunner: outputBytes is not scripted");
  }

  async start(): Promise<RunningProcess> {
    throw new Error("SeqRunner: start is not scripted");
  }
}

function result(stdout: string, stderr: string, outcome: ProcessResult["outcome"], timeoutMs?: number) {
  return new ProcessResult({
    program: "fake",
    args: [],
    stdout,
    stderr,
    outcome,
    durationMs: 0,
    truncated: false,
    timeoutMs,
  });
}

export const ok = (): SeqReply => result("out", "", { kind: "exited", code: 0 });
export const fail = (code: number): SeqReply => result("", "boom", { kind: "exited", code });
export const timeout = (): SeqReply => result("", "", { kind: "timed-out" }, 1_000);
export const spawnErr = (): SeqReply =>
  new SpawnError(
    "fake",
    "fake: failed to start: no such binary",
    Object.assign(new Error("no such binary"), { code: "ENOENT" }),
  );
