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
    if (verdict === "unusable-path") {
      // A named path: say why it cannot be run rather than pretending it does not exist.
      throw new SpawnError(
        program,
        `${program}: ${file} cannot be reached (a parent is not a searchable directory)`,
        errno("EACCES", file),
      );
    }
    throw notExecutable(program, file, verdict);
  }
  const dirs = [
    ...(options.preferLocal === true ? localBinDirs(base) : []),
    ...(pathVar ?? DEFAULT_PATH).split(delimiter),
  ];
  let firstBad: { file: string; verdict: Verdict } | undefined;
  let unusable = 0;
  for (const dir of dirs) {
    // An empty PATH entry means the current directory, as in execvp.
    const file = join(dir === "" ? base : isAbsolute(dir) ? dir : resolve(base, dir), program);
    const verdict = check(file);
    if (verdict === "ok") return file;
    // Like execvp: an entry we cannot search (missing, not a directory, no permission, a
    // symlink loop, a name too long) is skipped, never an error for the whole lookup.
    if (verdict === "unusable-path") unusable++;
    else if (verdict !== "missing") firstBad ??= { file, verdict };
  }
  // execvp reports EACCES when a candidate existed but could not be executed: so do we.
  if (firstBad !== undefined) throw notExecutable(program, firstBad.file, firstBad.verdict);
  throw new NotFoundError(
    program,
    dirs.map((d) => (d === "" ? "." : d)),
    unusable,
  );
}

/** "unusable-path": the candidate could not even be looked at (a PATH entry we skip, as execvp does). */
type Verdict = "ok" | "missing" | "unusable-path" | "directory" | "not-executable";

/** Errors that say "this path cannot lead to a file", not "this file is bad". */
const UNUSABLE = new Set([
  "ENOTDIR",
  "EACCES",
  "EPERM",
  "ELOOP",
  "ENAMETOOLONG",
  "ESTALE",
  "ENODEV",
  "ETIMEDOUT",
]);

function check(file: string): Verdict {
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(file, { throwIfNoEntry: false });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "";
    if (UNUSABLE.has(code)) return "unusable-path";
    throw error;
  }
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
