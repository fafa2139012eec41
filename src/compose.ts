/**
 * The composition root. `command/` is plain data and imports no layer above it; here, once,
 * `Command` gets its verbs (from the one verb list, going to the default runner), `pipe()`
 * and `spawnDetached()`. `index.ts` imports this file first, so every public entry point sees
 * a complete `Command`.
 */
import { Command } from "./command/command.js";
import { SPEC } from "./command/spec.js";
import { Pipeline } from "./pipeline/pipeline.js";
import type { RunningProcess } from "./process/running-process.js";
import { spawnDetached } from "./process/spawn-detached.js";
import { defaultRunner } from "./runner/job-runner.js";
import { attachVerbs, type VerbsOf } from "./runner/verb-list.js";

declare module "./command/command.js" {
  // Every verb (see runner/verb-list.ts), on the default runner.
  interface Command extends VerbsOf<[], RunningProcess> {
    /** `this | next`: stages joined by kernel pipes, no shell. */
    pipe(next: Command | Pipeline): Pipeline;
    /**
     * The one explicit way out of containment: starts the command in its own session, in no
     * container, so it outlives this process on purpose. Returns only the pid.
     */
    spawnDetached(): Promise<{ pid: number }>;
  }
}

attachVerbs(Command.prototype, (self, rest) => ({ runner: defaultRunner(), command: self as Command, rest }));

Object.defineProperties(Command.prototype, {
  pipe: {
    configurable: true,
    writable: true,
    value(this: Command, next: Command | Pipeline): Pipeline {
      return Pipeline.of([this]).pipe(next);
    },
  },
  spawnDetached: {
    configurable: true,
    writable: true,
    value(this: Command): Promise<{ pid: number }> {
      return spawnDetached(this[SPEC]);
    },
  },
});
