/**
 * The run marker: under process groups every contained child gets `PROCESSKIT_RUN` in its
 * environment, so a descendant that left the group (setsid, a daemon's double fork) can still
 * be recognised at teardown by what it inherited (the idea of Jenkins' ProcessTreeKiller).
 *
 * The value is a `:`-separated list of opaque tokens, nothing else: `<owner>.<container>` for
 * the run's container and each container it is nested in. The owner part (random, per event
 * loop) lets the owner-death sentinel match every run of its owner at once. A child that is
 * itself a processkit owner passes the list on and appends its own, so an outer teardown still
 * reaches what an inner run started ("nested runs keep the outer marker"). Values that do not
 * look like our tokens are never carried over: the marker never holds a user's value.
 *
 * Opt out with `PROCESSKIT_RUN_MARKER=off` (or `0`/`false`), or per runner/group with
 * `runMarker: false`.
 */
import { randomBytes } from "node:crypto";
import { InvalidInputError } from "../../errors.js";

export const RUN_MARKER = "PROCESSKIT_RUN";
export const RUN_MARKER_SWITCH = "PROCESSKIT_RUN_MARKER";

const TOKEN = /^[0-9a-f]{12}\.\d{1,12}$/;
/** Outer tokens carried over at most: a bound on the variable's size however deep runs nest. */
const MAX_INHERITED = 16;

let owner: string | undefined;
let sequence = 0;

/** This event loop's owner token (12 hex digits). */
export function ownerToken(): string {
  owner ??= randomBytes(6).toString("hex");
  return owner;
}

/** A token for one container, unique within this owner. */
export function newContainerToken(): string {
  return `${ownerToken()}.${++sequence}`;
}

/** True once a container token was handed out: some child may carry this owner's marker. */
export function markersIssued(): boolean {
  return sequence > 0;
}

/** Whether the environment switch allows the marker (default on). An unknown value is an error, never a guess. */
export function markerAllowedByEnv(): boolean {
  const value = process.env[RUN_MARKER_SWITCH];
  if (value === undefined || value === "" || value === "on" || value === "1" || value === "true") return true;
  if (value === "off" || value === "0" || value === "false") return false;
  throw new InvalidInputError(
    RUN_MARKER_SWITCH,
    `${RUN_MARKER_SWITCH}: expected "on" or "off" (also 1/0, true/false), got a value of ${value.length} characters`,
  );
}

/** Our tokens among an inherited marker value (anything else is dropped). */
export function inheritedTokens(value: string | undefined): string[] {
  if (value === undefined || value === "") return [];
  return value
    .split(":")
    .filter((t) => TOKEN.test(t))
    .slice(-MAX_INHERITED);
}

/** The marker a child of `env` gets: the inherited tokens plus `tokens`. */
export function markerVariable(env: NodeJS.ProcessEnv, tokens: readonly string[]): { [RUN_MARKER]: string } {
  return { [RUN_MARKER]: [...inheritedTokens(env[RUN_MARKER]), ...tokens].join(":") };
}

/** The child's environment with the marker set (see `markerVariable`). */
export function markedEnvironment(env: NodeJS.ProcessEnv, tokens: readonly string[]): NodeJS.ProcessEnv {
  return { ...env, ...markerVariable(env, tokens) };
}

/** Does a marker value name `token`, or (when `token` ends with ".") any container of that owner? */
export function markerNames(value: string, token: string): boolean {
  for (const entry of value.split(":")) {
    if (token.endsWith(".") ? entry.startsWith(token) : entry === token) return true;
  }
  return false;
}
