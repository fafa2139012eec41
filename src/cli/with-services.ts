/**
 * The services of `processkit with`, from its words: `:::` separates groups, the last group is
 * the command, every earlier one a service. A service group may begin with its own options —
 * `--name N` and the readiness flags — ended by its first word that is not an option (or `--`).
 * The top-level readiness flags belong to the service when there is just one.
 */
import { basename } from "node:path";
import { durationFlag, type FlagSpecs, type ParsedArgs, parseCommandLine, UsageError } from "./args.js";
import { type Probe, READY_CONDITIONS, READY_FLAGS, readinessProbes } from "./readiness-flags.js";

export const SEPARATOR = ":::";
const DEFAULT_READY_TIMEOUT_MS = 60_000;

const SERVICE_FLAGS: FlagSpecs = { name: { type: "string" }, ...READY_FLAGS };

export interface ServiceSpec {
  readonly name: string;
  readonly words: readonly string[];
  readonly probes: readonly Probe[];
  readonly readyTimeoutMs: number;
}

export interface WithPlan {
  readonly services: readonly ServiceSpec[];
  readonly command: readonly string[];
}

export function withPlan(parsed: ParsedArgs): WithPlan {
  const groups: string[][] = [[]];
  for (const word of parsed.rest) {
    if (word === SEPARATOR) groups.push([]);
    else (groups[groups.length - 1] as string[]).push(word);
  }
  if (groups.length < 2) throw new UsageError(`expected "${SEPARATOR}" between the service and the command`);
  const command = groups.pop() as string[];
  const defaultTimeout = timeoutOf(parsed) ?? DEFAULT_READY_TIMEOUT_MS;
  const topLevel = readinessProbes(parsed);
  if (groups.length > 1 && topLevel.length > 0) {
    throw new UsageError(
      `--${READY_CONDITIONS.find((f) => parsed.has(f))}: with several services, put each one's readiness in its own group (::: --ready-port 5432 postgres ::: ...)`,
    );
  }
  const names = new Set<string>();
  const services = groups.map((group, i): ServiceSpec => {
    const own = parseCommandLine(group, SERVICE_FLAGS, "program");
    if (own.flag("help")) throw new UsageError(`service ${i + 1}: --help is not a service option`);
    const words = own.rest;
    if (words.length === 0 || words[0] === "") {
      throw new UsageError(
        i === 0 ? `missing the service before "${SEPARATOR}"` : `service ${i + 1}: missing its program`,
      );
    }
    const ownProbes = readinessProbes(own);
    const given = own.string("name");
    if (given === "") throw new UsageError(`service ${i + 1}: --name: expected a name`);
    let name = given ?? basename(words[0] as string);
    if (names.has(name)) {
      if (given !== undefined)
        throw new UsageError(`service ${i + 1}: duplicate name ${JSON.stringify(name)}`);
      name = `${name}-${i + 1}`;
    }
    names.add(name);
    return {
      name,
      words,
      probes: ownProbes.length > 0 ? ownProbes : i === 0 ? topLevel : [],
      readyTimeoutMs: timeoutOf(own) ?? defaultTimeout,
    };
  });
  return { services, command };
}

function timeoutOf(parsed: ParsedArgs): number | undefined {
  const text = parsed.string("ready-timeout");
  return text === undefined ? undefined : durationFlag(text, "ready-timeout");
}
