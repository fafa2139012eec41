/**
 * The cgroup launcher: `/bin/sh` writes its own pid into the container's `cgroup.procs` and
 * then `exec`s the target, so the target keeps the pid and is inside the cgroup before its
 * first instruction. Everything is passed positionally ($0 = the cgroup dir, "$@" = the
 * command), never interpolated into the script. If the join fails the target never runs.
 *
 * Privilege drop: Node would apply uid/gid before exec'ing the launcher, which then could not
 * write the root-owned cgroup.procs. So we join first and drop after, with util-linux
 * `setpriv` from a fixed system directory.
 */
import type { SpawnOptions } from "node:child_process";
import { accessSync, constants } from "node:fs";
import type { SpawnPlan } from "../container.js";

const JOIN_THEN_EXEC = 'echo $$ > "$0/cgroup.procs" && exec "$@"';
const SETPRIV_CANDIDATES = ["/usr/bin/setpriv", "/bin/setpriv"];

let setprivPath: string | null | undefined;

/** util-linux setpriv from /usr/bin or /bin (never PATH), or null. */
export function findSetpriv(): string | null {
  if (setprivPath === undefined) {
    setprivPath = null;
    for (const candidate of SETPRIV_CANDIDATES) {
      try {
        accessSync(candidate, constants.X_OK);
        setprivPath = candidate;
        break;
      } catch {
        // try the next fixed location
      }
    }
  }
  return setprivPath;
}

export function launcherPlan(
  dir: string,
  file: string,
  args: readonly string[],
  options: SpawnOptions,
): SpawnPlan {
  const { uid, gid, argv0: _argv0, ...rest } = options; // argv0 cannot be honoured through sh
  const target = [file, ...args];
  if (uid !== undefined || gid !== undefined) {
    const setpriv = findSetpriv();
    if (setpriv === null) throw new Error("setpriv is required to drop privileges inside a cgroup");
    const drop = [setpriv];
    if (uid !== undefined) drop.push(`--reuid=${uid}`);
    if (gid !== undefined) drop.push(`--regid=${gid}`);
    drop.push("--clear-groups", "--");
    target.unshift(...drop);
  }
  return { file: "/bin/sh", args: ["-c", JOIN_THEN_EXEC, dir, ...target], options: rest };
}
