/** processkit/testing: test doubles for the runner seam. Every verb works on them. */
export { type Invocation, RecordingRunner } from "./recording-runner.js";
export { type LinesOptions, Reply, type ReplyEnd } from "./reply.js";
export { ScriptedRunner, ScriptMissError } from "./scripted-runner.js";
