/**
 * `which(program, { cwd, env, preferLocal })`: the file a run of `program` would execute,
 * found by the very resolver the spawn path uses (resolve-program.ts), or `undefined` when a
 * run would execute nothing (not found, or only unusable candidates). A cwd that does not
 * exist is an error, as it is for a run.
 */
import { InvalidInputError, NotFoundError, SpawnError } from "../errors.js";
import { checkCwd, resolveProgram } from "./resolve-program.js";

export interface WhichOptions {
  /** The directory a run would start in (default: ours). Relative PATH entries and program paths resolve against it. */
  readonly cwd?: string;
  /** The environment whose PATH is searched (default: `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Search `node_modules/.bin` from the cwd upwards before PATH, as `preferLocal()` does. */
  readonly preferLocal?: boolean;
}

const KEYS = new Set(["cwd", "env", "preferLocal"]);

export function which(program: string, options: WhichOptions = {}): string | undefined {
  if (typeof program !== "string" || program.length === 0 || program.includes("\0")) {
    throw new InvalidInputError("program", "which: program must be a non-empty string without NUL bytes");
  }
  if (typeof options !== "object" || options === null) {
    throw new InvalidInputError("options", "which: options must be an object", program);
  }
  for (const key of Object.keys(options)) {
    if (!KEYS.has(key)) throw new InvalidInputError(key, `which: unknown option ${key}`, program);
  }
  const { cwd, env, preferLocal } = options;
  if (cwd !== undefined && typeof cwd !== "string") {
    throw new InvalidInputError("cwd", "which: cwd must be a string", program);
  }
  if (env !== undefined && (typeof env !== "object" || env === null)) {
    throw new InvalidInputError("env", "which: env must be an object", program);
  }
  if (preferLocal !== undefined && typeof preferLocal !== "boolean") {
    throw new InvalidInputError("preferLocal", "which: preferLocal must be a boolean", program);
  }
  checkCwd(program, cwd);
  try {
    return resolveProgram(program, (env ?? process.env).PATH, cwd, { preferLocal: preferLocal === true });
  } catch (error) {
    // A miss: nothing a run could execute (EACCES/EISDIR candidates included).
    if (error instanceof NotFoundError) return undefined;
    if (error instanceof SpawnError && error.code === "EACCES") return undefined;
    throw error;
  }
}
