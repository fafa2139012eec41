/** The public vocabulary of `RecordReplayRunner`'s options (kept apart from the internals that use it). */

export interface MatchOptions {
  /** Match on the working directory (default true). Off when recordings are made in temp dirs. */
  cwd?: boolean;
  /** Match on a hash of what stdin feeds (default true). Off: no hash is written at all. */
  stdin?: boolean;
}

/** Rewrites one recorded line (without its terminator) before it is written. */
export type OutputRedactor = (line: string, stream: "stdout" | "stderr") => string;

/** "instant": replays at once, in recorded order. "recorded": with the recorded pauses. */
export type ReplayTiming = "instant" | "recorded";
