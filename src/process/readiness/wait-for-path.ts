/**
 * `waitForPath`: ready once the path exists (any kind: file, directory, socket, a symlink
 * whose target exists). Existence only: the content may still be being written.
 */
import { access } from "node:fs/promises";
import { InvalidInputError } from "../../errors.js";
import { type ProbeTarget, poll } from "./probe.js";

/** @internal */
export function checkPath(path: unknown, program: string): string {
  if (typeof path !== "string" || path.length === 0 || path.includes("\0")) {
    throw new InvalidInputError("path", "waitForPath: expected a non-empty path without NUL bytes", program);
  }
  return path;
}

/** @internal */
export function waitForPath(target: ProbeTarget, path: string, withinMs: number): Promise<void> {
  return poll<true>(target, { what: `path ${path}`, withinMs }, async () => {
    await access(path);
    return true;
  }).then(() => {});
}
