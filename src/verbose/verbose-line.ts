/**
 * The text of verbose mode: one line per spawn, one per exit, paired by a run number.
 *
 *   [17:02:11.043] processkit #3 spawn git log --oneline (pid 4711, cgroup-v2, cwd /repo)
 *   [17:02:11.061] processkit #3 exit  git ✔ exited 0 in 18 ms
 *   [17:02:12.500] processkit #4 exit  git ✖ exited 128 in 9 ms: fatal: not a git repository
 *   [17:02:12.490] processkit #4 err   fatal: not a git repository      (with `output: true`)
 *
 * Args appear only when asked for (they can hold secrets), through a redaction hook if given.
 * Env values never appear: nothing here ever sees them.
 */
import { quoteArg } from "../command/quote.js";
import type { ExitEvent, RunDetails, SpawnEvent } from "../events.js";
import type { ArgsOption } from "./verbose-options.js";

export interface LineStyle {
  readonly color: boolean;
  readonly args: ArgsOption;
}

export function spawnLine(
  run: number,
  event: SpawnEvent,
  details: RunDetails | undefined,
  style: LineStyle,
): string {
  const where = [
    event.pid === undefined ? "no pid" : `pid ${event.pid}`,
    event.mechanism,
    ...(details?.cwd === undefined ? [] : [`cwd ${details.cwd}`]),
  ].join(", ");
  return `${prefix(run, style)} spawn ${commandText(event.program, details, style)} ${dim(`(${where})`, style)}`;
}

export function exitLine(
  run: number,
  event: ExitEvent,
  details: RunDetails | undefined,
  style: LineStyle,
): string {
  const took = `in ${formatMs(event.durationMs)}`;
  const outcome = event.outcome;
  let text: string;
  let failed = true;
  switch (outcome.kind) {
    case "exited":
      failed = !(details?.okCodes ?? [0]).includes(outcome.code);
      text = `exited ${outcome.code} ${took}`;
      break;
    case "signalled":
      text = `killed by ${outcome.signal} ${took}`;
      break;
    case "timed-out":
      text = `timed out ${took}${deadline("timeout", details?.timeoutMs)}`;
      break;
    case "inactivity-timed-out":
      text = `went quiet, stopped ${took}${deadline("inactivityTimeout", details?.inactivityTimeoutMs)}`;
      break;
    case "cancelled":
      text = `cancelled ${took}`;
      break;
  }
  const tail = failed && outcome.kind !== "cancelled" ? (details?.stderrTail() ?? "") : "";
  const mark = failed ? paint("✖", "31", style) : paint("✔", "32", style);
  return `${prefix(run, style)} exit  ${event.program} ${mark} ${text}${tail ? `: ${tail}` : ""}`;
}

/** One output line of a run: `… #3 out  text` (stdout) or `… #3 err  text` (stderr, colored). */
export function outputLine(run: number, stream: "stdout" | "stderr", line: string, style: LineStyle): string {
  const label = stream === "stdout" ? dim("out", style) : paint("err", "33", style);
  return `${prefix(run, style)} ${label}   ${line}`;
}

function commandText(program: string, details: RunDetails | undefined, style: LineStyle): string {
  if (style.args === false || details === undefined) return program;
  const args = typeof style.args === "function" ? redacted(style.args, details.args, program) : details.args;
  return [program, ...args].map(quoteArg).join(" ");
}

/** A hook that fails or returns junk hides the args rather than showing them unredacted. */
function redacted(
  hook: (args: readonly string[], program: string) => readonly string[],
  args: readonly string[],
  program: string,
): readonly string[] {
  try {
    const out = hook(args, program);
    if (Array.isArray(out) && out.every((a) => typeof a === "string")) return out;
  } catch {
    // fall through
  }
  return ["<args hidden: the redaction hook failed>"];
}

function deadline(name: string, ms: number | undefined): string {
  return ms === undefined ? "" : ` (${name} ${formatMs(ms)})`;
}

function prefix(run: number, style: LineStyle): string {
  return `${dim(`[${clock()}]`, style)} processkit #${run}`;
}

function clock(): string {
  const now = new Date();
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(now.getHours())}:${two(now.getMinutes())}:${two(now.getSeconds())}.${String(now.getMilliseconds()).padStart(3, "0")}`;
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  return `${Math.floor(ms / 60_000)} m ${Math.round((ms % 60_000) / 1000)} s`;
}

function dim(text: string, style: LineStyle): string {
  return paint(text, "2", style);
}

function paint(text: string, code: string, style: LineStyle): string {
  return style.color ? `\u001b[${code}m${text}\u001b[0m` : text;
}
