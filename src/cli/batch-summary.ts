/**
 * The end-of-batch report for people: counts, the slowest commands, and every failed one with
 * the tail of its stderr. Pure: entries in, text out.
 */
import type { ProcessResult } from "../index.js";
import { describeFailure } from "./failure.js";
import { describeOutcome } from "./outcome-text.js";
import { formatDuration } from "./output.js";

/**
 * succeeded; failed (on its own, or could not start); stopped (in flight when the batch
 * stopped — fail-fast or a stop signal — and did not succeed); not-run (never started).
 */
export type EntryStatus = "succeeded" | "failed" | "stopped" | "not-run";

export interface BatchRecord {
  readonly index: number;
  /** 1-based line in the input. */
  readonly line: number;
  /** The command, shell-quoted for display. */
  readonly display: string;
  readonly status: EntryStatus;
  readonly result?: ProcessResult<string>;
  readonly error?: unknown;
}

const SLOWEST = 5;
const STDERR_TAIL_LINES = 5;
const DISPLAY_WIDTH = 70;

/** The last `n` non-empty lines of a text. */
export function tailLines(text: string, n: number): string[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  return lines.slice(-n);
}

function shorten(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

/** Why an entry failed, in a few words. */
export function failureReason(record: BatchRecord): string {
  if (record.result !== undefined) return describeOutcome(record.result.outcome);
  return describeFailure(record.error);
}

export function summaryText(
  records: readonly BatchRecord[],
  elapsedMs: number,
  interruptedBy?: string,
): string {
  const count = (s: EntryStatus) => records.filter((r) => r.status === s).length;
  const succeeded = count("succeeded");
  const failed = count("failed");
  const stopped = count("stopped");
  const notRun = count("not-run");
  let out = `processkit batch: ${records.length} command${records.length === 1 ? "" : "s"}: ${succeeded} succeeded, ${failed} failed`;
  if (stopped > 0) out += `, ${stopped} stopped`;
  if (notRun > 0) out += `, ${notRun} not run`;
  out += ` (${formatDuration(elapsedMs)}${interruptedBy === undefined ? "" : `, stopped by ${interruptedBy}`})\n`;

  const ran = records.filter((r) => r.result !== undefined);
  if (ran.length > 1) {
    const slowest = [...ran]
      .sort((a, b) => (b.result?.durationMs ?? 0) - (a.result?.durationMs ?? 0))
      .slice(0, SLOWEST);
    const rows = slowest.map((r) => [formatDuration(r.result?.durationMs ?? 0), `line ${r.line}`, r.display]);
    out += `slowest:\n${table(rows, ["right", "left", "left"])}`;
  }

  const failures = records.filter((r) => r.status === "failed");
  if (failures.length > 0) {
    out += "failed:\n";
    const lineWidth = Math.max(...failures.map((r) => `line ${r.line}`.length));
    for (const r of failures) {
      const after = r.result === undefined ? "" : ` after ${formatDuration(r.result.durationMs)}`;
      out += `  ${`line ${r.line}`.padEnd(lineWidth)}  ${shorten(r.display, DISPLAY_WIDTH)}\n`;
      out += `  ${" ".repeat(lineWidth)}  → ${failureReason(r)}${after}\n`;
      const stderr = r.result?.stderr ?? "";
      for (const l of tailLines(stderr, STDERR_TAIL_LINES)) out += `  ${" ".repeat(lineWidth)}  | ${l}\n`;
    }
  }
  return out;
}

/** Columns padded to their widest cell, two spaces apart, indented by two. */
export function table(rows: readonly (readonly string[])[], align: readonly ("left" | "right")[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    for (const [i, cell] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, cell.length);
  }
  let out = "";
  for (const row of rows) {
    const cells = row.map((cell, i) => {
      const last = i === row.length - 1;
      if (align[i] === "right") return cell.padStart(widths[i] ?? 0);
      return last ? shorten(cell, DISPLAY_WIDTH) : cell.padEnd(widths[i] ?? 0);
    });
    out += `  ${cells.join("  ")}\n`;
  }
  return out;
}
