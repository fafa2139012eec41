/**
 * A shell-free tagged template: `` cmd`git log -n ${count} ${ref}` `` → `new Command("git",
 * ["log", "-n", "3", "main"])`. Literal text is split on whitespace; each interpolated value
 * is exactly one argv entry (joined to adjacent literal text, as in `--ref=${ref}`); an
 * array interpolates one entry per element. Nothing is ever parsed by a shell.
 */
import { InvalidInputError } from "../errors.js";
import { Command } from "./command.js";
import { describe } from "./validate.js";

type Value = string | number | readonly (string | number)[];

export function cmd(strings: TemplateStringsArray, ...values: Value[]): Command {
  const argv: string[] = [];
  let current: string | undefined; // the token being built; undefined between tokens
  const literal = (text: string) => {
    const parts = text.split(/[ \t\n\r]+/);
    parts.forEach((part, i) => {
      if (i > 0 && current !== undefined) {
        argv.push(current);
        current = undefined;
      }
      if (part !== "") current = (current ?? "") + part;
    });
  };
  strings.raw.forEach((raw, i) => {
    const text = strings[i];
    // A tagged template may hold an invalid escape (`\x`): its cooked text is undefined.
    if (text === undefined) {
      throw new InvalidInputError("cmd", `cmd: invalid escape sequence in ${JSON.stringify(raw)}`);
    }
    literal(text);
    if (i >= values.length) return;
    const value = values[i];
    const items = Array.isArray(value) ? value : [value];
    items.forEach((item, j) => {
      if (typeof item !== "string" && typeof item !== "number") {
        throw new InvalidInputError(
          "cmd",
          `cmd: interpolation ${i} must be a string, number or array of them, got ${describe(item)}`,
        );
      }
      if (j > 0 && current !== undefined) {
        argv.push(current);
        current = undefined;
      }
      current = (current ?? "") + String(item);
    });
  });
  if (current !== undefined) argv.push(current);
  const [program, ...args] = argv;
  if (program === undefined) throw new InvalidInputError("program", "cmd: the template names no program");
  return new Command(program, args);
}
