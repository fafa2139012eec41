/**
 * `Command`: an immutable description of one run. Every builder method validates its input
 * at once (so mistakes surface at the line that made them, before anything is spawned) and
 * returns a new `Command`; the original is never changed.
 *
 * This file is plain data: it imports no layer above `command/`. The verbs (`output`, `run`,
 * …), `pipe()` and `spawnDetached()` are attached at the composition root (src/compose.ts),
 * from the one verb list, and go to the default runner there.
 */
import { inspect } from "node:util";
import { InvalidInputError } from "../errors.js";
import type { Duration } from "./duration.js";
import { parseDeadline, parseDuration } from "./duration.js";
import type { LineHandler, OutputMode, OverflowPolicy } from "./output-options.js";
import { quoteArg } from "./quote.js";
import { parseSignal } from "./signals.js";
import { parseSize, type Size } from "./size.js";
import type { CommandSpec, OutputLimitSpec, RetrySpec } from "./spec.js";
import { DEFAULT_SPEC, SPEC } from "./spec.js";
import { type StdinSource, toStdinSpec } from "./stdin-source.js";
import {
  checkSelector,
  checkTarget,
  patchRules,
  type StreamSelector,
  type StreamTargetOptions,
} from "./stream-options.js";
import {
  checkAbortSignal,
  checkBoolean,
  checkEnvEntry,
  checkEnvName,
  checkNonNegativeInteger,
  checkOptions,
  checkText,
  describe,
} from "./validate.js";

export interface OutputLimit {
  /** Most bytes kept per stream (number or size string like "1M"). */
  maxBytes?: Size;
  /** Most lines kept per stream. */
  maxLines?: number;
  /** What to do past the limit. The pipe is drained either way, so the child never blocks. */
  onOverflow: OverflowPolicy;
}

const INTERACTIVE = Object.freeze({ kind: "interactive" as const });

export interface RetryPolicy {
  /** Total attempts, the first included (default 3). 1 = no retry. */
  attempts?: number;
  /** Wait before the first retry (default "100ms"). */
  delay?: Duration;
  /** Growth of the wait per retry (default 2; 1 = fixed delay). */
  factor?: number;
  /** Cap on the wait (default "30s"). */
  maxDelay?: Duration;
  /** Full jitter: wait a uniformly random part of the delay (default true). */
  jitter?: boolean;
  /** Which errors are worth another attempt (default: ExitError, TimeoutError, SignalledError). */
  retryOn?: (error: unknown) => boolean;
}

export class Command {
  /** @internal */
  readonly [SPEC]: CommandSpec;

  constructor(program: string, args: readonly string[] = []) {
    const prog = checkText(program, "program", typeof program === "string" ? program : "");
    if (prog.length === 0) throw new InvalidInputError("program", "program: must not be empty");
    if (!Array.isArray(args))
      throw new InvalidInputError("args", `args: expected an array, got ${describe(args)}`, prog);
    this[SPEC] = Object.freeze({
      ...DEFAULT_SPEC,
      program: prog,
      args: Object.freeze(checkArgs(args, prog, 0)),
    });
  }

  /** @internal Builds a Command from an already-validated spec. */
  static fromSpec(spec: CommandSpec): Command {
    const cmd = Object.create(Command.prototype) as { [SPEC]: CommandSpec };
    cmd[SPEC] = Object.freeze(spec);
    return cmd as unknown as Command;
  }

  private with(patch: Partial<CommandSpec>): Command {
    return Command.fromSpec({ ...this[SPEC], ...patch });
  }

  private get prog(): string {
    return this[SPEC].program;
  }

  get program(): string {
    return this[SPEC].program;
  }

  /** A copy of the argument list (without the program). */
  get argv(): string[] {
    return [...this[SPEC].args];
  }

  arg(arg: string): Command {
    const spec = this[SPEC];
    return this.with({
      args: Object.freeze([...spec.args, checkText(arg, `args[${spec.args.length}]`, spec.program)]),
    });
  }

  args(args: readonly string[]): Command {
    if (!Array.isArray(args))
      throw new InvalidInputError("args", `args: expected an array, got ${describe(args)}`, this.prog);
    const spec = this[SPEC];
    return this.with({
      args: Object.freeze([...spec.args, ...checkArgs(args, spec.program, spec.args.length)]),
    });
  }

  cwd(dir: string): Command {
    if (dir === "") throw new InvalidInputError("cwd", 'cwd: expected a directory, got ""', this.prog);
    return this.with({ cwd: checkText(dir, "cwd", this.prog) });
  }

  /** Sets variables on top of the base environment. `undefined` as a value removes the variable. */
  env(vars: Readonly<Record<string, string | undefined>>): Command {
    if (typeof vars !== "object" || vars === null) {
      throw new InvalidInputError("env", `env: expected an object, got ${describe(vars)}`, this.prog);
    }
    const overrides = new Map(this[SPEC].envOverrides);
    for (const [name, value] of Object.entries(vars)) {
      checkEnvEntry(name, value, this.prog);
      overrides.set(name, value);
    }
    return this.with({ envOverrides: overrides });
  }

  envRemove(names: readonly string[]): Command {
    const overrides = new Map(this[SPEC].envOverrides);
    for (const name of checkNames(names, this.prog)) overrides.set(name, undefined);
    return this.with({ envOverrides: overrides });
  }

  /** Start from an empty environment; variables set with `env()` still apply. */
  envClear(): Command {
    return this.with({ envBase: Object.freeze({ kind: "clear" }) });
  }

  /** Clear the environment, then copy only these variables from the parent at spawn time. */
  inheritEnv(names: readonly string[]): Command {
    const base = this[SPEC].envBase;
    const previous = base.kind === "only" ? base.names : [];
    const merged = [...new Set([...previous, ...checkNames(names, this.prog)])];
    return this.with({ envBase: Object.freeze({ kind: "only", names: Object.freeze(merged) }) });
  }

  stdin(source: StdinSource): Command {
    return this.with({ stdin: toStdinSpec(source, this.prog) });
  }

  /**
   * Keep a writable stdin for `start()` (interactive use). It shares the one stdin slot with
   * `stdin(source)`: the later call wins. Bulk verbs close it at once, so the child sees EOF.
   */
  keepStdinOpen(): Command {
    return this.with({ stdin: INTERACTIVE });
  }

  stdout(mode: OutputMode): Command {
    return this.with({ stdout: checkOutputMode(mode, "stdout", this.prog), stdoutTarget: undefined });
  }

  stderr(mode: OutputMode): Command {
    return this.with({
      stderr: checkOutputMode(mode, "stderr", this.prog),
      stderrTarget: undefined,
      stderrToStdout: false,
    });
  }

  /**
   * Raw stdout bytes go to a Node `Writable` (process.stdout, a file stream, an HTTP response)
   * with backpressure; `{ capture: true }` also keeps them for `output()` (a tee). The target
   * is never ended by the run. A target that errors is detached and reported; the pipe keeps draining.
   */
  stdoutTo(target: NodeJS.WritableStream, options?: StreamTargetOptions): Command {
    return this.with({ stdout: "pipe", stdoutTarget: checkTarget(target, options, "stdoutTo", this.prog) });
  }

  stderrTo(target: NodeJS.WritableStream, options?: StreamTargetOptions): Command {
    return this.with({
      stderr: "pipe",
      stderrTarget: checkTarget(target, options, "stderrTo", this.prog),
      stderrToStdout: false,
    });
  }

  /** `2>&1`: the child's stderr is its stdout pipe (one fd, exact write order); stderr is then empty. */
  stderrToStdout(): Command {
    return this.with({ stderr: "pipe", stderrTarget: undefined, stderrToStdout: true });
  }

  /** Also keep both streams interleaved in arrival order (`result.all`), under the same limit. */
  captureAll(): Command {
    return this.with({ captureAll: true });
  }

  /** Look for the program in `node_modules/.bin` from the cwd upwards (as `npm run` does) before PATH. */
  preferLocal(): Command {
    return this.with({ preferLocal: true });
  }

  /** A bare `\r` ends a line too (progress bars); `\r\n` stays one terminator. Default: both streams. */
  carriageReturnLines(stream: StreamSelector = "both"): Command {
    return this.withRules(checkSelector(stream, "carriageReturnLines", this.prog), { cr: true });
  }

  /** Strip ANSI/VT escape sequences from lines and captured text (never from raw byte streams). Default: both streams. */
  sanitizeVt(stream: StreamSelector = "both"): Command {
    return this.withRules(checkSelector(stream, "sanitizeVt", this.prog), { sanitizeVt: true });
  }

  private withRules(selector: StreamSelector, patch: { cr?: boolean; sanitizeVt?: boolean }): Command {
    const spec = this[SPEC];
    return this.with({
      stdoutLineRules: patchRules(spec.stdoutLineRules, "stdout", selector, patch),
      stderrLineRules: patchRules(spec.stderrLineRules, "stderr", selector, patch),
    });
  }

  /** "utf-8" (default, lossy) or any WHATWG `TextDecoder` label. */
  encoding(label: string): Command {
    let normalised: string;
    try {
      normalised = new TextDecoder(checkText(label, "encoding", this.prog)).encoding;
    } catch (error) {
      if (error instanceof InvalidInputError) throw error;
      throw new InvalidInputError("encoding", `encoding: unknown label ${describe(label)}`, this.prog);
    }
    return this.with({ encoding: normalised });
  }

  outputLimit(limit: OutputLimit): Command {
    return this.with({ outputLimit: checkOutputLimit(limit, this.prog) });
  }

  /** Called with each decoded stdout line (without its terminator) as it arrives. A throwing handler is disabled. */
  onStdoutLine(handler: LineHandler): Command {
    return this.with({
      stdoutLineHandlers: Object.freeze([
        ...this[SPEC].stdoutLineHandlers,
        checkFn(handler, "onStdoutLine", this.prog),
      ]),
    });
  }

  onStderrLine(handler: LineHandler): Command {
    return this.with({
      stderrLineHandlers: Object.freeze([
        ...this[SPEC].stderrLineHandlers,
        checkFn(handler, "onStderrLine", this.prog),
      ]),
    });
  }

  /** Exit codes that count as success (default `[0]`). */
  okCodes(codes: readonly number[]): Command {
    if (!Array.isArray(codes) || codes.length === 0) {
      throw new InvalidInputError("okCodes", "okCodes: expected a non-empty array of exit codes", this.prog);
    }
    for (const [i, code] of codes.entries()) {
      if (typeof code !== "number" || !Number.isInteger(code) || code < 0 || code > 255) {
        throw new InvalidInputError(
          "okCodes",
          `okCodes[${i}]: ${describe(code)} is not an exit code (an integer 0-255)`,
          this.prog,
        );
      }
    }
    return this.with({ okCodes: Object.freeze([...new Set(codes)]) });
  }

  /** Absolute deadline. 0 means none. */
  timeout(d: Duration): Command {
    return this.with({ timeoutMs: parseDeadline(d, "timeout", this.prog) });
  }

  /** How long after `timeoutSignal` before SIGKILL (default 0: kill at once). Ends early when the tree is gone. */
  timeoutGrace(d: Duration): Command {
    return this.with({ timeoutGraceMs: parseDuration(d, "timeoutGrace", this.prog) });
  }

  timeoutSignal(signal: NodeJS.Signals): Command {
    return this.with({ timeoutSignal: parseSignal(signal, "timeoutSignal", this.prog) });
  }

  /** Deadline that restarts whenever stdout or stderr produces a byte. 0 means none. */
  inactivityTimeout(d: Duration): Command {
    return this.with({ inactivityTimeoutMs: parseDeadline(d, "inactivityTimeout", this.prog) });
  }

  /** Abort → the tree is killed and the verb rejects with `CancelledError`. Already aborted → nothing is spawned. */
  cancelOn(signal: AbortSignal): Command {
    return this.with({ cancelSignal: checkAbortSignal(signal, "cancelOn", this.prog) });
  }

  /**
   * Retry the checking verbs (`run`, `checked`, `exitCode`, `probe`, `parse`, `json`) on
   * failure. Never the data verbs, never a cancel, never a command with one-shot stdin.
   */
  retry(policy: RetryPolicy = {}): Command {
    return this.with({ retry: checkRetry(policy, this.prog) });
  }

  uid(id: number): Command {
    return this.with({ uid: checkNonNegativeInteger(id, "uid", this.prog) });
  }

  gid(id: number): Command {
    return this.with({ gid: checkNonNegativeInteger(id, "gid", this.prog) });
  }

  /**
   * In a pipeline, this stage's failure is never blamed (the `yes | head -1` shape: `yes` dies
   * of SIGPIPE when `head` has enough). Checked stages' failures always win.
   */
  uncheckedInPipe(): Command {
    return this.with({ uncheckedInPipe: true });
  }

  /** A shell-quoted display form (argv only; env never appears). */
  toString(): string {
    const spec = this[SPEC];
    return [spec.program, ...spec.args].map(quoteArg).join(" ");
  }

  /** JSON form: program, args, cwd and the *names* of env overrides, never values. */
  toJSON(): Record<string, unknown> {
    const spec = this[SPEC];
    return {
      program: spec.program,
      args: [...spec.args],
      ...(spec.cwd === undefined ? {} : { cwd: spec.cwd }),
      envNames: [...spec.envOverrides.keys()],
    };
  }

  [inspect.custom](): string {
    const spec = this[SPEC];
    return `Command(${this.toString()}${spec.envOverrides.size ? ` env: [${[...spec.envOverrides.keys()].join(", ")}]` : ""})`;
  }
}

function checkRetry(policy: RetryPolicy, program: string): RetrySpec {
  checkOptions(policy, "retry", ["attempts", "delay", "factor", "maxDelay", "jitter", "retryOn"], program);
  if (policy === undefined || policy === null) {
    throw new InvalidInputError("retry", `retry: expected an object, got ${describe(policy)}`, program);
  }
  const attempts = policy.attempts ?? 3;
  if (!Number.isSafeInteger(attempts) || attempts < 1) {
    throw new InvalidInputError(
      "retry.attempts",
      `retry.attempts: expected an integer >= 1, got ${describe(attempts)}`,
      program,
    );
  }
  const factor = policy.factor ?? 2;
  if (typeof factor !== "number" || !Number.isFinite(factor) || factor < 1) {
    throw new InvalidInputError(
      "retry.factor",
      `retry.factor: expected a finite number >= 1, got ${describe(factor)}`,
      program,
    );
  }
  if (policy.retryOn !== undefined) checkFn(policy.retryOn, "retry.retryOn", program);
  return Object.freeze({
    attempts,
    delayMs: parseDuration(policy.delay ?? 100, "retry.delay", program),
    factor,
    maxDelayMs: parseDuration(policy.maxDelay ?? "30s", "retry.maxDelay", program),
    jitter: policy.jitter === undefined ? true : checkBoolean(policy.jitter, "retry.jitter", program),
    retryOn: policy.retryOn,
  });
}

function checkArgs(args: readonly unknown[], program: string, offset: number): string[] {
  return args.map((a, i) => checkText(a, `args[${offset + i}]`, program));
}

function checkNames(names: readonly unknown[], program: string): string[] {
  if (!Array.isArray(names))
    throw new InvalidInputError("env", `env: expected an array of names, got ${describe(names)}`, program);
  return names.map((n) => checkEnvName(n, program));
}

function checkFn<F extends Function>(fn: F, argument: string, program: string): F {
  if (typeof fn !== "function")
    throw new InvalidInputError(argument, `${argument}: expected a function, got ${describe(fn)}`, program);
  return fn;
}

function checkOutputMode(mode: unknown, argument: string, program: string): OutputMode {
  if (mode === "pipe" || mode === "inherit" || mode === "ignore") return mode;
  if (typeof mode === "object" && mode !== null && "file" in mode) {
    checkOptions(mode as { file: unknown; append?: unknown }, argument, ["file", "append"], program);
    const { file, append } = mode as { file: unknown; append?: unknown };
    return Object.freeze({
      file: checkText(file, `${argument}.file`, program),
      append: append === undefined ? false : checkBoolean(append, `${argument}.append`, program),
    });
  }
  throw new InvalidInputError(
    argument,
    `${argument}: expected "pipe", "inherit", "ignore" or { file }, got ${describe(mode)}`,
    program,
  );
}

function checkOutputLimit(limit: OutputLimit, program: string): OutputLimitSpec {
  if (typeof limit !== "object" || limit === null) {
    throw new InvalidInputError(
      "outputLimit",
      `outputLimit: expected an object, got ${describe(limit)}`,
      program,
    );
  }
  checkOptions(limit, "outputLimit", ["maxBytes", "maxLines", "onOverflow"], program);
  const { onOverflow } = limit;
  if (onOverflow !== "drop-oldest" && onOverflow !== "drop-newest" && onOverflow !== "error") {
    throw new InvalidInputError(
      "outputLimit.onOverflow",
      `outputLimit.onOverflow: expected "drop-oldest", "drop-newest" or "error", got ${describe(onOverflow)}`,
      program,
    );
  }
  const maxBytes =
    limit.maxBytes === undefined ? undefined : parseSize(limit.maxBytes, "outputLimit.maxBytes", program);
  const maxLines =
    limit.maxLines === undefined
      ? undefined
      : checkNonNegativeInteger(limit.maxLines, "outputLimit.maxLines", program);
  if (maxBytes === undefined && maxLines === undefined) {
    throw new InvalidInputError("outputLimit", "outputLimit: set maxBytes, maxLines or both", program);
  }
  return Object.freeze({ maxBytes, maxLines, onOverflow });
}
