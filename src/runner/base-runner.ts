/** Puts every derived verb on a runner as a method. Subclasses implement the three primitives. */
import type { Command } from "../command/command.js";
import type { RunningProcess } from "../process/running-process.js";
import type { ProcessResult } from "../result.js";
import type { ProcessRunner } from "./runner.js";
import { attachVerbs, type DerivedVerbsOf } from "./verb-list.js";

// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the derived verbs are declared by the interface below and attached to the prototype from the one verb list.
export abstract class BaseRunner implements ProcessRunner {
  abstract output(command: Command): Promise<ProcessResult<string>>;
  abstract outputBytes(command: Command): Promise<ProcessResult<Uint8Array>>;
  abstract start(command: Command): Promise<RunningProcess>;
}

// The derived verbs (run, checked, exitCode, probe, parse, json, firstLine), from the one list.
export interface BaseRunner extends DerivedVerbsOf<[command: Command], RunningProcess> {}
attachVerbs(
  BaseRunner.prototype,
  (self, [command, ...rest]) => ({ runner: self as BaseRunner, command: command as Command, rest }),
  { derivedOnly: true },
);
