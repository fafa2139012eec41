/** processkit/testing: test doubles for the runner seam. Every verb works on them. */
export type { MatchOptions } from "./cassette/call-key.js";
export type { ReplayTiming } from "./cassette/replay.js";
export type { OutputRedactor } from "./cassette/run-capture.js";
export { type DryRunOptions, DryRunRunner } from "./dry-run-runner.js";
export {
  CASSETTE_ENV,
  type CassetteMode,
  type RecordReplayOptions,
  RecordReplayRunner,
} from "./record-replay-runner.js";
export { type Invocation, RecordingRunner } from "./recording-runner.js";
export { type LinesOptions, Reply, type ReplyEnd } from "./reply.js";
export { ScriptedRunner, ScriptMissError } from "./scripted-runner.js";
