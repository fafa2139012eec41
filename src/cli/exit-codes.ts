/**
 * Exit statuses, after coreutils `timeout`: the child's own code passes through; a child
 * killed by signal N → 128+N; timed out → 124; processkit itself failed (bad flags, a limit
 * the host cannot enforce, an internal error) → 125; found but not executable → 126; not
 * found → 127.
 */
import { constants } from "node:os";
import { ProcessError, type SpawnError } from "../index.js";
import type { Outcome } from "../result.js";

export const EXIT_TIMED_OUT = 124;
export const EXIT_FAILED = 125;
export const EXIT_NOT_EXECUTABLE = 126;
export const EXIT_NOT_FOUND = 127;

/** How the CLI ends: a status, or (after a stop signal we forwarded) death by that signal. */
export interface Exit {
  readonly code: number;
  /** Re-raise this signal on ourselves instead of exiting (the shell then reports 128+N). */
  readonly raise?: NodeJS.Signals;
}

const SIGNAL_NUMBERS = constants.signals as Readonly<Record<string, number>>;

/** 128 + the signal's number (SIGKILL → 137, SIGTERM → 143). */
export function signalStatus(signal: NodeJS.Signals): number {
  return 128 + (SIGNAL_NUMBERS[signal] ?? 0);
}

/** The status for a finished run. */
export function statusOfOutcome(outcome: Outcome): number {
  switch (outcome.kind) {
    case "exited":
      return outcome.code;
    case "signalled":
      return signalStatus(outcome.signal);
    case "timed-out":
    case "inactivity-timed-out":
      return EXIT_TIMED_OUT;
  }
}

/** The status for a run that produced no result (it could not start, or processkit failed). */
export function statusOfError(error: unknown): number {
  if (!(error instanceof ProcessError)) return EXIT_FAILED;
  switch (error.reason) {
    case "not-found":
      return EXIT_NOT_FOUND;
    case "spawn":
      // The program exists but the OS refused to run it (permissions, a directory, bad format).
      return isNotExecutable(error as SpawnError) ? EXIT_NOT_EXECUTABLE : EXIT_FAILED;
    case "timeout":
      return EXIT_TIMED_OUT;
    default:
      return EXIT_FAILED;
  }
}

function isNotExecutable(error: SpawnError): boolean {
  return error.code === "EACCES" || error.code === "ENOEXEC" || error.code === "EISDIR";
}
