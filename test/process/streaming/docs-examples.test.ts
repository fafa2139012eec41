/**
 * Runs every example of docs/streaming.md marked `<!-- example -->` (the Node streams,
 * merged output, targets, local binaries, line modes and readiness sections), so they cannot
 * rot. Imports of "processkit" are bound to the source tree. Each block must run without
 * throwing, and each `console.log(...)` with a trailing `// value` comment must log that
 * value (comments with an ellipsis or "x.x" are illustrative and not compared).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runBlock, runnable } from "../../helpers/docs-blocks.js";

const DOC = new URL("../../../docs/streaming.md", import.meta.url);
const text = readFileSync(DOC, "utf8");

const blocks = [...text.matchAll(/<!-- example -->\n```ts\n([\s\S]*?)```/g)].map((m) => {
  const code = m[1] as string;
  const line = text.slice(0, m.index).split("\n").length + 2;
  return { line, code };
});

/** The expected value of each console.log statement, in order (undefined: not compared). */
function expectations(code: string): Array<string | undefined> {
  return [...code.matchAll(/console\.log\((?:[^\n]*?)\);?(?: \/\/ (.*))?$/gm)].map((m) => {
    const comment = m[1];
    if (comment === undefined || /…|\.\.\.|x\.x/.test(comment)) return undefined;
    return comment.trim();
  });
}

const normalise = (s: string) => s.replace(/,\s+/g, ",");

describe("docs/streaming.md examples", () => {
  it("has the stream examples", () => {
    expect(blocks.length).toBeGreaterThanOrEqual(10);
  });

  for (const { line, code } of blocks) {
    it(`block at line ${line} runs and logs what it says`, async () => {
      expect(runnable(code)).not.toMatch(/^import /m);
      const logged = await runBlock(code, line);
      const wanted = expectations(code);
      expect(logged.length).toBe(wanted.length);
      for (const [i, want] of wanted.entries()) {
        if (want === undefined) continue;
        const got = (logged[i] as unknown[])
          .map((v) => (v === undefined ? "undefined" : JSON.stringify(v)))
          .join(" ");
        expect(normalise(got), `console.log #${i + 1} of the block at line ${line}`).toBe(normalise(want));
      }
    }, 60_000);
  }
});
