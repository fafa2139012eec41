/**
 * What a user can do about what `hostContainment()` found: one concrete step per situation,
 * for `doctor` and `hostContainment().advice`. Each is a command that was tried on the
 * project's machines where it could be (see docs/platform-support.md for which ones were).
 */
import { existsSync } from "node:fs";
import type { Refusal } from "./cgroup/locate.js";
import { PID1_ADVICE } from "./pid1.js";

export interface AdviceInput {
  readonly refusal: Refusal | undefined;
  /** The cgroup2 mount point or our cgroup directory the refusal is about, when known. */
  readonly where: string | undefined;
  readonly procProblem: boolean;
  /** PID 1 of our PID namespace, and whether the native core reaps orphans there. */
  readonly pid1: boolean;
  readonly reaper: boolean;
}

function systemdRunning(): boolean {
  // sd_booted(): systemd creates this directory when it is PID 1 of the host.
  return existsSync("/run/systemd/system");
}

export function adviceFor(input: AdviceInput): string[] {
  const out: string[] = [];
  const uid = process.getuid?.() ?? -1;
  const at = input.where ?? "/sys/fs/cgroup";
  if (input.procProblem)
    out.push("mount a proc filesystem: `mount -t proc proc /proc` (in a container, do not mask /proc)");
  switch (input.refusal) {
    case "no-cgroup2":
      out.push(
        "mount the cgroup2 hierarchy (as root): `mkdir -p /sys/fs/cgroup/unified && mount -t cgroup2 none /sys/fs/cgroup/unified`",
      );
      break;
    case "hidden":
    case "not-cgroup2":
      out.push(`mount cgroup2 where processkit looks (as root): \`mount -t cgroup2 none ${at}\``);
      break;
    case "read-only":
      out.push(
        `remount the cgroup2 mount writable (needs CAP_SYS_ADMIN): \`mount -o remount,bind,rw ${at}\`; Docker mounts it read-only unless the container is privileged`,
      );
      break;
    case "not-delegated":
    case "partly-delegated":
      if (uid === 0) break;
      if (systemdRunning()) {
        out.push(
          "start the program in a cgroup delegated to you: `systemd-run --user --scope -p Delegate=yes -- node app.js`",
        );
        // systemd-run --user talks to the user's own manager, which runs only for a logged-in (or lingering) user.
        if (!existsSync(`/run/user/${uid}/systemd`)) {
          out.push(
            `there is no systemd user manager for uid ${uid} yet: log in through a session, or have root run \`loginctl enable-linger <user>\``,
          );
        }
      }
      out.push(
        input.refusal === "partly-delegated"
          ? `finish the delegation (as root): \`chown ${uid} ${at}/cgroup.procs ${at}/cgroup.threads ${at}/cgroup.subtree_control\``
          : `as root, delegate a cgroup to uid ${uid} and start the program in it: \`mkdir <cgroup2 mount>/app && chown -R ${uid} <cgroup2 mount>/app && echo <pid> > <cgroup2 mount>/app/cgroup.procs\``,
      );
      break;
    default:
      break;
  }
  if (input.pid1 && !input.reaper) out.push(`Node is PID 1 here: ${PID1_ADVICE}`);
  return out;
}
