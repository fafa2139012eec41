/**
 * What identifies a call in a cassette: program, (redacted) args, cwd and a hash of stdin —
 * cwd and stdin can be left out of matching. Also the distance between two calls, so a miss
 * can name the recorded call closest to the one that missed.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { quoteArg } from "../../command/quote.js";
import type { StdinSpec } from "../../command/spec.js";
import type { MatchOptions } from "./options.js";

export interface CallKey {
  readonly program: string;
  readonly args: readonly string[];
  readonly cwd: string | null;
  readonly stdin: string;
}

/**
 * A stable description of stdin. Replayable sources are hashed by content (a file by what it
 * holds now); a one-shot source (a generator, an async iterable, a Readable) cannot be read
 * without consuming it, so it is matched by kind only. `hash: false` (stdin not matched)
 * writes no hash at all: a short secret fed on stdin could be guessed back from its hash.
 */
export async function stdinKey(spec: StdinSpec, hash: boolean): Promise<string> {
  if (!hash) return spec.kind === "closed" || spec.kind === "ignore" ? "none" : "unhashed";
  switch (spec.kind) {
    case "closed":
    case "ignore":
      return "none";
    case "inherit":
    case "interactive":
      return spec.kind;
    case "bytes":
      return sha256(spec.data);
    case "lines":
      return spec.oneShot ? "stream" : sha256(Buffer.from([...spec.lines].map((l) => `${l}\n`).join("")));
    case "file":
      try {
        return sha256(await readFile(spec.path));
      } catch {
        return "file:unreadable";
      }
    case "async":
    case "readable":
      return "stream";
  }
}

function sha256(data: Uint8Array): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

export function sameCall(a: CallKey, b: CallKey, match: Required<MatchOptions>): boolean {
  return distance(a, b, match) === 0;
}

/** 0 for a match; otherwise a rough count of what differs (a different program is far). */
export function distance(a: CallKey, b: CallKey, match: Required<MatchOptions>): number {
  let d = a.program === b.program ? 0 : 100;
  d += argsDistance(a.args, b.args);
  if (match.cwd && a.cwd !== b.cwd) d += 1;
  if (match.stdin && a.stdin !== b.stdin) d += 1;
  return d;
}

/** Edit distance over whole arguments. */
function argsDistance(a: readonly string[], b: readonly string[]): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      row.push(Math.min(substitution, (previous[j] as number) + 1, (row[j - 1] as number) + 1));
    }
    previous = row;
  }
  return previous[b.length] as number;
}

/** How a call is shown in a miss: argv shell-quoted, then what else differs. */
export function showCall(key: CallKey, match: Required<MatchOptions>): string {
  const argv = [key.program, ...key.args].map(quoteArg).join(" ");
  const cwd = match.cwd && key.cwd !== null ? ` (cwd ${key.cwd})` : "";
  const stdin = match.stdin && key.stdin !== "none" ? ` (stdin ${key.stdin.slice(0, 19)})` : "";
  return `${argv}${cwd}${stdin}`;
}
