/** processkit: run child processes so that nothing they start outlives its owner. */
import "./compose.js";

export {
  type BatchEntry,
  type BatchOptions,
  type Finishable,
  type FirstFinished,
  outputAll,
  outputStream,
  type StreamedEntry,
  waitAll,
  waitAny,
} from "./batch/index.js";
export { CliClient } from "./client/cli-client.js";
export type { CliClientOptions } from "./client/client-options.js";
export type { ClientVerbs } from "./client/client-verbs.js";
export { Command, type OutputLimit, type RetryPolicy } from "./command/command.js";
export type { Duration } from "./command/duration.js";
export { parseDuration } from "./command/duration.js";
export type { CommandOptions } from "./command/options.js";
export type { LineHandler, OutputMode, OverflowPolicy } from "./command/output-options.js";
export type { StdinSource } from "./command/stdin-source.js";
export type { StreamSelector, StreamTargetOptions } from "./command/stream-options.js";
export { cmd } from "./command/template.js";
export { type HostContainment, hostContainment, type ParentDeath } from "./containment/host.js";
export type { ContainerStats, Mechanism } from "./containment/mechanism.js";
export {
  CancelledError,
  CassetteMissError,
  type ErrorReason,
  ExitError,
  InvalidInputError,
  type LimitKind,
  NotFoundError,
  NotReadyError,
  type OutputStream,
  OutputTargetError,
  OutputTooLargeError,
  ParseError,
  ProcessError,
  ResourceLimitError,
  SignalledError,
  SpawnError,
  StdinError,
  TimeoutError,
  UnsupportedError,
} from "./errors.js";
export type { CancelEvent, ExitEvent, SpawnEvent, TeardownEvent, TimeoutEvent } from "./events.js";
export type { ProcessStdin } from "./io/stdin-writer.js";
export { Pipeline } from "./pipeline/pipeline.js";
export type { PipelineProcess } from "./pipeline/pipeline-process.js";
export type { ByteSource, ReadableOptions } from "./process/byte-streams.js";
export type { ReadinessPredicate } from "./process/readiness/wait-for.js";
export type { StatusMatcher, WaitForHttpOptions } from "./process/readiness/wait-for-http.js";
export type { LineMatcher } from "./process/readiness/wait-for-line.js";
export type { PortTarget } from "./process/readiness/wait-for-port.js";
export type {
  Finished,
  ProcessEvent,
  ProcessShutdownOptions,
  RunningProcess,
} from "./process/running-process.js";
export { type WhichOptions, which } from "./process/which.js";
export { type Outcome, ProcessResult } from "./result.js";
export { BaseRunner } from "./runner/base-runner.js";
export { JobRunner, type JobRunnerOptions } from "./runner/job-runner.js";
export { output, run } from "./runner/one-liners.js";
export {
  type GroupLimits,
  ProcessGroup,
  type ProcessGroupOptions,
  type ShutdownOptions,
  type ShutdownReport,
} from "./runner/process-group.js";
export type { ProcessRunner } from "./runner/runner.js";
export type {
  GiveUpAttempt,
  SessionOutcome,
  StoppedOutcome,
  SupervisionOutcome,
  SupervisionState,
  SupervisionStatus,
} from "./supervisor/engine.js";
export type {
  ErroredEvent,
  GaveUpEvent,
  HealthCheckFailedEvent,
  IncarnationExitedEvent,
  IncarnationFailedEvent,
  IncarnationStartedEvent,
  LaggedEvent,
  RestartDiagnostic,
  RestartScheduledEvent,
  StoppedEvent,
  StormDiagnostic,
  StormPauseEvent,
  SupervisorEvent,
} from "./supervisor/events.js";
export type { HealthCheckOptions, HealthProbe, HealthProbeContext } from "./supervisor/health-check.js";
export type { SupervisorConfig, SupervisorOptions } from "./supervisor/options.js";
export { RestartPolicy, StopReason } from "./supervisor/restart-policy.js";
export type { StopOptions, SupervisionSession } from "./supervisor/session.js";
export { type RunOptions, Supervisor } from "./supervisor/supervisor.js";
export { type VerboseHandle, verbose } from "./verbose/verbose.js";
export type { ArgsOption, VerboseOptions } from "./verbose/verbose-options.js";

// PROCESSKIT_DEBUG, read once at import (package.json lists this file under sideEffects for bundlers).
import { verboseFromEnvironment } from "./verbose/from-env.js";

verboseFromEnvironment();
