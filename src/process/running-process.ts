/**
 * `RunningProcess`: one started run and its whole lifecycle — pumps, deadlines, cancellation,
 * teardown and the final settlement every verb is derived from.
 *
 * The one rule that makes processkit different: when the leader of a private container exits,
 * everything left in the container is killed *before* the run settles, then the pipes are
 * drained. A grandchild holding stdout therefore cannot hang a verb.
 *
 * Arbitration, decided once: a cancel beats everything (the verb rejects with
 * `CancelledError`); an `onOverflow: "error"` limit beats a result; a deadline that fired makes
 * the outcome `timed-out` whatever the child did during its grace.
 */
import { Duplex, type Readable, type Writable } from "node:stream";
import { type Duration, parseDuration } from "../command/duration.js";
import { parseSignal } from "../command/signals.js";
import type { CommandSpec } from "../command/spec.js";
import { checkOptions } from "../command/validate.js";
import { stopTree, TREE_GONE_BOUND_MS } from "../containment/stop.js";
import { CancelledError, InvalidInputError, type OutputStream } from "../errors.js";
import { channels, publish, type RunDetails, type TeardownEvent, withDetails } from "../events.js";
import { AllCapture } from "../io/capture/all-capture.js";
import { LineQueue } from "../io/line-queue.js";
import { OutputPump, type PumpTap } from "../io/output-pump.js";
import { feedStdin, type StdinFeed } from "../io/stdin-feeder.js";
import { PipeStdin, type ProcessStdin } from "../io/stdin-writer.js";
import { StreamTarget } from "../io/stream-target.js";
import type { Outcome, ProcessResult } from "../result.js";
import { type ByteSource, outputStream, type ReadableOptions, stdinWritable } from "./byte-streams.js";
import type { LeaderExit, ProcessDriver } from "./driver.js";
import type { ProbeTarget } from "./readiness/probe.js";
import { parseWithin } from "./readiness/probe.js";
import { checkPredicate, type ReadinessPredicate, waitFor as waitForProbe } from "./readiness/wait-for.js";
import {
  checkConnect,
  checkStatus,
  checkUrl,
  type WaitForHttpOptions,
  waitForHttp as waitForHttpProbe,
} from "./readiness/wait-for-http.js";
import {
  checkMatcher,
  type LineMatcher,
  waitForLine as waitForLineProbe,
} from "./readiness/wait-for-line.js";
import { checkPath, waitForPath as waitForPathProbe } from "./readiness/wait-for-path.js";
import { checkPort, type PortTarget, waitForPort as waitForPortProbe } from "./readiness/wait-for-port.js";
import { describeRun, type LineTap, withTaps } from "./run-details.js";
import { resultOf, type Settlement, textOf, throwIfFailed } from "./settlement.js";
import { after, type Cancellable, InactivityTimer } from "./timer.js";

/** After the tree was killed, how long a pipe may stay open (held by an escaped process) before we stop reading it. */
const PIPE_GRACE_MS = 500;

export interface Finished {
  readonly outcome: Outcome;
  /** Captured stdout, unless it was consumed with `stdoutLines()` or not piped. */
  readonly stdout: string | undefined;
  readonly stderr: string;
  readonly durationMs: number;
  readonly truncated: boolean;
}

type StopCause = TeardownEvent["cause"];

/** One item of `events()`: a line of either stream, in arrival order, then the exit. */
export type ProcessEvent =
  | { readonly type: "stdout"; readonly line: string }
  | { readonly type: "stderr"; readonly line: string }
  | { readonly type: "exit"; readonly outcome: Outcome };

export interface ProcessShutdownOptions {
  /** How long after SIGTERM before SIGKILL (default 2 s; 0 = SIGKILL at once). Ends early when the tree is gone. */
  readonly grace?: Duration;
  /** @deprecated the same in milliseconds; use `grace`. */
  readonly graceMs?: number;
}

export interface RunningProcessOptions {
  /** Private container: kill what is left when the leader exits. False inside a shared group. */
  readonly killTreeOnExit: boolean;
  /** Close an interactive stdin at once (bulk verbs on a runner). */
  readonly closeStdin?: boolean;
  /** A replayed run (a cassette): nothing was spawned, so nothing goes to the lifecycle channels. */
  readonly silent?: boolean;
}

export class RunningProcess implements AsyncDisposable {
  readonly pid: number | undefined;
  readonly stdin: ProcessStdin;
  readonly program: string;
  private readonly spec: CommandSpec;
  private readonly driver: ProcessDriver;
  private readonly stdoutPump: OutputPump;
  private readonly stderrPump: OutputPump;
  private readonly all: AllCapture | undefined;
  private readonly targets: Partial<Record<"stdout" | "stderr", StreamTarget>> = {};
  private stdinTaken = false;
  private readonly startedAt = performance.now();
  private readonly settlement: Promise<Settlement>;
  private readonly timers: Cancellable[] = [];
  private inactivity: InactivityTimer | undefined;
  private feed: StdinFeed | undefined;
  /** The first reason the tree was stopped (deadline, cancel, overflow, kill). */
  private stopCause: StopCause | undefined;
  private gracefulStop: Promise<void> | undefined;
  private cancelled: { reason: unknown } | undefined;
  private overflow: OutputStream | undefined;
  private firedTimeoutMs: number | undefined;
  private leaderExited = false;
  private settledFlag = false;
  private readonly silent: boolean;
  private readonly onAbort = () => this.cancel((this.spec.cancelSignal as AbortSignal).reason);

  /** @internal Resolves once the leader exited (pipelines order their stages' exits by it). */
  get leaderExit(): Promise<LeaderExit> {
    return this.driver.exited;
  }

  /** @internal Created by the start door (process/start.ts); users get one from `cmd.start()` or `runner.start(cmd)`. */
  constructor(spec: CommandSpec, driver: ProcessDriver, options: RunningProcessOptions) {
    this.spec = spec;
    this.program = spec.program;
    this.driver = driver;
    this.pid = driver.pid;
    this.silent = options.silent === true;
    this.publish(channels.spawn, () => ({
      program: spec.program,
      pid: driver.pid,
      mechanism: driver.mechanism,
    }));

    if (spec.inactivityTimeoutMs !== undefined) {
      const ms = spec.inactivityTimeoutMs;
      this.inactivity = new InactivityTimer(ms, () => this.deadline("inactivity", ms));
      this.timers.push(this.inactivity);
    }
    if (spec.timeoutMs !== undefined) {
      const ms = spec.timeoutMs;
      this.timers.push(after(ms, () => this.deadline("timeout", ms)));
    }
    const inactivity = this.inactivity;
    this.all = spec.captureAll ? new AllCapture(spec.outputLimit, () => this.onOverflow("all")) : undefined;
    const pumpOptions = (name: "stdout" | "stderr") => {
      const target = name === "stdout" ? spec.stdoutTarget : spec.stderrTarget;
      const taps: PumpTap[] = [];
      if (target !== undefined) {
        const tap = new StreamTarget(target.stream);
        this.targets[name] = tap;
        taps.push(tap);
      }
      if (this.all !== undefined) taps.push(this.all.tap());
      return {
        encoding: spec.encoding,
        limit: spec.outputLimit,
        // A verbose subscriber that asked for the output during the spawn event taps the lines here.
        handlers: withTaps(
          name === "stdout" ? spec.stdoutLineHandlers : spec.stderrLineHandlers,
          name,
          this.lineTaps,
        ),
        onActivity: inactivity === undefined ? undefined : () => inactivity.touch(),
        onOverflow: (stream: OutputStream) => this.onOverflow(stream),
        rules: name === "stdout" ? spec.stdoutLineRules : spec.stderrLineRules,
        capture: target === undefined || target.capture,
        taps,
      };
    };
    this.stdoutPump = new OutputPump("stdout", driver.stdout, pumpOptions("stdout"));
    this.stderrPump = new OutputPump("stderr", driver.stderr, pumpOptions("stderr"));

    const interactive = spec.stdin.kind === "interactive";
    this.stdin = new PipeStdin(interactive ? driver.stdin : null, spec.program);
    if (interactive) {
      if (options.closeStdin) driver.stdin?.end();
    } else if (driver.stdin !== null) {
      this.feed = feedStdin(spec.stdin, driver.stdin);
    }

    spec.cancelSignal?.addEventListener("abort", this.onAbort, { once: true });
    this.settlement = this.settle(options.killTreeOnExit);
    // Aborted while we were spawning: the listener above will never fire.
    if (spec.cancelSignal?.aborted) this.onAbort();
  }

  // ── lifecycle ────────────────────────────────────────────────────────────

  private async settle(killTreeOnExit: boolean): Promise<Settlement> {
    const exit = await this.driver.exited;
    this.leaderExited = true;
    const durationMs = performance.now() - this.startedAt;
    if (this.gracefulStop !== undefined) {
      // A graceful stop is under way: let the tree use its grace instead of killing it now.
      await this.gracefulStop;
    } else if (killTreeOnExit) {
      this.teardownEvent("leader-exit", "kill", 0);
      this.driver.tree.kill();
    }
    if (killTreeOnExit || this.stopCause !== undefined) await this.driver.tree.waitEmpty(TREE_GONE_BOUND_MS);

    // Drain the pipes. Everything that could write to them is dead unless it escaped the
    // container (process-group mode, setsid): then stop reading after a short grace.
    const pumps = Promise.all([this.stdoutPump.ended, this.stderrPump.ended]);
    let grace: Cancellable | undefined;
    await Promise.race([
      pumps,
      new Promise<void>((resolve) => {
        grace = after(PIPE_GRACE_MS, () => {
          this.stdoutPump.abandon();
          this.stderrPump.abandon();
          resolve();
        });
      }),
    ]);
    grace?.cancel();
    // The bytes handed to a stream target reach it before the run is over (a stalled target
    // stalls the run as it stalls the child; a deadline, cancel or kill stops waiting for it).
    if (this.stopCause === undefined) {
      await Promise.all(Object.values(this.targets).map((target) => target.flushed()));
    }

    for (const timer of this.timers) timer.cancel();
    this.spec.cancelSignal?.removeEventListener("abort", this.onAbort);
    this.feed?.stop();
    const stdinError = this.feed === undefined ? undefined : await settledOrUndefined(this.feed.done);
    this.driver.release();
    this.settledFlag = true;

    const outcome = this.outcomeOf(exit);
    this.publish(channels.exit, () => ({
      program: this.program,
      pid: this.pid,
      outcome: this.cancelled ? { kind: "cancelled" as const } : outcome,
      durationMs,
    }));
    return {
      exit,
      outcome,
      durationMs,
      cancelled: this.cancelled,
      overflow: this.overflow,
      stdinError,
      timeoutMs: this.firedTimeoutMs,
      targetError: this.targetFailure(),
    };
  }

  private targetFailure(): Settlement["targetError"] {
    for (const stream of ["stdout", "stderr"] as const) {
      const error = this.targets[stream]?.failure;
      if (error !== undefined) return { stream, error };
    }
    return undefined;
  }

  private outcomeOf(exit: LeaderExit): Outcome {
    if (this.stopCause === "timeout") return { kind: "timed-out" };
    if (this.stopCause === "inactivity") return { kind: "inactivity-timed-out" };
    if (exit.code !== null) return { kind: "exited", code: exit.code };
    return { kind: "signalled", signal: exit.signal ?? "SIGKILL" };
  }

  private deadline(kind: "timeout" | "inactivity", ms: number): void {
    // The leader exited before the deadline: its outcome stands, even while the pipes drain.
    if (this.settledFlag || this.stopCause !== undefined || this.leaderExited) return;
    this.firedTimeoutMs = ms;
    this.publish(channels.timeout, () => ({
      program: this.program,
      pid: this.pid,
      kind: kind === "timeout" ? ("absolute" as const) : ("inactivity" as const),
      timeoutMs: ms,
    }));
    this.stop(kind, this.spec.timeoutGraceMs, this.spec.timeoutSignal);
  }

  private cancel(reason: unknown): void {
    if (this.settledFlag || this.cancelled !== undefined) return;
    this.cancelled = { reason };
    this.publish(channels.cancel, () => ({ program: this.program, pid: this.pid }));
    // Cancel beats a deadline already in its grace period: kill now.
    this.stopCause ??= "cancel";
    this.teardownEvent("cancel", "kill", 0);
    this.driver.tree.kill();
  }

  private onOverflow(stream: OutputStream): void {
    this.overflow ??= stream;
    this.stop("output-limit", 0, "SIGKILL");
  }

  /** Stops the tree once, through the one stop driver: SIGKILL at once, or signal → grace (ends early when empty) → SIGKILL. */
  private stop(cause: StopCause, graceMs: number, signal: NodeJS.Signals): void {
    if (this.settledFlag || this.stopCause !== undefined) return;
    this.stopCause = cause;
    const graceful = graceMs > 0 && signal !== "SIGKILL";
    this.teardownEvent(cause, graceful ? "graceful" : "kill", graceMs);
    // No grace means no signal first: SIGKILL at once.
    const stopping = stopTree(this.driver.tree, { signal: graceful ? signal : "SIGKILL", graceMs });
    // Only a grace is waited for by the settlement; a kill is already final.
    if (graceful) this.gracefulStop = stopping.then(() => {});
  }

  private teardownEvent(cause: StopCause, phase: TeardownEvent["phase"], graceMs: number): void {
    this.publish(channels.teardown, () => ({
      program: this.program,
      pid: this.pid,
      mechanism: this.driver.mechanism,
      cause,
      phase,
      graceMs,
    }));
  }

  private publish<T extends object>(ch: (typeof channels)[keyof typeof channels], make: () => T): void {
    if (!this.silent) publish(ch, () => withDetails(make(), () => this.details()));
  }

  private runDetails: RunDetails | undefined;
  private readonly lineTaps: LineTap[] = [];
  /** One object per run, so a verbose subscriber can pair a spawn with its exit. */
  private details(): RunDetails {
    this.runDetails ??= describeRun(this.spec, () => this.stderrPump.bytes(), this.lineTaps);
    return this.runDetails;
  }

  // ── control ──────────────────────────────────────────────────────────────

  /** The containment mechanism of this run ("cgroup-v2", "process-group", or a test double's name). */
  get mechanism(): string {
    return this.driver.mechanism;
  }

  /** Sends a signal to every process of the tree. */
  signal(signal: NodeJS.Signals): void {
    const checked = parseSignal(signal, "signal", this.program); // a typo throws instead of sending nothing
    if (!this.settledFlag) this.driver.tree.signal(checked);
  }

  /** Kills the whole tree at once and resolves when it is gone. Idempotent. */
  async kill(): Promise<void> {
    if (!this.settledFlag) {
      this.stopCause ??= "kill";
      this.teardownEvent("kill", "kill", 0);
      this.driver.tree.kill();
    }
    await this.settlement;
  }

  /**
   * SIGTERM to the tree, wait up to `grace` (default 2 s; ends early when empty), then SIGKILL.
   * Resolves when gone. An invalid `grace` throws `InvalidInputError` before anything is signalled.
   */
  shutdown(options: ProcessShutdownOptions = {}): Promise<Finished> {
    checkOptions(options, "shutdown", ["grace", "graceMs"], this.program);
    let graceMs = 2_000;
    if (options.grace !== undefined) graceMs = parseDuration(options.grace, "grace", this.program);
    else if (options.graceMs !== undefined) graceMs = parseDuration(options.graceMs, "graceMs", this.program);
    return this.shutdownAfter(graceMs);
  }

  private shutdownAfter(graceMs: number): Promise<Finished> {
    // A leader that already exited keeps its outcome; its tree is being torn down anyway.
    if (!this.leaderExited) this.stop("shutdown", graceMs, "SIGTERM");
    return this.finish();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.kill();
  }

  // ── consumers ────────────────────────────────────────────────────────────

  /** Async iterable of stdout lines. One consumer; lines produced before the call are not lost. */
  stdoutLines(): AsyncIterableIterator<string> {
    return this.linesOf(this.stdoutPump);
  }

  stderrLines(): AsyncIterableIterator<string> {
    return this.linesOf(this.stderrPump);
  }

  /** stdout lines in batches (one array per chunk read): the fastest way to consume lines. */
  stdoutLineBatches(): AsyncIterableIterator<string[]> {
    return this.linesOf(this.stdoutPump, true);
  }

  stderrLineBatches(): AsyncIterableIterator<string[]> {
    return this.linesOf(this.stderrPump, true);
  }

  /**
   * The raw output bytes as a Node `Readable` (`from`: "stdout" default, "stderr", or "all" =
   * both in arrival order), with backpressure to the child. It ends after the run, with the
   * verbs' error (`ExitError`, `TimeoutError`, `CancelledError` …) after the data on failure.
   * Destroying it before the end kills the run. One consumer per stream (lines included).
   */
  readable(options: ReadableOptions = {}): Readable {
    const pumps = this.bytePumps(options, "readable");
    return outputStream(
      pumps,
      () => this.outputBytes(),
      () => this.kill(),
    );
  }

  /** The raw output bytes as an async iterable of `Uint8Array` chunks; `break` stops reading but does not kill. */
  chunks(options: ReadableOptions = {}): AsyncIterableIterator<Uint8Array> {
    const pumps = this.bytePumps(options, "chunks");
    return outputStream(pumps, () => this.outputBytes())[Symbol.asyncIterator]();
  }

  /** The child's stdin as a Node `Writable` (needs `keepStdinOpen()`); ending it closes stdin. */
  writable(): Writable {
    const pipe = this.driver.stdin;
    if (this.spec.stdin.kind !== "interactive" || pipe === null) {
      throw new InvalidInputError(
        "writable",
        "writable(): stdin is not open (use keepStdinOpen())",
        this.program,
      );
    }
    if (this.stdinTaken) {
      throw new InvalidInputError(
        "writable",
        "writable(): stdin already has a writable consumer",
        this.program,
      );
    }
    this.stdinTaken = true;
    return stdinWritable(pipe, this.program);
  }

  /** stdin and the output bytes as one `Duplex`, a transform step for `stream.pipeline` (needs `keepStdinOpen()`). */
  duplex(options: ReadableOptions = {}): Duplex {
    const writable = this.writable();
    return Duplex.from({ readable: this.readable(options), writable });
  }

  /** @internal The pumps a byte consumer takes, checked (PipelineProcess uses it for its last stage). */
  bytePumps(options: ReadableOptions, method: string): OutputPump[] {
    if (typeof options !== "object" || options === null) {
      throw new InvalidInputError(method, `${method}: options must be an object`, this.program);
    }
    for (const key of Object.keys(options)) {
      if (key !== "from")
        throw new InvalidInputError(`${method}.${key}`, `${method}: unknown option ${key}`, this.program);
    }
    const from: unknown = options.from ?? "stdout";
    if (from !== "stdout" && from !== "stderr" && from !== "all") {
      throw new InvalidInputError(
        `${method}.from`,
        `${method}.from: expected "stdout", "stderr" or "all", got ${JSON.stringify(String(from))}`,
        this.program,
      );
    }
    const wanted = from === "all" ? [this.stdoutPump, this.stderrPump] : [this.pumpOf(from)];
    const pumps = wanted.filter((pump) => pump.piped || from !== "all");
    for (const pump of pumps) {
      if (!pump.piped) {
        throw new InvalidInputError(`${method}.from`, `${method}(): ${pump.name} is not piped`, this.program);
      }
      if (pump.consumed) {
        throw new InvalidInputError(
          `${method}.from`,
          `${method}(): ${pump.name} already has a consumer (lines or bytes)`,
          this.program,
        );
      }
    }
    if (pumps.length === 0)
      throw new InvalidInputError(`${method}.from`, `${method}(): no output is piped`, this.program);
    return pumps;
  }

  private pumpOf(source: Exclude<ByteSource, "all">): OutputPump {
    return source === "stdout" ? this.stdoutPump : this.stderrPump;
  }

  /**
   * Both streams as one async iterable, in arrival order, ending with the exit event. It takes
   * both streams (like `stdoutLines()` and `stderrLines()` together; either one taken → throws).
   * A cancel ends it with `CancelledError` after the buffered events; a deadline ends it with an
   * exit event whose outcome says so. Breaking out early keeps draining the pipes.
   */
  events(): AsyncIterableIterator<ProcessEvent> {
    for (const pump of [this.stdoutPump, this.stderrPump]) {
      if (pump.consumed)
        throw new InvalidInputError(
          "events",
          `${this.program}: events() needs ${pump.name}, already consumed`,
          this.program,
        );
    }
    const queue = new LineQueue<ProcessEvent>((paused) => {
      for (const pump of [this.stdoutPump, this.stderrPump]) {
        if (paused) pump.pause();
        else pump.resume();
      }
    });
    for (const type of ["stdout", "stderr"] as const) {
      const pump = type === "stdout" ? this.stdoutPump : this.stderrPump;
      pump.takeLines({ push: (lines) => queue.push(lines.map((line) => ({ type, line }))), end: () => {} });
    }
    void this.settlement.then((s) => {
      if (s.cancelled) {
        queue.end(new CancelledError(this.program, s.cancelled.reason));
        return;
      }
      queue.push([{ type: "exit", outcome: s.outcome }]);
      queue.end();
    });
    return queue;
  }

  // ── readiness probes (src/process/readiness/; each has its own deadline, none kills the child) ──

  /**
   * Resolves with the first stdout line (from the line cursor on, already printed lines
   * included) that contains `matcher` / matches the RegExp / satisfies the predicate. The lines
   * up to and including it are consumed: a later `stdoutLines()` continues after it. Rejects
   * with `NotReadyError` after `within` or when stdout ends first.
   */
  waitForLine(matcher: LineMatcher, within: Duration): Promise<string> {
    return this.lineProbe(this.stdoutPump, matcher, within, "waitForLine");
  }

  /** `waitForLine` on stderr. */
  waitForStderrLine(matcher: LineMatcher, within: Duration): Promise<string> {
    return this.lineProbe(this.stderrPump, matcher, within, "waitForStderrLine");
  }

  /** Resolves once a TCP connection to the port succeeds (host default `localhost`). */
  waitForPort(port: PortTarget, within: Duration): Promise<void> {
    const address = checkPort(port, this.program);
    return waitForPortProbe(this.probeTarget, address, parseWithin(within, this.program));
  }

  /** Resolves with the status once a plain HTTP GET answers with an accepted one (default 2xx). */
  waitForHttp(url: string | URL, options: WaitForHttpOptions): Promise<number> {
    const parsed = checkUrl(url, this.program);
    const connect = checkConnect(options, this.program);
    const accept = checkStatus(options?.status, this.program);
    return waitForHttpProbe(
      this.probeTarget,
      parsed,
      accept,
      parseWithin(options?.within, this.program),
      connect,
    );
  }

  /** Resolves once the path exists. */
  waitForPath(path: string, within: Duration): Promise<void> {
    const checked = checkPath(path, this.program);
    return waitForPathProbe(this.probeTarget, checked, parseWithin(within, this.program));
  }

  /** Resolves once `predicate(signal)` returns or resolves truthy (polled every 50 ms). */
  waitFor(predicate: ReadinessPredicate, within: Duration): Promise<void> {
    const checked = checkPredicate(predicate, this.program);
    return waitForProbe(this.probeTarget, checked, parseWithin(within, this.program));
  }

  private lineProbe(
    pump: OutputPump,
    matcher: LineMatcher,
    within: Duration,
    method: string,
  ): Promise<string> {
    const matches = checkMatcher(matcher, method, this.program);
    const withinMs = parseWithin(within, this.program);
    if (!pump.piped) {
      throw new InvalidInputError(
        pump.name,
        `${method}() reads ${pump.name}, but it is not piped`,
        this.program,
      );
    }
    if (pump.consumed) {
      return Promise.reject(
        new Error(`${this.program}: ${method}() cannot watch ${pump.name}: a line consumer already took it`),
      );
    }
    return waitForLineProbe(this.probeTarget, pump, matches, withinMs);
  }

  private get probeTarget(): ProbeTarget {
    return { program: this.program, exited: this.driver.exited };
  }

  private linesOf(pump: OutputPump): LineQueue;
  private linesOf(pump: OutputPump, batches: true): LineQueue<string[]>;
  private linesOf(pump: OutputPump, batches = false): LineQueue | LineQueue<string[]> {
    if (pump.consumed)
      throw new InvalidInputError(
        `${pump.name}Lines`,
        `${this.program}: ${pump.name} already has a consumer (${pump.name}Lines() can only be called once)`,
        this.program,
      );
    const onPressure = (paused: boolean) => (paused ? pump.pause() : pump.resume());
    // Batches are counted as items: 16 batches of up to 64 KiB each before the pipe is held.
    const queue = batches ? new LineQueue<string[]>(onPressure, 16, 8) : new LineQueue(onPressure);
    // A cancel ends the stream with the error; a deadline just ends it (finish() reports it).
    // The cancel is recorded before the tree is killed, so the pipe's EOF already knows it.
    const cancelledError = () =>
      this.cancelled === undefined ? undefined : new CancelledError(this.program, this.cancelled.reason);
    const push = batches
      ? (lines: string[]) => (queue as LineQueue<string[]>).push([lines])
      : (lines: string[]) => (queue as LineQueue).push(lines);
    pump.takeLines({ push, end: () => queue.end(cancelledError()) });
    void this.settlement.then(() => queue.end(cancelledError()));
    return queue;
  }

  /** Waits for the end of the run. Rejects with `CancelledError` if it was cancelled. */
  async finish(): Promise<Finished> {
    const s = await this.settlement;
    throwIfFailed(this.spec, s);
    return {
      outcome: s.outcome,
      stdout: this.stdoutPump.consumed ? undefined : textOf(this.spec, this.stdoutPump),
      stderr: textOf(this.spec, this.stderrPump),
      durationMs: s.durationMs,
      truncated: this.stdoutPump.truncated || this.stderrPump.truncated,
    };
  }

  /** The run's result with stdout decoded as text (data even for non-zero exits and timeouts). */
  async output(): Promise<ProcessResult<string>> {
    const s = await this.settlement;
    throwIfFailed(this.spec, s);
    return resultOf(
      this.spec,
      s,
      textOf(this.spec, this.stdoutPump),
      this.stdoutPump,
      this.stderrPump,
      this.all,
    );
  }

  /** The run's result with stdout as exact bytes. */
  async outputBytes(): Promise<ProcessResult<Uint8Array>> {
    const s = await this.settlement;
    throwIfFailed(this.spec, s);
    return resultOf(this.spec, s, this.stdoutPump.bytes(), this.stdoutPump, this.stderrPump, this.all);
  }
}

/** The feed's outcome if it already finished; a feed stuck on a silent source is not waited for. */
function settledOrUndefined(done: Promise<Error | undefined>): Promise<Error | undefined> {
  return Promise.race([done, new Promise<undefined>((resolve) => setImmediate(() => resolve(undefined)))]);
}
