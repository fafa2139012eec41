/**
 * Shell-style word splitting without a shell, for `processkit batch` files: one command per
 * line, words separated by blanks, with the quoting a shell user expects —
 * - `'single quotes'`: everything literal up to the next `'`;
 * - `"double quotes"`: literal except `\"`, `\\`, `\$`, `` \` `` and backslash-newline;
 * - a backslash outside quotes escapes the next character; backslash-newline continues the
 *   command on the next line;
 * - `#` at the start of a word starts a comment; blank and comment-only lines are skipped;
 * - a newline inside quotes is part of the word.
 *
 * Nothing is expanded: no variables, globs, `~`, command substitution, pipes or
 * redirections. Rather than pass such syntax on as literal arguments (`make && make test`
 * would run `make` with three arguments), unquoted shell operators and `$` expansions are
 * errors that say so, as is a leading `NAME=value` (use `env NAME=value cmd`).
 */

export interface CommandLine {
  /** 1-based line where the command starts. */
  readonly line: number;
  readonly words: readonly string[];
}

export class ShellWordsError extends Error {
  override readonly name = "ShellWordsError";
  constructor(
    /** 1-based line of the problem. */
    readonly line: number,
    /** The message without its line (for callers that say where themselves). */
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
  }
}

const BLANK = new Set([" ", "\t", "\r", "\f", "\v"]);
const OPERATOR = new Set(["|", "&", ";", "<", ">", "(", ")", "`"]);
const EXPANSION_START = /[A-Za-z_0-9{(@*#?$!-]/;
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;
const DOUBLE_QUOTE_ESCAPABLE = new Set(['"', "\\", "$", "`"]);

/** Splits a whole file into commands. Throws `ShellWordsError` (with the line) on bad syntax. */
export function parseCommandLines(text: string): CommandLine[] {
  const commands: CommandLine[] = [];
  let words: string[] = [];
  let word = "";
  /** A word is under way (also an empty one from `''`). */
  let inWord = false;
  /** The current word contains a quoted or escaped part (so it cannot be an operator or assignment). */
  let wordQuoted = false;
  let line = 1;
  let commandLine = 1;
  let i = 0;

  const endWord = () => {
    if (!inWord) return;
    if (words.length === 0 && !wordQuoted && ASSIGNMENT.test(word)) {
      const name = word.slice(0, word.indexOf("="));
      throw new ShellWordsError(
        line,
        `"${name}=…" looks like a shell variable assignment; commands run without a shell (use: env ${name}=… PROGRAM …)`,
      );
    }
    words.push(word);
    word = "";
    inWord = false;
    wordQuoted = false;
  };
  const endCommand = () => {
    endWord();
    if (words.length > 0) commands.push({ line: commandLine, words });
    words = [];
  };

  while (i < text.length) {
    const c = text[i] as string;
    if (words.length === 0 && !inWord) commandLine = line;
    if (c === "\n") {
      endCommand();
      line++;
      i++;
      continue;
    }
    if (BLANK.has(c)) {
      endWord();
      i++;
      continue;
    }
    if (c === "#" && !inWord) {
      while (i < text.length && text[i] !== "\n") i++;
      continue;
    }
    if (c === "\\") {
      const next = text[i + 1];
      if (next === undefined)
        throw new ShellWordsError(line, "a backslash at the end of the input escapes nothing");
      if (next === "\n") {
        // Line continuation: the command goes on; the newline is dropped.
        line++;
        i += 2;
        continue;
      }
      word += next;
      inWord = true;
      wordQuoted = true;
      i += 2;
      continue;
    }
    if (c === "'") {
      const start = line;
      const end = text.indexOf("'", i + 1);
      if (end === -1) throw new ShellWordsError(start, "unterminated single quote");
      const quoted = text.slice(i + 1, end);
      line += countNewlines(quoted);
      word += quoted;
      inWord = true;
      wordQuoted = true;
      i = end + 1;
      continue;
    }
    if (c === '"') {
      const start = line;
      i++;
      let closed = false;
      while (i < text.length) {
        const d = text[i] as string;
        if (d === '"') {
          closed = true;
          i++;
          break;
        }
        if (d === "\\") {
          const next = text[i + 1];
          if (next === "\n") {
            line++;
            i += 2;
            continue;
          }
          if (next !== undefined && DOUBLE_QUOTE_ESCAPABLE.has(next)) {
            word += next;
            i += 2;
            continue;
          }
          word += "\\";
          i++;
          continue;
        }
        if (d === "\n") line++;
        word += d;
        i++;
      }
      if (!closed) throw new ShellWordsError(start, "unterminated double quote");
      inWord = true;
      wordQuoted = true;
      continue;
    }
    if (OPERATOR.has(c)) {
      const op = c === "`" ? "`" : operatorAt(text, i);
      throw new ShellWordsError(
        line,
        `${JSON.stringify(op)} is shell syntax, but commands run without a shell (quote it, or use: sh -c '…')`,
      );
    }
    if (c === "$" && EXPANSION_START.test(text[i + 1] ?? "")) {
      throw new ShellWordsError(
        line,
        `"$${text[i + 1]}…" would be expanded by a shell, but commands run without one (quote it with '…', or use: sh -c '…')`,
      );
    }
    word += c;
    inWord = true;
    i++;
  }
  endCommand();
  return commands;
}

/** Splits exactly one command; more than one (an unquoted newline between words) is an error. */
export function splitWords(text: string): string[] {
  const commands = parseCommandLines(text);
  const second = commands[1];
  if (second !== undefined) throw new ShellWordsError(second.line, "expected a single command");
  return commands.length === 0 ? [] : [...(commands[0] as CommandLine).words];
}

function countNewlines(text: string): number {
  let n = 0;
  for (const c of text) if (c === "\n") n++;
  return n;
}

function operatorAt(text: string, i: number): string {
  const two = text.slice(i, i + 2);
  return ["&&", "||", ">>", "<<", ";;", "&>"].includes(two) ? two : (text[i] as string);
}
