/**
 * The cassette file: versioned JSON, one entry per recorded call. Reading is strict — a
 * corrupt, truncated, foreign or newer file is an `InvalidInputError` naming the file and the
 * field, never a silent re-record (that would throw away what the file holds).
 *
 * What is written: program, (redacted) args, cwd, a hash of stdin, the *names* of the env
 * variables the command set, the recorded output of both streams in arrival order with the
 * time of each piece, how the run ended and how long it took. Never an env value.
 */
import { InvalidInputError } from "../../errors.js";

export const FORMAT = "processkit-cassette";
export const VERSION = 1;

/** How a recorded run ended. `pending`: it did not end on its own (cancelled, killed by its caller, over a limit). */
export type RecordedEnd =
  | { readonly kind: "exit"; readonly code: number }
  | { readonly kind: "signal"; readonly signal: NodeJS.Signals }
  | { readonly kind: "timeout" }
  | { readonly kind: "pending" }
  | { readonly kind: "spawn-error"; readonly message: string };

/** One piece of output: a line with its terminator, as text or (not valid UTF-8) as base64. */
export interface RecordedEvent {
  /** Milliseconds since the run started. */
  readonly at: number;
  readonly stream: "stdout" | "stderr";
  readonly text?: string;
  readonly base64?: string;
}

export interface RecordedCall {
  readonly program: string;
  readonly args: readonly string[];
  readonly cwd: string | null;
  /** "none", "inherit", "interactive", "stream" (a one-shot source), "unhashed" (not matched) or "sha256:<hex>". */
  readonly stdin: string;
  readonly envNames: readonly string[];
  readonly durationMs: number;
  readonly end: RecordedEnd;
  readonly events: readonly RecordedEvent[];
}

export interface CassetteFile {
  readonly format: typeof FORMAT;
  readonly version: typeof VERSION;
  readonly calls: readonly RecordedCall[];
}

export function serialize(calls: readonly RecordedCall[]): string {
  const file: CassetteFile = { format: FORMAT, version: VERSION, calls };
  return `${JSON.stringify(file, null, 2)}\n`;
}

export function parseCassette(text: string, path: string): RecordedCall[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new InvalidInputError(
      "cassette",
      `cassette ${path}: not valid JSON (corrupt or truncated; delete it or re-record with PROCESSKIT_CASSETTE=record): ${why}`,
    );
  }
  const bad = (field: string, what: string) =>
    new InvalidInputError("cassette", `cassette ${path}: ${field} ${what}`);
  if (!isObject(data) || data.format !== FORMAT) throw bad("format", `is not ${JSON.stringify(FORMAT)}`);
  if (typeof data.version !== "number" || !Number.isInteger(data.version) || data.version < 1) {
    throw bad("version", "is missing or not a positive integer");
  }
  if (data.version > VERSION) {
    throw bad(
      "version",
      `is ${data.version}, newer than this processkit reads (${VERSION}): upgrade processkit or re-record`,
    );
  }
  if (!Array.isArray(data.calls)) throw bad("calls", "is not an array");
  return data.calls.map((call, i) => checkCall(call, `calls[${i}]`, bad));
}

type Bad = (field: string, what: string) => InvalidInputError;

function checkCall(call: unknown, at: string, bad: Bad): RecordedCall {
  if (!isObject(call)) throw bad(at, "is not an object");
  const text = (field: string): string => {
    const value = call[field];
    if (typeof value !== "string") throw bad(`${at}.${field}`, "is not a string");
    return value;
  };
  const strings = (field: string): string[] => {
    const value = call[field];
    if (!Array.isArray(value) || !value.every((v) => typeof v === "string"))
      throw bad(`${at}.${field}`, "is not an array of strings");
    return value;
  };
  const cwd = call.cwd;
  if (cwd !== null && typeof cwd !== "string") throw bad(`${at}.cwd`, "is not a string or null");
  const durationMs = call.durationMs;
  if (typeof durationMs !== "number" || !(durationMs >= 0))
    throw bad(`${at}.durationMs`, "is not a number >= 0");
  if (!Array.isArray(call.events)) throw bad(`${at}.events`, "is not an array");
  return {
    program: text("program"),
    args: strings("args"),
    cwd,
    stdin: text("stdin"),
    envNames: strings("envNames"),
    durationMs,
    end: checkEnd(call.end, `${at}.end`, bad),
    events: call.events.map((e, j) => checkEvent(e, `${at}.events[${j}]`, bad)),
  };
}

function checkEnd(end: unknown, at: string, bad: Bad): RecordedEnd {
  if (!isObject(end)) throw bad(at, "is not an object");
  switch (end.kind) {
    case "exit":
      if (typeof end.code !== "number" || !Number.isInteger(end.code) || end.code < 0 || end.code > 255)
        throw bad(`${at}.code`, "is not an exit code (0-255)");
      return { kind: "exit", code: end.code };
    case "signal":
      if (typeof end.signal !== "string" || !/^SIG[A-Z0-9]+$/.test(end.signal))
        throw bad(`${at}.signal`, "is not a signal name");
      return { kind: "signal", signal: end.signal as NodeJS.Signals };
    case "timeout":
    case "pending":
      return { kind: end.kind };
    case "spawn-error":
      if (typeof end.message !== "string") throw bad(`${at}.message`, "is not a string");
      return { kind: "spawn-error", message: end.message };
    default:
      throw bad(`${at}.kind`, `is not one of exit, signal, timeout, pending, spawn-error`);
  }
}

function checkEvent(event: unknown, at: string, bad: Bad): RecordedEvent {
  if (!isObject(event)) throw bad(at, "is not an object");
  const { at: time, stream, text, base64 } = event;
  if (typeof time !== "number" || !(time >= 0)) throw bad(`${at}.at`, "is not a number >= 0");
  if (stream !== "stdout" && stream !== "stderr") throw bad(`${at}.stream`, 'is not "stdout" or "stderr"');
  if (typeof text === "string" && base64 === undefined) return { at: time, stream, text };
  if (typeof base64 === "string" && text === undefined) return { at: time, stream, base64 };
  throw bad(at, "needs exactly one of text or base64");
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
