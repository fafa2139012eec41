/**
 * The one fork in the spawn: the native core when it is usable (the child enters the
 * container's placement itself), else Node's spawn of the container's plan (the /bin/sh
 * launcher under cgroup v2, `detached` under process groups). Both take the same Node-style
 * options the run path already builds, so nothing above this line knows which one ran.
 */
import { type ChildProcess, type SpawnOptions, spawn } from "node:child_process";
import type { Container } from "../../containment/container.js";
import { owner } from "../../containment/owner/registry.js";
import { checkExecFormat } from "../exec-format.js";
import type { NativeChild } from "./native-child.js";
import { type NativeSpawnError, type NativeStdio, spawnNative } from "./native-spawn.js";
import { nativeSpawner, refuseNative } from "./spawn-path.js";

function nativeStdio(stdio: SpawnOptions["stdio"]): [NativeStdio, NativeStdio, NativeStdio] {
  const slots = Array.isArray(stdio) ? stdio : [stdio, stdio, stdio];
  return [0, 1, 2].map((i) => {
    const mode = slots[i] ?? "pipe";
    if (typeof mode === "number" || mode === "pipe" || mode === "ignore" || mode === "inherit") return mode;
    throw new Error(`stdio[${i}]: ${String(mode)} is not supported by the native spawn`);
  }) as [NativeStdio, NativeStdio, NativeStdio];
}

/** clone3 refused by a filter at a real spawn (the load-time probe passed): fall back for good. */
function clone3Refused(error: unknown): boolean {
  const e = error as Partial<NativeSpawnError>;
  return e.step === "clone3" && (e.code === "ENOSYS" || e.code === "EPERM");
}

export function startChild(
  file: string,
  args: readonly string[],
  options: SpawnOptions,
  container: Container,
): ChildProcess | NativeChild {
  const addon = nativeSpawner();
  if (addon !== undefined) {
    const env = options.env ?? process.env;
    try {
      return spawnNative(addon, {
        file,
        argv: [options.argv0 ?? file, ...args],
        env,
        envAdditions: container.environmentAdditions(env), // the run marker under process groups
        cwd: options.cwd === undefined ? undefined : String(options.cwd),
        stdio: nativeStdio(options.stdio),
        uid: options.uid,
        gid: options.gid,
        placement: container.placement(),
      });
    } catch (error) {
      // The child may have written its group to the ledger before the spawn failed: drop it.
      if (container.mechanism === "process-group") owner.dropSelfRegistered();
      if (!clone3Refused(error) || process.env.PROCESSKIT_SPAWN === "native") throw error;
      refuseNative(-((error as NativeSpawnError).errno ?? 0));
    }
  }
  checkExecFormat(file);
  const plan = container.plan(file, args, options);
  return spawn(plan.file, plan.args, plan.options);
}
