/** processkit/testing: test doubles for the runner seam. Every verb works on them. */
export type { MatchOptions, OutputRedactor, ReplayTiming } from "./cassette/options.js";
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
