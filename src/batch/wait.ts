/**
 * `waitAny` / `waitAll` over started processes. They only wait: nothing is killed, no stream
 * is consumed, stdin is untouched, so the processes that did not win stay fully usable.
 */
import { InvalidInputError } from "../errors.js";
import type { Finished } from "../process/running-process.js";

/** Anything that can be waited for like a `RunningProcess`. */
export interface Finishable {
  finish(): Promise<Finished>;
}

export interface FirstFinished {
  /** Position of the first process to finish in the input. */
  readonly index: number;
  readonly finished: Finished;
}

/**
 * Resolves with the first process to finish (ties go to the lower index when both are already
 * done). Rejects if that first one rejects (a cancelled run: `CancelledError`). Empty → `InvalidInputError`.
 */
export function waitAny(procs: Iterable<Finishable>): Promise<FirstFinished> {
  const list = checkProcs("waitAny", procs);
  if (list.length === 0) throw new InvalidInputError("procs", "waitAny: needs at least one process");
  return Promise.race(list.map((p, index) => p.finish().then((finished) => ({ index, finished }))));
}

/** Every process's `Finished`, in input order; rejects with the first rejection. Empty → `[]`. */
export function waitAll(procs: Iterable<Finishable>): Promise<Finished[]> {
  const list = checkProcs("waitAll", procs);
  return Promise.all(list.map((p) => p.finish()));
}

function checkProcs(verb: string, procs: unknown): Finishable[] {
  if (procs === null || typeof procs !== "object" || !(Symbol.iterator in procs)) {
    throw new InvalidInputError("procs", `${verb}: expected an iterable of running processes`);
  }
  const list = [...(procs as Iterable<unknown>)];
  for (const [i, p] of list.entries()) {
    if (p === null || typeof p !== "object" || typeof (p as Finishable).finish !== "function") {
      throw new InvalidInputError(`procs[${i}]`, `${verb}: procs[${i}] is not a running process`);
    }
  }
  return list as Finishable[];
}
