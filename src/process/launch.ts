/**
 * Turns a validated `CommandSpec` into a running child inside a container (behind the start
 * door, process/start.ts): checks the cwd,
 * builds the environment, resolves the executable, opens file redirections, lets the
 * container rewrite the spawn, and spawns. Every failure here is typed and nothing leaks:
 * opened fds are closed whatever happens.
 */
import type { ChildProcess, IOType, SpawnOptions, StdioOptions } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import type { Readable } from "node:stream";
import type { CommandSpec, OutputMode } from "../command/spec.js";
import type { Container } from "../containment/container.js";
import { openGate } from "../containment/gate.js";
import { NotFoundError, ProcessError, SpawnError, StdinError } from "../errors.js";
import { claimStdinSource } from "../io/stdin-feeder.js";
import { ChildDriver } from "./driver.js";
import { childEnvironment } from "./environment.js";
import { mergedStdoutPipe } from "./merged-stdio.js";
import type { NativeChild } from "./native/native-child.js";
import { startChild } from "./native/start-child.js";
import { checkCwd, resolveProgram } from "./resolve-program.js";

/** A command checked and resolved, ready to spawn: every typed pre-spawn error has been raised. */
export interface Prepared {
  readonly spec: CommandSpec;
  readonly file: string;
  readonly env: NodeJS.ProcessEnv | undefined;
}

/** Pipelines wire stages together with kernel pipes: these fds replace a stage's own stdin/stdout. */
export interface StdioOverrides {
  /** Read end of the pipe from the previous stage. */
  readonly stdin?: number;
  /** Write end of the pipe into the next stage. */
  readonly stdout?: number;
}

/** Checks cwd, builds the environment and resolves the executable — synchronously, spawning nothing. */
export function prepare(spec: CommandSpec): Prepared {
  checkCwd(spec.program, spec.cwd);
  const env = childEnvironment(spec);
  const file = resolveProgram(spec.program, (env ?? process.env).PATH, spec.cwd, {
    preferLocal: spec.preferLocal,
  });
  return { spec, env, file };
}

export interface SpawnIntoOptions {
  /** Pipeline stages: kernel-pipe fds in place of the stage's own stdin/stdout. */
  readonly overrides?: StdioOverrides;
  /** Kill leftovers when the container is released (private containers); default true. */
  readonly killOnRelease?: boolean;
}

/**
 * Spawns a command (prepared here unless the caller already did, as pipelines do for every
 * stage before the first spawn) into `container` and returns its driver. The container is
 * released if the spawn fails, so a caller never has to clean up after a typed error.
 */
export async function spawnInto(
  command: Prepared | CommandSpec,
  container: Container,
  options: SpawnIntoOptions = {},
): Promise<ChildDriver> {
  try {
    const prepared = "spec" in command ? command : prepare(command);
    const { child, stdout } = await spawnChild(prepared, container, options.overrides ?? {});
    return new ChildDriver(child, container, {
      killOnRelease: options.killOnRelease ?? true,
      ...(stdout === undefined ? {} : { stdout }),
    });
  } catch (error) {
    container.release();
    throw error;
  }
}

async function spawnChild(
  prepared: Prepared,
  container: Container,
  overrides: StdioOverrides,
): Promise<{ child: ChildProcess | NativeChild; stdout: Readable | undefined }> {
  const { spec, env, file } = prepared;
  const { program } = spec;
  const fds: number[] = [];
  // 2>&1 into a pipe we read: one kernel pipe for both fds (see merged-stdio.ts).
  const merged = await mergedStdoutPipe(spec, overrides);
  if (merged !== undefined) fds.push(merged.write);
  let child: ChildProcess | NativeChild;
  try {
    const stdout = overrides.stdout ?? merged?.write ?? outputStdio(spec.stdout, "stdout", spec, fds);
    const stdio: StdioOptions = [
      overrides.stdin ?? stdinStdio(spec, fds),
      stdout,
      spec.stderrToStdout ? stdout : outputStdio(spec.stderr, "stderr", spec, fds),
    ];
    const options: SpawnOptions = { stdio, argv0: program, windowsHide: true };
    if (spec.cwd !== undefined) options.cwd = spec.cwd;
    if (env !== undefined) options.env = env;
    if (spec.uid !== undefined) options.uid = spec.uid;
    if (spec.gid !== undefined) options.gid = spec.gid;
    if (overrides.stdin === undefined) claimStdinSource(spec.stdin, program); // last check before the spawn: a spent one-shot source fails here
    child = startChild(file, spec.args, options, container); // native core or Node's spawn of the container's plan
  } catch (error) {
    merged?.discard();
    throw spawnFailure(program, error);
  } finally {
    for (const fd of fds) closeSync(fd);
  }

  if (child.pid === undefined) {
    // uv_spawn failed: Node reports it with an 'error' event on the next tick (a native spawn throws instead).
    const failed = child;
    const error = await new Promise<unknown>((resolve) => failed.once("error", resolve));
    merged?.discard();
    throw spawnFailure(program, error);
  }
  container.adopt(child.pid);
  // Registered: a gated launcher (Node's path) may run the target now; the native path has no gate.
  openGate(child);
  return { child, stdout: merged?.reader() };
}

function stdinStdio(spec: CommandSpec, fds: number[]): IOType | number {
  const stdin = spec.stdin;
  switch (stdin.kind) {
    case "closed":
    case "ignore":
      return "ignore"; // /dev/null: the child sees EOF at once
    case "inherit":
      return "inherit";
    case "file":
      try {
        const fd = openSync(stdin.path, "r");
        fds.push(fd);
        return fd;
      } catch (error) {
        throw new StdinError(
          spec.program,
          `cannot open stdin file ${stdin.path}: ${(error as Error).message}`,
          error,
        );
      }
    default:
      return "pipe";
  }
}

function outputStdio(mode: OutputMode, stream: string, spec: CommandSpec, fds: number[]): IOType | number {
  if (typeof mode === "string") return mode;
  try {
    const fd = openSync(mode.file, mode.append ? "a" : "w");
    fds.push(fd);
    return fd;
  } catch (error) {
    throw new SpawnError(
      spec.program,
      `${spec.program}: cannot open ${stream} file ${mode.file}: ${(error as Error).message}`,
      error,
    );
  }
}

function spawnFailure(program: string, error: unknown): Error {
  // Already typed (SpawnError, StdinError, NotFoundError, a bad PROCESSKIT_SPAWN, forced native unusable).
  if (error instanceof ProcessError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOENT") return new NotFoundError(program, []);
  const detail = error instanceof Error ? error.message : String(error);
  return new SpawnError(program, `${program}: failed to start: ${detail}`, error);
}
