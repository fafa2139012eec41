/**
 * `npm:NAME` and `npm:PATTERN` (`npm:watch-*`) in `processkit all`: package.json scripts, run
 * as `npm run NAME`. `npm` is found the way every run finds its program (PATH, no shell of
 * ours); what npm does with the script is npm's business.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { UsageError } from "./args.js";

export const NPM_PREFIX = "npm:";

export interface NpmScript {
  readonly name: string;
  readonly words: readonly string[];
}

/** The scripts `reference` ("npm:build", "npm:watch-*") names, in package.json order. */
export function npmScripts(reference: string, dir: string): NpmScript[] {
  const pattern = reference.slice(NPM_PREFIX.length);
  if (pattern === "") throw new UsageError(`${reference}: expected a script name after "npm:"`);
  const scripts = scriptsOf(join(dir, "package.json"), reference);
  const matcher = wildcard(pattern);
  const names = Object.keys(scripts).filter((name) => matcher.test(name));
  if (names.length === 0) {
    const what = pattern.includes("*") ? "matches no script" : "is not a script";
    throw new UsageError(`${reference}: ${JSON.stringify(pattern)} ${what} in ${join(dir, "package.json")}`);
  }
  return names.map((name) => ({ name, words: ["npm", "run", name] }));
}

function scriptsOf(file: string, reference: string): Record<string, unknown> {
  let pkg: unknown;
  try {
    pkg = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    const why =
      error instanceof SyntaxError ? "not valid JSON" : ((error as NodeJS.ErrnoException).code ?? "error");
    throw new UsageError(`${reference}: cannot read ${file}: ${why}`);
  }
  const scripts = (pkg as { scripts?: unknown } | null)?.scripts;
  if (typeof scripts !== "object" || scripts === null)
    throw new UsageError(`${reference}: ${file} has no "scripts"`);
  return scripts as Record<string, unknown>;
}

/** `*` matches any run of characters; everything else is literal. */
function wildcard(pattern: string): RegExp {
  const body = pattern
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${body}$`);
}
