/**
 * Records one live run: line handlers on the command note every line of both streams and
 * when it came (the real pumps call them in arrival order); when the run is over, the exact
 * captured text — where the run kept it — gives each line back its real terminator (`\r\n`,
 * or none on a final unterminated line). Bytes that are not UTF-8 are kept as base64.
 */
import type { Command } from "../../command/command.js";
import { SPEC } from "../../command/spec.js";
import type { RecordedEvent } from "./format.js";
import type { OutputRedactor } from "./options.js";

interface Noted {
  readonly at: number;
  readonly stream: "stdout" | "stderr";
  readonly line: string;
}

/** What the run kept of a stream: text, bytes (outputBytes) or nothing (consumed as lines, not piped). */
export type Kept = string | Uint8Array | undefined;

export class RunCapture {
  /** The command to run: the original plus the noting line handlers. */
  readonly command: Command;
  private readonly started = performance.now();
  private readonly noted: Noted[] = [];

  constructor(command: Command) {
    const spec = command[SPEC];
    let observed = command;
    if (spec.stdout === "pipe") observed = observed.onStdoutLine((line) => this.note("stdout", line));
    if (spec.stderr === "pipe") observed = observed.onStderrLine((line) => this.note("stderr", line));
    this.command = observed;
  }

  private note(stream: "stdout" | "stderr", line: string): void {
    this.noted.push({ at: performance.now() - this.started, stream, line });
  }

  /** Milliseconds since the run was handed to the real runner. */
  elapsed(): number {
    return performance.now() - this.started;
  }

  /**
   * The recorded lines, timed from the start of the run. Our clock started before the runner
   * set the run up (the first run of a process also creates its owner container), so the setup
   * — what this clock saw beyond the run's own `durationMs` — is taken off every time.
   */
  events(
    kept: { stdout: Kept; stderr: Kept },
    redact: OutputRedactor | undefined,
    durationMs: number,
  ): RecordedEvent[] {
    const setup = Math.max(0, this.elapsed() - durationMs);
    const pieces = {
      stdout: piecesOf(this.linesOf("stdout"), kept.stdout),
      stderr: piecesOf(this.linesOf("stderr"), kept.stderr),
    };
    const next = { stdout: 0, stderr: 0 };
    return this.noted.map(({ at, stream }) => {
      const piece = pieces[stream][next[stream]++] as string | Uint8Array;
      return toEvent(round(Math.max(0, at - setup)), stream, piece, redact);
    });
  }

  private linesOf(stream: "stdout" | "stderr"): string[] {
    return this.noted.filter((n) => n.stream === stream).map((n) => n.line);
  }
}

/**
 * One piece per line: the kept text split after each `\n` when it holds exactly these lines
 * (an output limit, a consumed stream or another encoding break that), else line + "\n".
 */
function piecesOf(lines: readonly string[], kept: Kept): (string | Uint8Array)[] {
  if (kept !== undefined && kept.length > 0) {
    const pieces = typeof kept === "string" ? splitText(kept) : splitBytes(kept);
    const agrees = (piece: string | Uint8Array, i: number) =>
      stripTerminator(typeof piece === "string" ? piece : Buffer.from(piece).toString("utf8")) === lines[i];
    if (pieces.length === lines.length && pieces.every(agrees)) return pieces;
  }
  return lines.map((line) => `${line}\n`);
}

function splitText(text: string): string[] {
  const pieces: string[] = [];
  let start = 0;
  for (let nl = text.indexOf("\n"); nl !== -1; nl = text.indexOf("\n", start)) {
    pieces.push(text.slice(start, nl + 1));
    start = nl + 1;
  }
  if (start < text.length) pieces.push(text.slice(start));
  return pieces;
}

function splitBytes(bytes: Uint8Array): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  let start = 0;
  for (let nl = bytes.indexOf(10); nl !== -1; nl = bytes.indexOf(10, start)) {
    pieces.push(bytes.subarray(start, nl + 1));
    start = nl + 1;
  }
  if (start < bytes.length) pieces.push(bytes.subarray(start));
  return pieces;
}

function stripTerminator(piece: string): string {
  let end = piece.length;
  if (piece.charCodeAt(end - 1) === 10) end--;
  if (piece.charCodeAt(end - 1) === 13) end--;
  return piece.slice(0, end);
}

function toEvent(
  at: number,
  stream: "stdout" | "stderr",
  piece: string | Uint8Array,
  redact: OutputRedactor | undefined,
): RecordedEvent {
  let text: string;
  if (typeof piece === "string") {
    text = piece;
  } else {
    text = Buffer.from(piece).toString("utf8");
    // Not UTF-8: kept exactly, and (being opaque) not offered to the redactor.
    if (!Buffer.from(text, "utf8").equals(piece)) {
      return { at, stream, base64: Buffer.from(piece).toString("base64") };
    }
  }
  if (redact !== undefined) {
    const line = stripTerminator(text);
    text = `${redactLine(redact, line, stream)}${text.slice(line.length)}`;
  }
  return { at, stream, text };
}

function redactLine(redact: OutputRedactor, line: string, stream: "stdout" | "stderr"): string {
  const out = redact(line, stream);
  if (typeof out !== "string") {
    throw new TypeError(`redactOutput must return a string, got ${out === null ? "null" : typeof out}`);
  }
  return out;
}

export function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
