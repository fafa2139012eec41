/** The public vocabulary of verbose mode (kept apart from the internals that use it). */

/** Which args a line shows: none (`false`), all (`true`), or what a redaction hook returns. */
export type ArgsOption = boolean | ((args: readonly string[], program: string) => readonly string[]);

export interface VerboseOptions {
  /**
   * Show the args: `false` (default: the program only — args can carry secrets), `true`, or a
   * hook that returns the args to show (`(args) => args.map(a => a.startsWith("--token=") ? "--token=***" : a)`).
   */
  args?: ArgsOption;
  /**
   * Also print every output line of every run, between its spawn and exit lines (default
   * false). Output can carry secrets as much as args can: opt-in.
   */
  output?: boolean;
  /** Where each line goes (default: `process.stderr`). Gets the line without its newline. */
  write?: (line: string) => void;
  /** ANSI colors (default: without `write`, when stderr is a terminal and `NO_COLOR` is not set). */
  color?: boolean;
}
