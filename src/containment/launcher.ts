/**
 * The launcher: a `/bin/sh` that prepares the leader and then `exec`s the target, so the
 * target keeps the pid. Under cgroup v2 it first writes its own pid into the container's
 * `cgroup.procs`, so the target is inside the cgroup before its first instruction; under both
 * mechanisms it then waits at the gate (gate.ts) until the owner registered it. Everything is
 * passed positionally ($0 = the cgroup dir, "$@" = the command), never interpolated into the
 * script. If the join or the gate fails the target never runs.
 *
 * Privilege drop (cgroup v2): Node would apply uid/gid before exec'ing the launcher, which then could not
 * write the root-owned cgroup.procs. So we join first and drop after, with util-linux
 * `setpriv` from a fixed system directory.
 *
 * The environment must reach the target unchanged, but a shell rebuilds it on `exec`: dash
 * exports PWD (adding it, or rewriting a stale one), resets IFS, OPTIND and PPID, and drops
 * variables whose names are not shell identifiers. The script restores PWD (present in
 * nearly every inherited environment; unset when absent), IFS, PPID and a numeric OPTIND
 * from positional values. What a shell cannot hold — a non-identifier name, a non-numeric
 * OPTIND — goes to `env NAME=VALUE… target` (coreutils, fixed system directory): one more
 * exec, only for runs that need it, and those values sit in that process's argv until it
 * execs the target (documented in docs/platform-support.md).
 */
import type { SpawnOptions } from "node:child_process";
import { accessSync, constants } from "node:fs";
import type { SpawnPlan } from "./container.js";
import { GATE_FD, GATE_STEP, GATE_VARIABLE, GATED_EXEC, withGate } from "./gate.js";

const JOIN = 'echo $$ > "$0/cgroup.procs"';

const SETPRIV_CANDIDATES = ["/usr/bin/setpriv", "/bin/setpriv"];
const ENV_CANDIDATES = ["/usr/bin/env", "/bin/env"];
/** Variables dash rewrites whatever the environment said (or the gate's `read` sets), and that the script can put back. */
const RESTORED_BY_SCRIPT = ["PWD", "IFS", "PPID", "OPTIND", GATE_VARIABLE] as const;
const SHELL_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

const found = new Map<string, string | null>();

/** The first executable candidate from fixed system directories (never PATH), or null. */
function findFixed(candidates: readonly string[]): string | null {
  const key = candidates.join(":");
  if (!found.has(key)) {
    let path: string | null = null;
    for (const candidate of candidates) {
      try {
        accessSync(candidate, constants.X_OK);
        path = candidate;
        break;
      } catch {
        // try the next fixed location
      }
    }
    found.set(key, path);
  }
  return found.get(key) ?? null;
}

/** util-linux setpriv from /usr/bin or /bin (never PATH), or null. */
export function findSetpriv(): string | null {
  return findFixed(SETPRIV_CANDIDATES);
}

/** A variable the script can restore itself: dash only accepts a number for OPTIND. */
function restorable(name: (typeof RESTORED_BY_SCRIPT)[number], value: string): boolean {
  return name !== "OPTIND" || /^\d+$/.test(value);
}

/** The variables a shell cannot carry to the target (names), with `NAME=VALUE` for env(1). */
function viaEnvHelper(env: NodeJS.ProcessEnv): { names: string[]; assignments: string[] } {
  const names: string[] = [];
  const assignments: string[] = [];
  // Names first, values only for the rare offenders: this runs on every spawn, and reading
  // every value of process.env (a getter per entry) costs ~3x more than listing its keys.
  for (const name of Object.keys(env)) {
    if (SHELL_IDENTIFIER.test(name) && name !== "OPTIND") continue;
    const value = env[name];
    if (value === undefined || name === "" || name.includes("=")) continue; // cannot round-trip anyway
    if (name === "OPTIND" && restorable(name, String(value))) continue;
    names.push(name);
    assignments.push(`${name}=${value}`);
  }
  return { names, assignments };
}

/** What the launcher does before the exec: join a cgroup (its directory), wait at the gate. */
export interface LauncherSteps {
  readonly join?: string;
  readonly gate: boolean;
}

/** The join, the gate, then the shell-rewritten variables put back from positional values, then exec. */
function script(steps: LauncherSteps, env: NodeJS.ProcessEnv): { text: string; values: string[] } {
  const parts: string[] = [];
  if (steps.join !== undefined) parts.push(JOIN);
  if (steps.gate) parts.push(GATE_STEP);
  const values: string[] = [];
  if (env.PWD === undefined) parts.push("unset PWD"); // dash exported one of its own
  for (const name of RESTORED_BY_SCRIPT) {
    const value = env[name];
    if (value === undefined || !restorable(name, String(value))) continue;
    parts.push(`${name}=$1`, `export ${name}`, "shift");
    values.push(String(value));
  }
  parts.push(steps.gate ? GATED_EXEC : 'exec "$@"');
  return { text: parts.join(" && "), values };
}

/** $0 of a launcher that joins no cgroup: only a name for `ps`. */
const LAUNCHER_NAME = "processkit-launcher";

export function launcherPlan(
  steps: LauncherSteps,
  file: string,
  args: readonly string[],
  options: SpawnOptions,
): SpawnPlan {
  const { argv0: _argv0, ...rest } = options; // argv0 cannot be honoured through sh
  const env = options.env ?? process.env; // what Node would give the target without us
  const target = [file, ...args];

  const unsafe = viaEnvHelper(env);
  if (unsafe.names.length > 0) {
    const envPath = findFixed(ENV_CANDIDATES);
    if (envPath === null) throw new Error("env(1) is required to pass these variables through the launcher");
    // env(1) takes every leading NAME=VALUE as an assignment, so the program path must not look like one.
    if (file.includes("=")) {
      throw new Error(
        `cannot pass ${unsafe.names.length} variable(s) through the launcher to a program path containing '='`,
      );
    }
    target.unshift(envPath, ...unsafe.assignments);
    // Not in the launcher's own environment: dash refuses to start with a non-numeric OPTIND.
    const forShell: NodeJS.ProcessEnv = { ...env };
    for (const name of unsafe.names) delete forShell[name];
    rest.env = forShell;
  }
  // Joining a root-owned cgroup.procs needs our privileges: drop them after the join. Without
  // a join Node drops them before the launcher starts, which is simpler and needs no setpriv.
  const { uid, gid } = rest;
  if (steps.join !== undefined && (uid !== undefined || gid !== undefined)) {
    delete rest.uid;
    delete rest.gid;
    const setpriv = findSetpriv();
    if (setpriv === null) throw new Error("setpriv is required to drop privileges inside a cgroup");
    const drop = [setpriv];
    if (uid !== undefined) drop.push(`--reuid=${uid}`);
    if (gid !== undefined) drop.push(`--regid=${gid}`);
    drop.push("--clear-groups", "--");
    target.unshift(...drop);
  }
  if (steps.gate) rest.stdio = withGate(rest.stdio);
  const { text, values } = script(steps, env);
  return {
    file: "/bin/sh",
    args: ["-c", text, steps.join ?? LAUNCHER_NAME, ...values, ...target],
    options: rest,
    ...(steps.gate ? { gate: GATE_FD } : {}),
  };
}
