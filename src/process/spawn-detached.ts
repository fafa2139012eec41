/**
 * `spawnDetached()`: the one explicit way out of containment. The child starts in its own
 * session, in no container, registered with no owner: it outlives us on purpose. It gets no
 * pipes — nobody would read them — so piped stdout/stderr become /dev/null; files and
 * "inherit" are honoured. Only its pid is returned.
 */
import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import type { CommandSpec, OutputMode } from "../command/spec.js";
import { InvalidInputError, SpawnError } from "../errors.js";
import { prepare } from "./launch.js";

export async function spawnDetached(spec: CommandSpec): Promise<{ pid: number }> {
  const { file, env } = prepare(spec);
  const stdinKind = spec.stdin.kind;
  if (stdinKind !== "closed" && stdinKind !== "ignore" && stdinKind !== "file" && stdinKind !== "inherit") {
    throw new InvalidInputError(
      "stdin",
      `spawnDetached(): stdin must be closed, a file or "inherit" (a detached child has no pipes)`,
      spec.program,
    );
  }
  const fds: number[] = [];
  const open = (path: string, flags: string) => {
    const fd = openSync(path, flags);
    fds.push(fd);
    return fd;
  };
  const output = (mode: OutputMode) =>
    mode === "pipe" ? "ignore" : typeof mode === "string" ? mode : open(mode.file, mode.append ? "a" : "w");
  try {
    const stdin =
      spec.stdin.kind === "file"
        ? open(spec.stdin.path, "r")
        : spec.stdin.kind === "inherit"
          ? "inherit"
          : "ignore";
    const child = spawn(file, spec.args, {
      detached: true,
      stdio: [stdin, output(spec.stdout), output(spec.stderr)],
      argv0: spec.program,
      ...(spec.cwd === undefined ? {} : { cwd: spec.cwd }),
      ...(env === undefined ? {} : { env }),
      ...(spec.uid === undefined ? {} : { uid: spec.uid }),
      ...(spec.gid === undefined ? {} : { gid: spec.gid }),
    });
    if (child.pid === undefined) {
      const error = await new Promise<unknown>((resolve) => child.once("error", resolve));
      throw new SpawnError(
        spec.program,
        `${spec.program}: failed to start: ${(error as Error).message}`,
        error,
      );
    }
    child.on("error", () => {});
    child.unref();
    return { pid: child.pid };
  } catch (error) {
    if (error instanceof SpawnError) throw error;
    throw new SpawnError(
      spec.program,
      `${spec.program}: failed to start detached: ${(error as Error).message}`,
      error,
    );
  } finally {
    for (const fd of fds) closeSync(fd);
  }
}
