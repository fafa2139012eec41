/**
 * Finds the executable before anything is spawned, the way execvp would, so that a missing
 * or non-executable program is a typed error here rather than an exit code 127/126 from a
 * launcher (the cgroup launcher is /bin/sh, which would report it that way).
 */
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import { NotFoundError, SpawnError } from "../errors.js";
import { localBinDirs } from "./local-bins.js";

const DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin";

/** Checks the working directory first: a relative program path is resolved against it. */
export function checkCwd(program: string, cwd: string | undefined): void {
  if (cwd === undefined) return;
  const stat = statSync(cwd, { throwIfNoEntry: false });
  if (stat === undefined) {
    throw new SpawnError(
      program,
      `${program}: working directory does not exist: ${cwd}`,
      errno("ENOENT", cwd),
    );
  }
  if (!stat.isDirectory()) {
    throw new SpawnError(
      program,
      `${program}: working directory is not a directory: ${cwd}`,
      errno("ENOTDIR", cwd),
    );
  }
}

export interface ResolveOptions {
  /** Search `node_modules/.bin` from the cwd upwards before PATH (`preferLocal()`). */
  readonly preferLocal?: boolean;
}

export function resolveProgram(
  program: string,
  pathVar: string | undefined,
  cwd: string | undefined,
  options: ResolveOptions = {},
): string {
  const base = cwd === undefined ? process.cwd() : resolve(cwd);
  if (program.includes("/")) {
    const file = isAbsolute(program) ? program : resolve(base, program);
    const verdict = check(file);
    if (verdict === "ok") return file;
    if (verdict === "missing") throw new NotFoundError(program, []);
    throw notExecutable(program, file, verdict);
  }
  const dirs = [
    ...(options.preferLocal === true ? localBinDirs(base) : []),
    ...(pathVar ?? DEFAULT_PATH).split(delimiter),
  ];
  let firstBad: { file: string; verdict: Verdict } | undefined;
  for (const dir of dirs) {
    // An empty PATH entry means the current directory, as in execvp.
    const file = join(dir === "" ? base : isAbsolute(dir) ? dir : resolve(base, dir), program);
    const verdict = check(file);
    if (verdict === "ok") return file;
    if (verdict !== "missing") firstBad ??= { file, verdict };
  }
  // execvp reports EACCES when a candidate existed but could not be executed: so do we.
  if (firstBad !== undefined) throw notExecutable(program, firstBad.file, firstBad.verdict);
  throw new NotFoundError(
    program,
    dirs.map((d) => (d === "" ? "." : d)),
  );
}

type Verdict = "ok" | "missing" | "directory" | "not-executable";

function check(file: string): Verdict {
  const stat = statSync(file, { throwIfNoEntry: false });
  if (stat === undefined) return "missing";
  if (stat.isDirectory()) return "directory";
  try {
    accessSync(file, constants.X_OK);
    return "ok";
  } catch {
    return "not-executable";
  }
}

function notExecutable(program: string, file: string, verdict: Verdict): SpawnError {
  const what = verdict === "directory" ? "is a directory" : "is not executable";
  return new SpawnError(program, `${program}: ${file} ${what}`, errno("EACCES", file));
}

function errno(code: string, path: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`${code}: ${path}`);
  error.code = code;
  error.path = path;
  return error;
}
