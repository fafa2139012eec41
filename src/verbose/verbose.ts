/**
 * `verbose()`: a subscriber to the spawn and exit diagnostics channels that prints one readable
 * line for each (see verbose-line.ts). Nothing is subscribed until it is called, so a program
 * that never asks pays nothing; `stop()` (or `using`) unsubscribes.
 */
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { describe } from "../command/validate.js";
import { InvalidInputError } from "../errors.js";
import { detailsOf, type ExitEvent, type RunDetails, type SpawnEvent, wantDetails } from "../events.js";
import { exitLine, type LineStyle, outputLine, spawnLine } from "./verbose-line.js";
import type { VerboseOptions } from "./verbose-options.js";

export interface VerboseHandle extends Disposable {
  /** Unsubscribes. Idempotent. */
  stop(): void;
}

const SPAWN = "processkit:spawn";
const EXIT = "processkit:exit";

export function verbose(options: VerboseOptions = {}): VerboseHandle {
  const { args, write, color, output } = checkOptions(options);
  const sink = write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const style: LineStyle = {
    args: args ?? false,
    color: color ?? (write === undefined && process.stderr.isTTY === true && !process.env.NO_COLOR),
  };
  const runs = new WeakMap<RunDetails, number>();
  let next = 0;
  const numberOf = (details: RunDetails | undefined): number => {
    if (details === undefined) return ++next;
    let run = runs.get(details);
    if (run === undefined) {
      run = ++next;
      runs.set(details, run);
    }
    return run;
  };
  const emit = (line: string) => {
    try {
      sink(line);
    } catch {
      // a broken sink must not break the run it reports on
    }
  };
  const onSpawn = (message: unknown) => {
    const details = detailsOf(message as object);
    const run = numberOf(details);
    emit(spawnLine(run, message as SpawnEvent, details, style));
    if (output === true) details?.tapLines((stream, line) => emit(outputLine(run, stream, line, style)));
  };
  const onExit = (message: unknown) => {
    const details = detailsOf(message as object);
    emit(exitLine(numberOf(details), message as ExitEvent, details, style));
  };
  wantDetails(true);
  subscribe(SPAWN, onSpawn);
  subscribe(EXIT, onExit);
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    unsubscribe(SPAWN, onSpawn);
    unsubscribe(EXIT, onExit);
    wantDetails(false);
  };
  return { stop, [Symbol.dispose]: stop };
}

function checkOptions(options: unknown): VerboseOptions {
  if (typeof options !== "object" || options === null) {
    throw new InvalidInputError("options", `verbose: expected an options object, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (key !== "args" && key !== "write" && key !== "color" && key !== "output") {
      throw new InvalidInputError(key, `verbose: unknown option ${JSON.stringify(key)}`);
    }
  }
  const { args, write, color, output } = options as VerboseOptions;
  if (output !== undefined && typeof output !== "boolean") {
    throw new InvalidInputError("output", `verbose: output must be a boolean, got ${describe(output)}`);
  }
  if (args !== undefined && typeof args !== "boolean" && typeof args !== "function") {
    throw new InvalidInputError(
      "args",
      `verbose: args must be a boolean or a function, got ${describe(args)}`,
    );
  }
  if (write !== undefined && typeof write !== "function") {
    throw new InvalidInputError("write", `verbose: write must be a function, got ${describe(write)}`);
  }
  if (color !== undefined && typeof color !== "boolean") {
    throw new InvalidInputError("color", `verbose: color must be a boolean, got ${describe(color)}`);
  }
  return options as VerboseOptions;
}
