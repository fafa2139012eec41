/**
 * `RecordReplayRunner`: records real runs to a JSON cassette once, then replays them without
 * spawning anything. Recording goes through a real runner with line handlers that note each
 * line and its time; replaying turns the recorded call into a `Reply` and plays it through a
 * `ScriptedRunner` — one replay engine, the real pumps — publishing nothing on the lifecycle
 * channels, because nothing is spawned.
 *
 * Modes: "record" (run for real and rewrite the cassette from this runner's calls), "replay"
 * (never spawn; a call the cassette lacks is a `CassetteMissError`), "auto" (replay when the
 * cassette exists, else record). `PROCESSKIT_CASSETTE=record|replay|auto` overrides the mode.
 */
import { resolve } from "node:path";
import type { Command } from "../command/command.js";
import type { CommandSpec } from "../command/spec.js";
import { SPEC } from "../command/spec.js";
import { checkText, describe } from "../command/validate.js";
import {
  CancelledError,
  CassetteMissError,
  InvalidInputError,
  NotFoundError,
  OutputTooLargeError,
  SpawnError,
} from "../errors.js";
import type { RunningProcess } from "../process/running-process.js";
import type { Outcome, ProcessResult } from "../result.js";
import { BaseRunner } from "../runner/base-runner.js";
import { defaultRunner } from "../runner/job-runner.js";
import type { ProcessRunner } from "../runner/runner.js";
import { type CallKey, distance, sameCall, showCall, stdinKey } from "./cassette/call-key.js";
import { lockCassette, readCassette, unlockCassette, writeAtomically } from "./cassette/cassette-file.js";
import { parseCassette, type RecordedCall, type RecordedEnd, serialize } from "./cassette/format.js";
import type { MatchOptions, OutputRedactor, ReplayTiming } from "./cassette/options.js";
import { replyFor } from "./cassette/replay.js";
import { type Kept, RunCapture, round } from "./cassette/run-capture.js";
import { SilentScript } from "./silent-script.js";

export type CassetteMode = "record" | "replay" | "auto";

/** The environment variable that overrides every runner's mode (CI: `PROCESSKIT_CASSETTE=record`). */
export const CASSETTE_ENV = "PROCESSKIT_CASSETTE";

export interface RecordReplayOptions {
  /** Default "auto": replay when the cassette exists, else record. `PROCESSKIT_CASSETTE` overrides it. */
  mode?: CassetteMode;
  /** The real runner used while recording (default: the shared `JobRunner`). */
  runner?: ProcessRunner;
  /** What a call is matched on besides program and args (default: cwd and stdin too). */
  match?: MatchOptions;
  /** Rewrites args before they are written *and* before a live call is matched (tokens, temp paths). */
  redactArgs?: (args: readonly string[], program: string) => readonly string[];
  /** Rewrites each recorded line (without its terminator) before it is written. */
  redactOutput?: OutputRedactor;
  /** "instant" (default): replays at once, in recorded order. "recorded": with the recorded pauses. */
  timing?: ReplayTiming;
}

const KNOWN_OPTIONS = new Set(["mode", "runner", "match", "redactArgs", "redactOutput", "timing"]);
type Primitive = "output" | "outputBytes" | "start";

export class RecordReplayRunner extends BaseRunner implements AsyncDisposable {
  /** The cassette file (absolute, so two spellings of one file share one lock). */
  readonly path: string;
  /** The mode asked for, after `PROCESSKIT_CASSETTE`. */
  readonly mode: CassetteMode;
  private readonly inner: ProcessRunner;
  private readonly match: Required<MatchOptions>;
  private readonly redactArgs: RecordReplayOptions["redactArgs"];
  private readonly redactOutput: OutputRedactor | undefined;
  private readonly timing: ReplayTiming;
  private resolved: Promise<"record" | "replay"> | undefined;
  // replaying
  private cassette: Promise<RecordedCall[] | undefined> | undefined;
  private readonly consumed = new Set<number>();
  // recording
  private locked: Promise<void> | undefined;
  private readonly recorded: (RecordedCall | undefined)[] = [];
  private writing: Promise<void> = Promise.resolve();
  /** Started runs still being recorded: `close()` waits for them, so no write comes after the unlock. */
  private readonly inFlight = new Set<Promise<void>>();
  private backgroundFailure: unknown;

  constructor(path: string, options: RecordReplayOptions = {}) {
    super();
    if (checkText(path, "cassette", "").length === 0) {
      throw new InvalidInputError("cassette", "cassette: the path must not be empty");
    }
    this.path = resolve(path);
    checkOptions(options);
    this.mode = forcedMode() ?? checkMode(options.mode ?? "auto", "mode");
    this.inner = options.runner ?? defaultRunner();
    this.match = { cwd: options.match?.cwd ?? true, stdin: options.match?.stdin ?? true };
    this.redactArgs = options.redactArgs;
    this.redactOutput = options.redactOutput;
    this.timing = options.timing ?? "instant";
    if (this.timing !== "instant" && this.timing !== "recorded") {
      throw new InvalidInputError(
        "timing",
        `timing: expected "instant" or "recorded", got ${describe(this.timing)}`,
      );
    }
  }

  output(command: Command): Promise<ProcessResult<string>> {
    return this.call("output", command) as Promise<ProcessResult<string>>;
  }

  outputBytes(command: Command): Promise<ProcessResult<Uint8Array>> {
    return this.call("outputBytes", command) as Promise<ProcessResult<Uint8Array>>;
  }

  start(command: Command): Promise<RunningProcess> {
    return this.call("start", command) as Promise<RunningProcess>;
  }

  /**
   * Waits for started runs still being recorded and for pending cassette writes, then releases
   * the recording lock. Rethrows a failed write. (A started run that never ends keeps it waiting:
   * kill what you start.)
   */
  async close(): Promise<void> {
    await Promise.all(this.inFlight);
    await this.writing.catch(() => {});
    this.locked = undefined; // a later recorded call takes the lock again
    await unlockCassette(this.path);
    this.throwBackgroundFailure();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async call(verb: Primitive, command: Command): Promise<unknown> {
    this.throwBackgroundFailure();
    const spec = command[SPEC];
    // Nothing would run, so nothing is recorded, and no recorded call is used up.
    if (spec.cancelSignal?.aborted) throw new CancelledError(spec.program, spec.cancelSignal.reason);
    const mode = await this.resolveMode();
    const key = await this.keyOf(spec);
    return mode === "replay" ? this.replay(verb, command, key) : this.record(verb, command, key);
  }

  private resolveMode(): Promise<"record" | "replay"> {
    this.resolved ??= (async () => {
      if (this.mode !== "auto") return this.mode;
      return (await readCassette(this.path)) === undefined ? "record" : "replay";
    })();
    return this.resolved;
  }

  private async keyOf(spec: CommandSpec): Promise<CallKey> {
    return {
      program: spec.program,
      args: this.redactedArgs(spec),
      cwd: spec.cwd ?? null,
      stdin: await stdinKey(spec.stdin, this.match.stdin),
    };
  }

  private redactedArgs(spec: CommandSpec): readonly string[] {
    if (this.redactArgs === undefined) return spec.args;
    const args = this.redactArgs(spec.args, spec.program);
    if (!Array.isArray(args) || !args.every((a) => typeof a === "string")) {
      throw new InvalidInputError(
        "redactArgs",
        `redactArgs: must return an array of strings, got ${describe(args)}`,
      );
    }
    return [...args];
  }

  // ── replay ─────────────────────────────────────────────────────────────────

  private async replay(verb: Primitive, command: Command, key: CallKey): Promise<unknown> {
    const calls = await this.load();
    if (calls === undefined) {
      throw new CassetteMissError(
        key.program,
        `cassette ${this.path} does not exist (record it: ${CASSETTE_ENV}=record)`,
      );
    }
    const call = this.take(calls, key);
    // Replays publish nothing: there is no process, so there is no spawn (or exit) to report.
    const script = new SilentScript().fallback(replyFor(call, this.timing, verb !== "start"));
    return script[verb](command);
  }

  /** The recorded calls, read and checked once; undefined when there is no cassette file. */
  private load(): Promise<RecordedCall[] | undefined> {
    this.cassette ??= readCassette(this.path).then((text) =>
      text === undefined ? undefined : parseCassette(text, this.path),
    );
    return this.cassette;
  }

  /** The first unused recorded call that matches; when all are used, the last one repeats. */
  private take(calls: readonly RecordedCall[], key: CallKey): RecordedCall {
    let last: number | undefined;
    for (const [i, call] of calls.entries()) {
      if (!sameCall(call, key, this.match)) continue;
      if (!this.consumed.has(i)) {
        this.consumed.add(i);
        return call;
      }
      last = i;
    }
    if (last !== undefined) return calls[last] as RecordedCall;
    throw this.miss(calls, key);
  }

  private miss(calls: readonly RecordedCall[], key: CallKey): CassetteMissError {
    let closest: RecordedCall | undefined;
    let best = Number.POSITIVE_INFINITY;
    for (const call of calls) {
      const d = distance(call, key, this.match);
      if (d < best) [best, closest] = [d, call];
    }
    const shown = closest === undefined ? undefined : showCall(closest, this.match);
    return new CassetteMissError(
      key.program,
      `no recorded call for ${clip(showCall(key, this.match))} in ${this.path}; ${
        shown === undefined ? "the cassette is empty" : `closest: ${clip(shown)}`
      } (re-record: ${CASSETTE_ENV}=record)`,
      shown,
    );
  }

  // ── record ─────────────────────────────────────────────────────────────────

  private async record(verb: Primitive, command: Command, key: CallKey): Promise<unknown> {
    this.locked ??= lockCassette(this.path).catch((error: unknown) => {
      this.locked = undefined; // a later call tries again (the other recorder may be done by then)
      throw error;
    });
    await this.locked;
    const spec = command[SPEC];
    const slot = this.recorded.push(undefined) - 1;
    const capture = new RunCapture(command);
    /** `durationMs` undefined: the run gave none (it failed), so it lasted as long as we waited. */
    const save = (end: RecordedEnd, durationMs: number | undefined, kept: { stdout: Kept; stderr: Kept }) => {
      durationMs ??= capture.elapsed();
      this.recorded[slot] = {
        ...key,
        envNames: [...spec.envOverrides.keys()],
        durationMs: round(durationMs),
        end,
        events: capture.events(kept, this.redactOutput, durationMs),
      };
      return this.flush();
    };
    const failed = async (error: unknown): Promise<never> => {
      const end = endOfError(error);
      if (end !== undefined) await save(end, undefined, { stdout: undefined, stderr: undefined });
      throw error;
    };
    if (verb === "start") {
      const proc = await this.inner.start(capture.command).catch(failed);
      this.watch(proc, save);
      return proc;
    }
    const result = await this.inner[verb](capture.command).catch(failed);
    await save(endOf(result.outcome, false), result.durationMs, {
      stdout: spec.stdout === "pipe" ? result.stdout : undefined,
      stderr: result.stderr,
    });
    return result;
  }

  /** Saves a started run once it is over; a run its caller stopped is recorded as not ending on its own. */
  private watch(
    proc: RunningProcess,
    save: (
      end: RecordedEnd,
      durationMs: number | undefined,
      kept: { stdout: Kept; stderr: Kept },
    ) => Promise<void>,
  ): void {
    let settled = false;
    let stoppedByCaller = false;
    const stopping = <A extends unknown[], R>(fn: (...args: A) => R) =>
      ((...args: A) => {
        if (!settled) stoppedByCaller = true;
        return fn.apply(proc, args);
      }) as (...args: A) => R;
    proc.kill = stopping(proc.kill);
    proc.shutdown = stopping(proc.shutdown);
    proc.signal = stopping(proc.signal);
    const recording = proc
      .finish()
      .then(
        (finished) => {
          settled = true;
          return save(endOf(finished.outcome, stoppedByCaller), finished.durationMs, {
            stdout: finished.stdout,
            stderr: finished.stderr,
          });
        },
        (error: unknown) => {
          settled = true;
          const end = endOfError(error);
          return end === undefined
            ? undefined
            : save(end, undefined, { stdout: undefined, stderr: undefined });
        },
      )
      .catch((error: unknown) => {
        this.backgroundFailure ??= error;
      })
      .finally(() => this.inFlight.delete(recording));
    this.inFlight.add(recording);
  }

  /** Rewrites the cassette from the calls recorded so far (in call order), one write at a time. */
  private flush(): Promise<void> {
    const write = this.writing
      .catch(() => {})
      .then(() =>
        writeAtomically(
          this.path,
          serialize(this.recorded.filter((c): c is RecordedCall => c !== undefined)),
        ),
      );
    this.writing = write;
    return write;
  }

  private throwBackgroundFailure(): void {
    if (this.backgroundFailure === undefined) return;
    const failure = this.backgroundFailure;
    this.backgroundFailure = undefined;
    throw failure;
  }
}

function endOf(outcome: Outcome, stoppedByCaller: boolean): RecordedEnd {
  if (stoppedByCaller) return { kind: "pending" };
  switch (outcome.kind) {
    case "exited":
      return { kind: "exit", code: outcome.code };
    case "signalled":
      return { kind: "signal", signal: outcome.signal };
    case "timed-out":
    case "inactivity-timed-out":
      return { kind: "timeout" };
  }
}

/**
 * Errors worth recording: a start failure replays as one; a cancel or an output limit did not
 * let the run end on its own, so it replays as a run that waits for the same thing to end it.
 * Anything else is not recorded — replaying it would be a guess; the miss will say so.
 */
function endOfError(error: unknown): RecordedEnd | undefined {
  if (error instanceof SpawnError || error instanceof NotFoundError) {
    return { kind: "spawn-error", message: error.message };
  }
  if (error instanceof CancelledError || error instanceof OutputTooLargeError) return { kind: "pending" };
  return undefined;
}

function forcedMode(): CassetteMode | undefined {
  const value = process.env[CASSETTE_ENV];
  return value === undefined || value === "" ? undefined : checkMode(value, CASSETTE_ENV);
}

function checkMode(mode: unknown, argument: string): CassetteMode {
  if (mode === "record" || mode === "replay" || mode === "auto") return mode;
  throw new InvalidInputError(
    argument,
    `${argument}: expected "record", "replay" or "auto", got ${describe(mode)}`,
  );
}

function checkOptions(options: unknown): void {
  if (typeof options !== "object" || options === null) {
    throw new InvalidInputError("options", `options: expected an object, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key))
      throw new InvalidInputError(key, `options: unknown option ${JSON.stringify(key)}`);
  }
  const { runner, redactArgs, redactOutput, match } = options as RecordReplayOptions;
  if (
    runner !== undefined &&
    (typeof runner !== "object" || runner === null || typeof runner.start !== "function")
  ) {
    throw new InvalidInputError("runner", `runner: expected a ProcessRunner, got ${describe(runner)}`);
  }
  for (const [name, fn] of [
    ["redactArgs", redactArgs],
    ["redactOutput", redactOutput],
  ] as const) {
    if (fn !== undefined && typeof fn !== "function") {
      throw new InvalidInputError(name, `${name}: expected a function, got ${describe(fn)}`);
    }
  }
  if (match !== undefined) {
    if (typeof match !== "object" || match === null) {
      throw new InvalidInputError("match", `match: expected an object, got ${describe(match)}`);
    }
    for (const [key, value] of Object.entries(match)) {
      if (key !== "cwd" && key !== "stdin")
        throw new InvalidInputError(`match.${key}`, `match: unknown key ${JSON.stringify(key)}`);
      if (typeof value !== "boolean") {
        throw new InvalidInputError(
          `match.${key}`,
          `match.${key}: expected a boolean, got ${describe(value)}`,
        );
      }
    }
  }
}

function clip(text: string): string {
  return text.length > 160 ? `${text.slice(0, 159)}…` : text;
}
