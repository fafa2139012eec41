/**
 * Loads the native spawn core (`build/Release/processkit.node`, built by node-gyp at install
 * where a toolchain exists). A missing or unloadable addon is not an error here: the caller
 * gets the reason and uses the pure path. The path is the same from `src/` (tests) and
 * `dist/` (the package): both sit three levels below the package root.
 */
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

export type NativeSpawnResult =
  | { readonly pid: number; readonly pidfd: number; readonly join: "none" | "clone" | "write" }
  | { readonly errno: number; readonly step: string };

/** An exit watch (opaque): valid until its onExit has run. */
export type NativeWatch = { readonly __nativeWatch: unique symbol };

/** The addon's functions, as native/addon.c defines them. */
export interface NativeAddon {
  spawn(
    file: string,
    argv: readonly string[],
    envp: readonly string[],
    cwd: string | null,
    stdio: readonly [number, number, number],
    pgroup: number,
    cgroupFd: number,
    forceWriteJoin: boolean,
    uid: number,
    gid: number,
    groups: readonly number[] | null,
    /** New session only: the owner's group ledger, where the child writes "+<pid>" before exec; -1 for none. */
    ledgerFd: number,
  ): NativeSpawnResult;
  /** Calls onExit(code, signal number) once the child exited; returns the watch, or an errno. */
  watch(
    pidfd: number,
    pid: number,
    onExit: (code: number | null, signal: number | null) => void,
  ): NativeWatch | number;
  /** Whether the watch keeps the event loop alive; only until its onExit ran. */
  ref(watch: NativeWatch, ref: boolean): void;
  /** pidfd_send_signal: 0 or an errno. */
  kill(pidfd: number, signal: number): number;
  /** pipe2(O_CLOEXEC): [read end, write end]. */
  pipe(): [number, number];
  /** close(2) of a descriptor made by pipe(): 0 or an errno (fs.closeSync warns about those in a worker). */
  close(fd: number): number;
  /** errno of the kernel's answer to each probe; 0 = usable. */
  probe(): { readonly clone3: number; readonly intoCgroup: number };
  /** errno with which the kernel refused CLONE_INTO_CGROUP at a spawn, else 0. */
  intoCgroupRefused(): number;
  /** Starts the PID 1 orphan reaper on this event loop: 0 or an errno. */
  startReaper(): number;
  /** Orphans the reaper has reaped so far. */
  reaped(): number;
  /** One reaper pass now: how many orphans it reaped. */
  reapOnce(): number;
  /** Exit watches (uv_poll on a pidfd) not closed yet, in the whole process. */
  watches(): number;
}

export type AddonLoad =
  | { readonly ok: true; readonly addon: NativeAddon; readonly path: string }
  | { readonly ok: false; readonly reason: string };

export const ADDON_PATH = fileURLToPath(new URL("../../../build/Release/processkit.node", import.meta.url));

const require = createRequire(import.meta.url);
let cached: AddonLoad | undefined;

/** Loads the addon once per event loop; `path` is for tests that load a missing or broken one. */
export function loadAddon(path: string = ADDON_PATH): AddonLoad {
  if (path === ADDON_PATH && cached !== undefined) return cached;
  let load: AddonLoad;
  if (process.platform !== "linux") {
    load = { ok: false, reason: `no native spawn on ${process.platform} (clone3 is Linux only)` };
  } else {
    try {
      load = { ok: true, addon: require(path) as NativeAddon, path };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      load = {
        ok: false,
        reason:
          code === "MODULE_NOT_FOUND"
            ? "native addon not built (no toolchain at install, or PROCESSKIT_SKIP_NATIVE=1)"
            : `native addon failed to load: ${firstLine(error)}`,
      };
    }
  }
  if (path === ADDON_PATH) cached = load;
  return load;
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0] ?? message;
}
