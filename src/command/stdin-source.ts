/** Normalises the many shapes `Command.stdin()` accepts into one tagged `StdinSpec`. */
import { Readable } from "node:stream";
import { InvalidInputError } from "../errors.js";
import type { StdinSpec } from "./spec.js";
import { checkText, describe } from "./validate.js";

/** Everything `Command.stdin()` accepts. Note: the strings "inherit" and "ignore" are modes, not text. */
export type StdinSource =
  | string
  | Uint8Array
  | Iterable<string>
  | AsyncIterable<string | Uint8Array>
  | Readable
  | { readonly file: string }
  | "inherit"
  | "ignore";

const encoder = new TextEncoder();

/** @internal */
export function toStdinSpec(source: unknown, program: string): StdinSpec {
  if (source === "inherit" || source === "ignore") return Object.freeze({ kind: source });
  if (typeof source === "string") return Object.freeze({ kind: "bytes", data: encoder.encode(source) });
  if (source instanceof Uint8Array) return Object.freeze({ kind: "bytes", data: new Uint8Array(source) });
  // Other typed arrays and Maps are iterable too, but of numbers or pairs — never lines of text.
  if (ArrayBuffer.isView(source) || source instanceof ArrayBuffer || source instanceof Map) {
    throw new InvalidInputError(
      "stdin",
      `stdin: unsupported source ${source.constructor.name} (bytes go in a Uint8Array)`,
      program,
    );
  }
  if (source instanceof Readable) return Object.freeze({ kind: "readable", stream: source, oneShot: true });
  if (typeof source === "object" && source !== null) {
    if ("file" in source) {
      return Object.freeze({
        kind: "file",
        path: checkText((source as { file: unknown }).file, "stdin.file", program),
      });
    }
    if (Array.isArray(source) || source instanceof Set) {
      // A snapshot, like args, env and bytes: changing the array later does not change the command.
      const lines = [...(source as Iterable<unknown>)];
      for (const [i, line] of lines.entries()) {
        if (typeof line !== "string" && !(line instanceof Uint8Array)) {
          throw new InvalidInputError(
            `stdin[${i}]`,
            `stdin[${i}]: expected a string or a Uint8Array, got ${describe(line)}`,
            program,
          );
        }
      }
      return Object.freeze({ kind: "lines", lines: Object.freeze(lines as string[]), oneShot: false });
    }
    if (Symbol.iterator in source) {
      const lines = source as Iterable<string>;
      // An iterator that returns itself (a generator) can be consumed once; an array can be replayed.
      const oneShot = (lines as unknown as { [Symbol.iterator](): unknown })[Symbol.iterator]() === lines;
      return Object.freeze({ kind: "lines", lines, oneShot });
    }
    if (Symbol.asyncIterator in source) {
      return Object.freeze({
        kind: "async",
        source: source as AsyncIterable<string | Uint8Array>,
        oneShot: true,
      });
    }
  }
  throw new InvalidInputError("stdin", `stdin: unsupported source ${describe(source)}`, program);
}
