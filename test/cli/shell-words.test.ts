import { describe, expect, it } from "vitest";
import { parseCommandLines, ShellWordsError, splitWords } from "../../src/cli/shell-words.js";

const words = (text: string) => parseCommandLines(text).map((c) => c.words);

describe("shell-words: splitting", () => {
  it("splits on blanks and tabs, one command per line", () => {
    expect(words("echo  a\tb\nls -l /tmp\n")).toEqual([
      ["echo", "a", "b"],
      ["ls", "-l", "/tmp"],
    ]);
  });

  it("skips blank lines and comment lines, and reports the line each command starts on", () => {
    const text = "\n# setup\n   \necho one\n\n  # indented comment\necho two # trailing comment\n";
    expect(parseCommandLines(text)).toEqual([
      { line: 4, words: ["echo", "one"] },
      { line: 7, words: ["echo", "two"] },
    ]);
  });

  it("treats # inside a word as a literal", () => {
    expect(splitWords("echo a#b c# '#d' \\#e")).toEqual(["echo", "a#b", "c#", "#d", "#e"]);
  });

  it("handles CRLF line endings", () => {
    expect(words("echo a\r\necho b\r\n")).toEqual([
      ["echo", "a"],
      ["echo", "b"],
    ]);
  });
});

describe("shell-words: quoting", () => {
  it("single quotes keep everything literal, backslashes and double quotes included", () => {
    expect(splitWords(`printf '%s\\n' 'a "b" \\c'`)).toEqual(["printf", "%s\\n", 'a "b" \\c']);
  });

  it('double quotes keep blanks and $, and unescape only \\" \\\\ \\$ and \\`', () => {
    expect(splitWords(String.raw`echo "a  b" "say \"hi\"" "back\\slash" "\$HOME" "\n stays"`)).toEqual([
      "echo",
      "a  b",
      'say "hi"',
      "back\\slash",
      "$HOME",
      "\\n stays",
    ]);
  });

  it("a backslash outside quotes escapes the next character", () => {
    expect(splitWords(String.raw`touch a\ b \'q\' \"d\" \\`)).toEqual(["touch", "a b", "'q'", '"d"', "\\"]);
  });

  it("adjacent quoted and unquoted parts form one word; empty quotes are an empty word", () => {
    expect(splitWords(`cmd --name='x y'z "" ''`)).toEqual(["cmd", "--name=x yz", "", ""]);
  });

  it("a newline inside quotes belongs to the word; the line count goes on", () => {
    expect(parseCommandLines("echo 'a\nb' \"c\nd\"\necho next")).toEqual([
      { line: 1, words: ["echo", "a\nb", "c\nd"] },
      { line: 4, words: ["echo", "next"] },
    ]);
  });

  it("a backslash-newline continues the command on the next line", () => {
    expect(parseCommandLines("make \\\n  -j4 \\\n  all\necho done")).toEqual([
      { line: 1, words: ["make", "-j4", "all"] },
      { line: 4, words: ["echo", "done"] },
    ]);
  });

  it("a backslash-newline inside double quotes joins the lines", () => {
    expect(splitWords('echo "ab\\\ncd"')).toEqual(["echo", "abcd"]);
  });

  it("shell metacharacters inside quotes are plain text", () => {
    expect(splitWords(`sh -c 'make && make test | tee log > out; echo $?'`)).toEqual([
      "sh",
      "-c",
      "make && make test | tee log > out; echo $?",
    ]);
  });

  it("globs, ~ and braces are passed through untouched (nothing is expanded)", () => {
    expect(splitWords("ls *.ts ~/x {a,b} [c]")).toEqual(["ls", "*.ts", "~/x", "{a,b}", "[c]"]);
  });

  it("a lone $ or a trailing $ is literal", () => {
    expect(splitWords("echo cost$ $ 5$")).toEqual(["echo", "cost$", "$", "5$"]);
  });
});

describe("shell-words: errors name the line", () => {
  const error = (text: string) => {
    try {
      parseCommandLines(text);
    } catch (e) {
      expect(e).toBeInstanceOf(ShellWordsError);
      return e as ShellWordsError;
    }
    throw new Error("expected a ShellWordsError");
  };

  it("unterminated quotes, at the line where the quote opened", () => {
    expect(error("echo ok\necho 'oops\nmore").line).toBe(2);
    expect(error("echo ok\necho 'oops\nmore").message).toMatch(/line 2: unterminated single quote/);
    expect(error('echo "never closed').message).toMatch(/line 1: unterminated double quote/);
  });

  it("a backslash at the very end escapes nothing", () => {
    expect(error("echo a\\").message).toMatch(/line 1: a backslash at the end/);
  });

  it("unquoted shell operators are refused, with the way out", () => {
    for (const [text, op] of [
      ["make && make test", "&&"],
      ["a || b", "||"],
      ["ls | wc", "|"],
      ["echo hi > out", ">"],
      ["cat < in", "<"],
      ["a; b", ";"],
      ["sleep 1 &", "&"],
      ["echo `date`", "`"],
      ["(cd x)", "("],
    ] as const) {
      const e = error(`echo ok\n${text}`);
      expect(e.line).toBe(2);
      expect(e.message).toContain(JSON.stringify(op));
      expect(e.message).toContain("sh -c");
    }
  });

  it("unquoted $ expansions are refused", () => {
    expect(error("echo $HOME").message).toMatch(/"\$H…" would be expanded/);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax, not a template
    expect(error("echo ${x}").message).toMatch(/expanded/);
    expect(error("echo $(date)").message).toMatch(/expanded/);
  });

  it("a leading NAME=value assignment is refused, pointing at env", () => {
    const e = error("FOO=bar make");
    expect(e.message).toContain("env FOO=… PROGRAM");
    expect(e.message).not.toContain("bar");
    // Not leading, or quoted: a plain argument.
    expect(splitWords("make FOO=bar")).toEqual(["make", "FOO=bar"]);
    expect(splitWords("'FOO=bar' x")).toEqual(["FOO=bar", "x"]);
  });

  it("splitWords refuses more than one command", () => {
    expect(() => splitWords("a\nb")).toThrow(/line 2: expected a single command/);
  });
});
