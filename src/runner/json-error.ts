/**
 * Where invalid JSON goes wrong. V8's messages only sometimes carry a position ("Unexpected
 * token '}', "{"a":}" is not valid JSON" has none), so after `JSON.parse` failed we find the
 * first offending character ourselves with a small validating scanner (RFC 8259 grammar), and
 * build a one-line message: line, column, offset, what was expected, and the text around it.
 */

export interface JsonErrorLocation {
  /** UTF-16 offset of the first character that cannot be part of valid JSON. */
  readonly offset: number;
  /** What went wrong there, e.g. `unexpected "}"` or `unexpected end of input`. */
  readonly problem: string;
}

class Invalid {
  constructor(
    readonly offset: number,
    readonly problem: string,
  ) {}
}

/** The first error in `text`, or undefined if it is valid JSON. */
export function locateJsonError(text: string): JsonErrorLocation | undefined {
  let i = 0;
  const fail = (problem?: string): never => {
    throw new Invalid(
      i,
      problem ?? (i >= text.length ? "unexpected end of input" : `unexpected ${JSON.stringify(text[i])}`),
    );
  };
  const ws = () => {
    for (
      let c = text.charCodeAt(i);
      c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
      c = text.charCodeAt(++i)
    );
  };
  const literal = (word: string) => {
    for (const ch of word) {
      if (text[i] !== ch) fail();
      i++;
    }
  };
  const digits = () => {
    const start = i;
    while (text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x39) i++;
    if (i === start) fail();
  };
  const number = () => {
    if (text[i] === "-") i++;
    if (text[i] === "0") i++;
    else digits();
    if (text[i] === ".") {
      i++;
      digits();
    }
    if (text[i] === "e" || text[i] === "E") {
      i++;
      if (text[i] === "+" || text[i] === "-") i++;
      digits();
    }
  };
  const string = () => {
    i++; // opening quote
    for (;;) {
      if (i >= text.length) fail("unterminated string");
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) fail("control character in string");
      if (c === 0x5c) {
        i++;
        const e = text[i];
        if (e === "u") {
          for (let k = 1; k <= 4; k++) {
            if (!/[0-9a-fA-F]/.test(text[i + k] ?? "")) {
              i += k;
              fail("bad \\u escape");
            }
          }
          i += 5;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i++;
        else fail("bad escape");
      } else i++;
    }
  };
  const value = (depth: number) => {
    if (depth > 5_000) fail("nesting too deep"); // the real error may lie deeper; the spot is still honest
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      ws();
      if (text[i] === "}") {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        string();
        ws();
        if (text[i] !== ":") fail();
        i++;
        value(depth + 1);
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "}") {
          i++;
          return;
        } else fail();
      }
    } else if (c === "[") {
      i++;
      ws();
      if (text[i] === "]") {
        i++;
        return;
      }
      for (;;) {
        value(depth + 1);
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === "]") {
          i++;
          return;
        } else fail();
      }
    } else if (c === '"') string();
    else if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) number();
    else if (c === "t") literal("true");
    else if (c === "f") literal("false");
    else if (c === "n") literal("null");
    else fail();
  };
  try {
    value(0);
    ws();
    if (i < text.length) fail("unexpected text after the JSON value");
    return undefined;
  } catch (error) {
    if (error instanceof Invalid) return { offset: error.offset, problem: error.problem };
    // A stack overflow on absurd nesting: still a located, typed answer, never a crash.
    if (error instanceof RangeError) return { offset: i, problem: "nesting too deep" };
    throw error;
  }
}

/** One line: `invalid JSON at line L, column C (offset N): problem near "…fragment…"` (fragment ≤ 160 chars). */
export function describeJsonError(text: string, error: unknown): string {
  const located = locateJsonError(text);
  let offset: number;
  let problem: string;
  if (located !== undefined) {
    ({ offset, problem } = located);
  } else {
    // The scanner accepts what V8 rejected (should not happen): fall back to V8's own words.
    const message = error instanceof Error ? error.message : String(error);
    const match = /position (\d+)/.exec(message);
    offset = match ? Number(match[1]) : text.length;
    problem = message.split("\n")[0] ?? message;
  }
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  const fragment = JSON.stringify(text.slice(Math.max(0, offset - 40), offset + 40));
  const shown = fragment.length > 160 ? `${fragment.slice(0, 159)}…` : fragment;
  return `invalid JSON at line ${line}, column ${offset - lineStart + 1} (offset ${offset}): ${problem} near ${shown}`;
}
