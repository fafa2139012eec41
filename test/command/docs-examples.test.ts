/**
 * Runs every ```ts block of docs/commands.md, so the examples cannot rot. Imports of
 * "processkit" are bound to the source tree; node: imports are loaded dynamically. Each block
 * must run without throwing; what it logs is collected (and shown when it fails).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runBlock, runnable } from "../helpers/docs-blocks.js";

const DOC = new URL("../../docs/commands.md", import.meta.url);
const text = readFileSync(DOC, "utf8");

const blocks = [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m, i) => {
  const code = m[1] as string;
  const line = text.slice(0, m.index).split("\n").length + 1;
  return { i, line, code };
});

describe("docs/commands.md examples", () => {
  it("has examples", () => {
    expect(blocks.length).toBeGreaterThan(15);
  });

  for (const { i, line, code } of blocks) {
    it(`block ${i + 1} (line ${line}) runs`, async () => {
      expect(runnable(code)).not.toMatch(/^import /m); // every import was rewritten
      const logged = await runBlock(code, line);
      if (process.env.SHOW_DOCS_OUTPUT) process.stdout.write(`--- line ${line}\n${JSON.stringify(logged)}\n`);
      expect(logged.length).toBeGreaterThan(0);
    }, 30_000);
  }
});
