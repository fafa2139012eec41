/** Turning an error into the CLI's words: one human line, a JSON object, and an exit status. */

import type { LimitKind } from "../errors.js";
import { ProcessError, ResourceLimitError, SpawnError } from "../index.js";
import { statusOfError } from "./exit-codes.js";

const LIMIT_FLAGS: Readonly<Record<LimitKind, string>> = {
  memoryMax: "--max-memory",
  maxProcesses: "--max-processes",
  cpuQuota: "--cpu-quota",
};

/** One line for a human. Never contains env values (library messages never do). */
export function describeFailure(error: unknown): string {
  if (error instanceof ResourceLimitError) {
    const detail = error.message.startsWith(`${error.limit}: `)
      ? error.message.slice(error.limit.length + 2)
      : error.message;
    return `${LIMIT_FLAGS[error.limit]} cannot be enforced on this host: ${detail} (see: processkit doctor)`;
  }
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0] ?? message;
}

/** The `error` member of a JSON document. */
export function failureJson(error: unknown): Record<string, unknown> {
  const reason = error instanceof ProcessError ? error.reason : "internal";
  const out: Record<string, unknown> = { reason, message: describeFailure(error) };
  if (error instanceof SpawnError && error.code !== undefined) out.code = error.code;
  if (error instanceof ResourceLimitError) out.limit = error.limit;
  return out;
}

export { statusOfError };
