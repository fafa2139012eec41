/**
 * `waitFor`: ready once the caller's predicate returns (or resolves to) a truthy value. It is
 * called every 50 ms, never twice at once; a predicate that throws or rejects counts as "not
 * yet" and its message shows up in the deadline error. The predicate gets an AbortSignal that
 * fires when the probe is over (deadline, exit), to abandon slow checks such as a fetch.
 */
import { InvalidInputError } from "../../errors.js";
import { type ProbeTarget, poll } from "./probe.js";

export type ReadinessPredicate = (signal: AbortSignal) => unknown;

/** @internal */
export function checkPredicate(predicate: unknown, program: string): ReadinessPredicate {
  if (typeof predicate !== "function") {
    throw new InvalidInputError("predicate", "waitFor: expected a function", program);
  }
  return predicate as ReadinessPredicate;
}

/** @internal */
export function waitFor(target: ProbeTarget, predicate: ReadinessPredicate, withinMs: number): Promise<void> {
  return poll<true>(target, { what: "the readiness predicate", withinMs }, async (signal) =>
    (await predicate(signal)) ? true : undefined,
  ).then(() => {});
}
