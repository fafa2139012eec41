/** The JSON error locator behind json()'s ParseError: agrees with JSON.parse on validity, finds the spot. */
import { describe, expect, it } from "vitest";
import { describeJsonError, locateJsonError } from "../../src/runner/json-error.js";

/** A deterministic pseudo-random JSON value. */
function randomValue(seed: { s: number }, depth = 0): unknown {
  const r = () => {
    seed.s = (seed.s * 1103515245 + 12345) & 0x7fffffff;
    return seed.s / 0x7fffffff;
  };
  const k = Math.floor(r() * (depth > 3 ? 5 : 7));
  switch (k) {
    case 0:
      return null;
    case 1:
      return r() < 0.5;
    case 2:
      return (r() - 0.5) * 10 ** Math.floor(r() * 40 - 20);
    case 3:
      return Math.floor(r() * 1000) - 500;
    case 4:
      return String.fromCharCode(
        ...Array.from({ length: Math.floor(r() * 8) }, () => Math.floor(r() * 0x2fff)),
      );
    case 5:
      return Array.from({ length: Math.floor(r() * 4) }, () => randomValue(seed, depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: Math.floor(r() * 4) }, (_, i) => [`k${i}\n"`, randomValue(seed, depth + 1)]),
      );
  }
}

describe("locateJsonError", () => {
  it("accepts everything JSON.stringify produces (500 random documents, pretty and compact)", () => {
    const seed = { s: 42 };
    for (let i = 0; i < 500; i++) {
      const value = randomValue(seed);
      expect(locateJsonError(JSON.stringify(value))).toBeUndefined();
      expect(locateJsonError(JSON.stringify(value, null, 2))).toBeUndefined();
    }
  });

  it.each([
    "0",
    "-0",
    "1e5",
    "1.5E-3",
    "-12.75e+2",
    '"\\u00e9\\n\\"\\\\\\/"',
    " \t\r\n[ ] ",
    "{}",
    '{"a":{"b":[1,{"c":null}]}}',
    "true",
    "false",
  ])("accepts %j", (text) => {
    expect(() => JSON.parse(text)).not.toThrow();
    expect(locateJsonError(text)).toBeUndefined();
  });

  it.each<[string, number, RegExp]>([
    ["", 0, /end of input/],
    ["   ", 3, /end of input/],
    ['{"a":}', 5, /unexpected "}"/],
    ['{"a" 1}', 5, /unexpected "1"/],
    ['{"a":1,}', 7, /unexpected "}"/],
    ["[1,]", 3, /unexpected "]"/],
    ["[1 2]", 3, /unexpected "2"/],
    ["01", 1, /after the JSON value/],
    ["-", 1, /end of input/],
    ["1.", 2, /end of input/],
    ["1.e5", 2, /unexpected "e"/],
    ["+1", 0, /unexpected "\+"/],
    ["tru", 3, /end of input/],
    ["nul", 3, /end of input/],
    ["True", 0, /unexpected "T"/],
    ['"abc', 4, /unterminated string/],
    ['"a\nb"', 2, /control character/],
    ['"\\x"', 2, /bad escape/],
    ['"\\u12G4"', 5, /bad \\u escape/],
    ["{'a':1}", 1, /unexpected "'"/],
    ["[1] [2]", 4, /after the JSON value/],
    ["NaN", 0, /unexpected "N"/],
  ])("rejects %j at offset %d", (text, offset, problem) => {
    expect(() => JSON.parse(text)).toThrow(SyntaxError);
    const found = locateJsonError(text);
    expect(found?.offset).toBe(offset);
    expect(found?.problem).toMatch(problem);
  });

  it("agrees with V8 wherever V8 reports a position", () => {
    const seed = { s: 7 };
    let compared = 0;
    for (let i = 0; i < 300; i++) {
      const good = JSON.stringify(randomValue(seed));
      // corrupt one character
      const at = Math.floor(((seed.s % 1000) / 1000) * good.length);
      const bad = good.slice(0, at) + "#" + good.slice(at + 1);
      let v8: number | undefined;
      try {
        JSON.parse(bad);
        continue; // still valid (the character was inside a string)
      } catch (error) {
        const m = /position (\d+)/.exec((error as Error).message);
        if (m) v8 = Number(m[1]);
      }
      const found = locateJsonError(bad);
      expect(found, bad).toBeDefined();
      if (v8 !== undefined) {
        expect(found?.offset, bad).toBe(v8);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(10);
  });

  it("does not overflow the stack on deep nesting", () => {
    const deep = "[".repeat(5_000) + "]".repeat(4_999);
    expect(locateJsonError(deep)?.problem).toMatch(/end of input/);
  });
});

describe("describeJsonError", () => {
  it("one line with line, column, offset and an escaped fragment", () => {
    const text = '{\n  "a": 1,\n  "b": ]\n}';
    const message = describeJsonError(text, new SyntaxError("x"));
    expect(message).toBe(
      'invalid JSON at line 3, column 8 (offset 19): unexpected "]" near "{\\n  \\"a\\": 1,\\n  \\"b\\": ]\\n}"',
    );
  });
  it("the fragment is at most 160 characters", () => {
    const text = `[${"1234567890,".repeat(100)}x]`;
    const message = describeJsonError(text, new SyntaxError("x"));
    expect(message).not.toContain("\n");
    expect(message.split(" near ")[1]?.length).toBeLessThanOrEqual(160);
  });
});
