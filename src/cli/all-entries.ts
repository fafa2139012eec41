/**
 * What `processkit all` runs, named: the commands from the command line (each argument one
 * command split like a shell, or `:::`-separated groups of words), `npm:NAME` shorthands
 * expanded from package.json, or the entries of a Procfile. Names are unique.
 */
import { type ParsedArgs, UsageError } from "./args.js";
import { NPM_PREFIX, npmScripts } from "./npm-scripts.js";
import { readProcfile } from "./procfile.js";
import { ShellWordsError, splitWords } from "./shell-words.js";

export const GROUP_SEPARATOR = ":::";

export interface AllEntry {
  readonly name: string;
  readonly words: readonly string[];
}

interface Unnamed {
  readonly name: string | undefined;
  readonly words: readonly string[];
}

/** The entries, named, in order. `dir` is where package.json is looked up (for `npm:`). */
export function allEntries(parsed: ParsedArgs, dir: string): AllEntry[] {
  const procfile = parsed.string("procfile");
  let unnamed: Unnamed[];
  if (procfile !== undefined) {
    if (procfile === "") throw new UsageError("--procfile: expected a file name");
    if (parsed.rest.length > 0)
      throw new UsageError("--procfile: give either a Procfile or commands, not both");
    unnamed = readProcfile(procfile);
  } else {
    unnamed = commandLineEntries(parsed.rest).flatMap((words) => expandNpm(words, dir));
  }
  if (unnamed.length === 0) throw new UsageError("missing the commands to run");
  return nameAll(unnamed, parsed.string("names"));
}

/** `:::` groups when there is a separator, else one command per argument. */
function commandLineEntries(rest: readonly string[]): string[][] {
  if (rest.includes(GROUP_SEPARATOR)) {
    const groups: string[][] = [[]];
    for (const word of rest) {
      if (word === GROUP_SEPARATOR) groups.push([]);
      else (groups[groups.length - 1] as string[]).push(word);
    }
    groups.forEach((group, i) => {
      if (group.length === 0)
        throw new UsageError(`command ${i + 1}: empty (two "${GROUP_SEPARATOR}" in a row?)`);
    });
    return groups;
  }
  return rest.map((text, i) => {
    let words: string[];
    try {
      words = splitWords(text);
    } catch (error) {
      const reason = error instanceof ShellWordsError ? error.reason : String(error);
      throw new UsageError(`command ${i + 1} ${JSON.stringify(text)}: ${reason}`);
    }
    if (words.length === 0) throw new UsageError(`command ${i + 1}: empty`);
    return words;
  });
}

function expandNpm(words: readonly string[], dir: string): Unnamed[] {
  const [first] = words;
  if (words.length !== 1 || first === undefined || !first.startsWith(NPM_PREFIX))
    return [{ name: undefined, words }];
  return npmScripts(first, dir);
}

function nameAll(entries: readonly Unnamed[], namesFlag: string | undefined): AllEntry[] {
  let given: string[] | undefined;
  if (namesFlag !== undefined) {
    given = namesFlag.split(",").map((n) => n.trim());
    if (given.length !== entries.length) {
      throw new UsageError(
        `--names: ${given.length} name${given.length === 1 ? "" : "s"} for ${entries.length} commands`,
      );
    }
    given.forEach((name, i) => {
      if (name === "") throw new UsageError(`--names: name ${i + 1} is empty`);
    });
  }
  const named = entries.map((entry, i) => ({
    name: given?.[i] ?? entry.name ?? String(i),
    words: entry.words,
  }));
  const seen = new Set<string>();
  for (const { name } of named) {
    if (seen.has(name)) throw new UsageError(`duplicate command name ${JSON.stringify(name)}`);
    seen.add(name);
  }
  return named;
}
