/**
 * `stderrToStdout()` (2>&1) when we read stdout ourselves: Node cannot give two child fds the
 * same pipe it creates, so we make one kernel pipe (io/kernel-pipes.ts), hand its write end to
 * the child as both fd 1 and fd 2 (one open file description: the kernel keeps the exact
 * order of writes to either), and read its read end as a stream. Inside a pipeline the stage's
 * stdout is already a kernel pipe and is simply reused for fd 2; to inherit, ignore or a file,
 * fd 2 is the same target as fd 1 (launch.ts).
 */
import { closeSync } from "node:fs";
import { Socket } from "node:net";
import type { Readable } from "node:stream";
import type { CommandSpec } from "../command/spec.js";
import { createPipes } from "../io/kernel-pipes.js";

export interface MergedPipe {
  /** Given to the child as fds 1 and 2; the caller closes it after the spawn. */
  readonly write: number;
  /** The read end as a stream (call once, after a successful spawn). */
  reader(): Readable;
  /** The spawn failed: close the read end. */
  discard(): void;
}

export async function mergedStdoutPipe(
  spec: CommandSpec,
  overrides: { readonly stdout?: number },
): Promise<MergedPipe | undefined> {
  if (!spec.stderrToStdout || spec.stdout !== "pipe" || overrides.stdout !== undefined) return undefined;
  const [pipe] = await createPipes(1);
  if (pipe === undefined) return undefined;
  return {
    write: pipe.write,
    reader: () => new Socket({ fd: pipe.read, readable: true, writable: false }),
    discard: () => closeSync(pipe.read),
  };
}
