/**
 * Chooses the containment backend: an explicit option, else PROCESSKIT_MECHANISM, else the
 * best the host offers (cgroup v2 when usable, process groups otherwise). A *forced*
 * mechanism that the host cannot provide is an error, never a silent downgrade; the
 * automatic choice is observable (`runner.mechanism`, `proc.mechanism`, the spawn event,
 * `hostContainment()`).
 */
import { InvalidInputError, UnsupportedError } from "../errors.js";
import { CgroupBackend } from "./cgroup/backend.js";
import type { ContainmentBackend, Mechanism } from "./container.js";
import { ProcessGroupBackend } from "./pgroup/backend.js";

export const processGroupBackend = new ProcessGroupBackend();

export function isMechanism(value: unknown): value is Mechanism {
  return value === "cgroup-v2" || value === "process-group";
}

/** Validates a requested mechanism (option or environment) synchronously. */
export function requestedMechanism(option: unknown): Mechanism | undefined {
  if (option !== undefined) {
    if (!isMechanism(option)) {
      throw new InvalidInputError(
        "mechanism",
        `mechanism: expected "process-group" or "cgroup-v2", got ${JSON.stringify(option)}`,
      );
    }
    return option;
  }
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

const unmarkedProcessGroups = new ProcessGroupBackend(false);

/** The process-group backend for a `runMarker` option (undefined: PROCESSKIT_RUN_MARKER decides). */
export function processGroupsWith(runMarker: boolean | undefined): ContainmentBackend {
  return runMarker === false ? unmarkedProcessGroups : processGroupBackend;
}

/** Validates a `runMarker` option. */
export function requestedRunMarker(option: unknown): boolean | undefined {
  if (option === undefined || typeof option === "boolean") return option;
  throw new InvalidInputError("runMarker", `runMarker: expected a boolean, got ${typeof option}`);
}

export async function resolveBackend(
  requested: Mechanism | undefined,
  runMarker: boolean | undefined = undefined,
): Promise<ContainmentBackend> {
  if (requested === "process-group") return processGroupsWith(runMarker);
  try {
    return await CgroupBackend.get();
  } catch (error) {
    if (requested === "cgroup-v2") {
      throw new UnsupportedError(
        "cgroup-v2",
        `cgroup-v2 containment is not available here: ${(error as Error).message}`,
      );
    }
    return processGroupsWith(runMarker);
  }
}
