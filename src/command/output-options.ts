/** The public vocabulary of a command's output: where a stream goes, what a limit does past its cap, a line callback. */

export type OutputMode = "pipe" | "inherit" | "ignore" | { readonly file: string; readonly append?: boolean };

export type OverflowPolicy = "drop-oldest" | "drop-newest" | "error";

export type LineHandler = (line: string) => void;
