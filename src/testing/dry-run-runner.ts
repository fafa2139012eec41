/**
 * `DryRunRunner`: prints what would run — one line per call, env names only — and answers
 * with a scripted success (or the reply given), spawning nothing. It is a `RecordingRunner`,
 * so `calls` and `onlyCall()` tell a test what would have run.
 */
import type { Command } from "../command/command.js";
import { SPEC } from "../command/spec.js";
import { describe } from "../command/validate.js";
import { InvalidInputError } from "../errors.js";
import { RecordingRunner } from "./recording-runner.js";
import { Reply } from "./reply.js";
import { SilentScript } from "./silent-script.js";

export interface DryRunOptions {
  /** Where each line goes (default: stderr, so stdout stays the program's own). */
  write?: (line: string) => void;
  /** What every call answers (default `Reply.ok()`). */
  reply?: Reply;
}

export class DryRunRunner extends RecordingRunner {
  constructor(options: DryRunOptions = {}) {
    const { write, reply } = checkOptions(options);
    const script = new SilentScript().fallback(reply ?? Reply.ok());
    const print = write ?? ((line: string) => process.stderr.write(`${line}\n`));
    const shown = (command: Command): Command => {
      print(describeCall(command));
      return command;
    };
    super({
      output: (command) => script.output(shown(command)),
      outputBytes: (command) => script.outputBytes(shown(command)),
      start: (command) => script.start(shown(command)),
    });
  }
}

/** `would run: git log --oneline (cwd /repo; env GIT_PAGER)`: argv shell-quoted, env by name. */
function describeCall(command: Command): string {
  const spec = command[SPEC];
  const notes: string[] = [];
  if (spec.cwd !== undefined) notes.push(`cwd ${spec.cwd}`);
  const set = [...spec.envOverrides].filter(([, value]) => value !== undefined).map(([name]) => name);
  if (set.length > 0) notes.push(`env ${set.join(", ")}`);
  return `would run: ${command.toString()}${notes.length > 0 ? ` (${notes.join("; ")})` : ""}`;
}

function checkOptions(options: unknown): DryRunOptions {
  if (typeof options !== "object" || options === null) {
    throw new InvalidInputError(
      "options",
      `DryRunRunner: expected an options object, got ${describe(options)}`,
    );
  }
  for (const key of Object.keys(options)) {
    if (key !== "write" && key !== "reply") {
      throw new InvalidInputError(key, `DryRunRunner: unknown option ${JSON.stringify(key)}`);
    }
  }
  const { write, reply } = options as DryRunOptions;
  if (write !== undefined && typeof write !== "function") {
    throw new InvalidInputError("write", `DryRunRunner: write must be a function, got ${describe(write)}`);
  }
  if (reply !== undefined && !(reply instanceof Reply)) {
    throw new InvalidInputError("reply", `DryRunRunner: reply must be a Reply, got ${describe(reply)}`);
  }
  return options as DryRunOptions;
}
