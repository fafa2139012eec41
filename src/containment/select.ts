/** Chooses the containment backend: explicit option, then PROCESSKIT_MECHANISM, then the best the host offers. */
import { InvalidInputError } from "../errors.js";
import type { ContainmentBackend, Mechanism } from "./container.js";
import { ProcessGroupBackend } from "./process-group.js";

const processGroup = new ProcessGroupBackend();

export function isMechanism(value: unknown): value is Mechanism {
  return value === "cgroup-v2" || value === "process-group";
}

export function selectBackend(requested?: Mechanism): ContainmentBackend {
  const wanted = requested ?? fromEnvironment();
  if (wanted === undefined || wanted === "process-group") return processGroup;
  // The cgroup v2 backend is not built yet: say so rather than silently downgrading.
  throw new InvalidInputError("mechanism", `mechanism "${wanted}" is not available in this build`);
}

function fromEnvironment(): Mechanism | undefined {
  const value = process.env.PROCESSKIT_MECHANISM;
  if (value === undefined || value === "") return undefined;
  if (!isMechanism(value)) {
    throw new InvalidInputError(
      "PROCESSKIT_MECHANISM",
      `PROCESSKIT_MECHANISM: expected "process-group" or "cgroup-v2", got ${JSON.stringify(value)}`,
    );
  }
  return value;
}
