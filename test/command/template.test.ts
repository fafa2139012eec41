import { describe, expect, it } from "vitest";
import { Command, cmd, InvalidInputError } from "../../src/index.js";

describe("cmd tagged template", () => {
  it("splits literal text on whitespace", () => {
    const c = cmd`git   log\t--oneline
      -n 3`;
    expect(c).toBeInstanceOf(Command);
    expect(c.program).toBe("git");
    expect(c.argv).toEqual(["log", "--oneline", "-n", "3"]);
  });

  it("makes each interpolation exactly one argv entry, spaces and quotes included", () => {
    const file = "my file; rm -rf / 'x' \"y\" $(z)";
    const c = cmd`cat ${file}`;
    expect(c.argv).toEqual([file]);
  });

  it("joins an interpolation to adjacent literal text", () => {
    const ref = "main";
    expect(cmd`git log --ref=${ref} x${ref}y`.argv).toEqual(["log", "--ref=main", "xmainy"]);
  });

  it("joins adjacent interpolations into one entry", () => {
    const a = "a b";
    const b = "c";
    expect(cmd`echo ${a}${b}`.argv).toEqual(["a bc"]);
  });

  it("keeps an empty string as an empty argument", () => {
    expect(cmd`printf %s ${""} end`.argv).toEqual(["%s", "", "end"]);
  });

  it("interpolates numbers as their decimal form", () => {
    expect(cmd`head -n ${5} ${1.5}`.argv).toEqual(["-n", "5", "1.5"]);
  });

  it("spreads an array into one entry per element", () => {
    const files = ["a b", "c", "d"];
    expect(cmd`rm -- ${files}`.argv).toEqual(["--", "a b", "c", "d"]);
  });

  it("joins only the first/last array element to adjacent text", () => {
    expect(cmd`x pre${["a", "b"]}post`.argv).toEqual(["prea", "bpost"]);
  });

  it("an empty array adds nothing", () => {
    expect(cmd`ls ${[]} -l`.argv).toEqual(["-l"]);
  });

  it("the program itself may be interpolated", () => {
    const prog = "/usr/bin/my tool";
    const c = cmd`${prog} --version`;
    expect(c.program).toBe(prog);
    expect(c.argv).toEqual(["--version"]);
  });

  it("an invalid escape in the literal text is InvalidInputError, not a TypeError", () => {
    expect(() => cmd`printf \x`).toThrow(InvalidInputError);
    expect(() => cmd`printf \u{zz} ${"a"}`).toThrow(/escape/);
  });

  it("runs without a shell", async () => {
    const evil = "$(echo pwned)";
    expect(await cmd`echo ${evil} ${"a  b"}`.run()).toBe("$(echo pwned) a  b");
  });
});
