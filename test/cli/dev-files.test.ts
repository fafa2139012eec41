/** The small parsers behind the dev-workflow commands: .env files, Procfiles, --ignore globs, colour choice. */
import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/cli/args.js";
import { colourEnabled } from "../../src/cli/colour.js";
import { parseEnvFile } from "../../src/cli/env-file.js";
import { globPattern, matchesAny } from "../../src/cli/glob.js";
import { parseProcfile } from "../../src/cli/procfile.js";

describe(".env files", () => {
  it("reads NAME=VALUE, export, quotes, escapes and comments; expands nothing", () => {
    const vars = parseEnvFile(
      [
        "\uFEFF# comment",
        "",
        "PLAIN=value # trailing",
        "export EXPORTED = spaced out ",
        "SINGLE='kept $HOME \\n'",
        'DOUBLE="a\\nb \\"q\\""',
        "EMPTY=",
        "HASH=a#b",
      ].join("\r\n"),
      ".env",
    );
    expect(vars).toEqual({
      PLAIN: "value",
      EXPORTED: "spaced out",
      SINGLE: "kept $HOME \\n",
      DOUBLE: 'a\nb "q"',
      EMPTY: "",
      HASH: "a#b",
    });
  });

  it("errors name the file, the line and the variable — never the value", () => {
    const bad = (text: string) => () => parseEnvFile(text, "prod.env");
    expect(bad("OK=1\nNOEQUALS")).toThrow(new UsageError("--dotenv prod.env:2: expected NAME=VALUE"));
    expect(bad("1BAD=x")).toThrow('invalid variable name "1BAD"');
    expect(bad("TOKEN='s3cret")).toThrow("--dotenv prod.env:1: the value of TOKEN has an unterminated quote");
    expect(() => parseEnvFile("TOKEN='s3cret", "x")).not.toThrow(/s3cret/);
  });
});

describe("Procfiles", () => {
  it("name: command lines, comments and blanks; commands split like a shell", () => {
    expect(
      parseProcfile("# web\nweb: node server.js --port 5000\n\nworker:sh -c 'echo a; echo b'\n", "P"),
    ).toEqual([
      { name: "web", words: ["node", "server.js", "--port", "5000"] },
      { name: "worker", words: ["sh", "-c", "echo a; echo b"] },
    ]);
  });

  it.each([
    ["no name", "web: true\n: sleep 1\n", "P:2: expected NAME: COMMAND"],
    ["no colon", "just a command\n", "P:1: expected NAME: COMMAND"],
    ["duplicate", "a: true\na: false\n", 'P:2: duplicate name "a"'],
    ["no command", "a:\n", "P:1: a has no command"],
    ["shell syntax", "a: make && make test\n", "P:1:"],
    ["empty", "# nothing\n", "no entries"],
  ])("%s → a one-line error", (_what, text, message) => {
    expect(() => parseProcfile(text, "P")).toThrow(message);
  });
});

describe("--ignore globs", () => {
  it("match the path, its base name or a leading directory", () => {
    const ignore = ["*.log", "dist", "src/**/gen-*.ts"].map(globPattern);
    expect(matchesAny(ignore, "server.log")).toBe(true);
    expect(matchesAny(ignore, "deep/dir/server.log")).toBe(true);
    expect(matchesAny(ignore, "dist/app.js")).toBe(true);
    expect(matchesAny(ignore, "src/a/b/gen-x.ts")).toBe(true);
    expect(matchesAny(ignore, "src/gen-x.ts")).toBe(true);
    expect(matchesAny(ignore, "src/app.ts")).toBe(false);
    expect(matchesAny(ignore, "distant.js")).toBe(false);
    expect(globPattern("a?c").test("abc")).toBe(true);
    expect(globPattern("a?c").test("a/c")).toBe(false);
    expect(globPattern("(x)+.txt").test("(x)+.txt")).toBe(true);
  });
});

describe("colour", () => {
  it("NO_COLOR wins, FORCE_COLOR forces, else only on a terminal", () => {
    expect(colourEnabled(1, { NO_COLOR: "1", FORCE_COLOR: "1" })).toBe(false);
    expect(colourEnabled(1, { FORCE_COLOR: "1" })).toBe(true);
    expect(colourEnabled(1, { FORCE_COLOR: "0" })).toBe(false);
    expect(colourEnabled(1, { FORCE_COLOR: "false" })).toBe(false);
    expect(colourEnabled(1, { NO_COLOR: "", FORCE_COLOR: "" })).toBe(true);
    // A descriptor that is no terminal (an unused high fd): no colour without FORCE_COLOR.
    expect(colourEnabled(250, {})).toBe(false);
  });
});
