/**
 * Whether /proc can tell us who is alive. Membership that cannot be read must never read as
 * "empty": an empty directory where /proc should be (a chroot, a container without proc
 * mounted) lists no processes at all, and a `hidepid` mount hides other users' processes
 * from an unprivileged owner. Either way a scan would find nothing, every grace would end at
 * once and the SIGKILL would never come. So before /proc is believed it must be procfs
 * (statfs), show this process (/proc/self), and show every uid (no hidepid, or we are root).
 */
import { readFileSync, statfsSync } from "node:fs";

/** PROC_SUPER_MAGIC from linux/magic.h. */
export const PROC_SUPER_MAGIC = 0x9fa0;

export type ProcAccess =
  | { readonly usable: true }
  | {
      readonly usable: false;
      readonly reason: string;
      /**
       * /proc is procfs and shows us, but hides other users (hidepid): our own processes can
       * still be scanned for the run marker (another uid's environ is unreadable anyway).
       */
      readonly ownProcessesVisible: boolean;
    };

let cached: ProcAccess | undefined;

export function procAccess(): ProcAccess {
  cached ??= probe();
  return cached;
}

export function procUsable(): boolean {
  return procAccess().usable;
}

/** Whether this user's own processes can be listed and read (true also under hidepid). */
export function ownProcessesVisible(): boolean {
  const access = procAccess();
  return access.usable || access.ownProcessesVisible;
}

function probe(): ProcAccess {
  let type: number;
  try {
    type = statfsSync("/proc").type;
  } catch {
    return { usable: false, reason: "there is no /proc directory", ownProcessesVisible: false };
  }
  if (type !== PROC_SUPER_MAGIC) {
    return {
      usable: false,
      reason: `/proc is not a proc filesystem (statfs type 0x${type.toString(16)}; mount it with: mount -t proc proc /proc)`,
      ownProcessesVisible: false,
    };
  }
  let mountinfo: string;
  try {
    mountinfo = readFileSync("/proc/self/mountinfo", "utf8");
  } catch {
    return {
      usable: false,
      reason: "/proc is mounted but does not show this process (/proc/self is missing)",
      ownProcessesVisible: false,
    };
  }
  const hidden = hidepid(mountinfo);
  if (hidden !== undefined && process.getuid?.() !== 0) {
    return {
      usable: false,
      reason: `/proc is mounted with hidepid=${hidden}: processes of other users are invisible to uid ${process.getuid?.()}`,
      ownProcessesVisible: true,
    };
  }
  return { usable: true };
}

/** The hidepid value of the /proc mount (last one wins, as in the kernel's mount stack), or undefined when off. */
export function hidepid(mountinfo: string): string | undefined {
  let value: string | undefined;
  for (const line of mountinfo.split("\n")) {
    const dash = line.indexOf(" - ");
    if (dash === -1) continue;
    const before = line.slice(0, dash).split(" ");
    if (before[4] !== "/proc") continue;
    const after = line.slice(dash + 3).split(" ");
    if (after[0] !== "proc") continue;
    const option = (after[2] ?? "").split(",").find((o) => o.startsWith("hidepid="));
    const v = option?.slice("hidepid=".length);
    value = v === undefined || v === "0" || v === "off" ? undefined : v;
  }
  return value;
}

/** Tests: forget what was found (the test changed what /proc looks like to this process). */
export function resetProcAccess(): void {
  cached = undefined;
}
