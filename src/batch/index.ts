/** Batches: many commands under one concurrency cap, and waiting on several started processes. */
export type { BatchEntry, BatchOptions } from "./engine.js";
export { outputAll } from "./output-all.js";
export { outputStream, type StreamedEntry } from "./output-stream.js";
export { type Finishable, type FirstFinished, waitAll, waitAny } from "./wait.js";
