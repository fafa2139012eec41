/** Puts every derived verb on a runner as a method. Subclasses implement the three primitives. */
import type { Command } from "../command/command.js";
import type { RunningProcess } from "../process/running-process.js";
import type { ProcessResult } from "../result.js";
import type { ProcessRunner } from "./runner.js";
import * as verbs from "./verbs.js";

export abstract class BaseRunner implements ProcessRunner {
  abstract output(command: Command): Promise<ProcessResult<string>>;
  abstract outputBytes(command: Command): Promise<ProcessResult<Uint8Array>>;
  abstract start(command: Command): Promise<RunningProcess>;

  run(command: Command): Promise<string> {
    return verbs.run(this, command);
  }
  checked(command: Command): Promise<ProcessResult<string>> {
    return verbs.checked(this, command);
  }
  exitCode(command: Command): Promise<number> {
    return verbs.exitCode(this, command);
  }
  probe(command: Command): Promise<boolean> {
    return verbs.probe(this, command);
  }
  parse<T>(command: Command, fn: (stdout: string) => T): Promise<T> {
    return verbs.parse(this, command, fn);
  }
  json<T = unknown>(command: Command): Promise<T> {
    return verbs.json<T>(this, command);
  }
  firstLine(command: Command, predicate?: (line: string) => boolean): Promise<string | undefined> {
    return verbs.firstLine(this, command, predicate);
  }
}
