/**
 * Runs every ```ts run block of docs/supervision.md, testing.md, clients.md and verbose.md as written (with
 * "processkit" mapped to the sources). A `console.log(…); // → expected` line is checked:
 * its output must equal the expected text (quotes dropped).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { format } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const work = mkdtempSync(join(tmpdir(), "processkit-docs-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Check {
  expected: string;
  actual: string | undefined;
}
const checks: Check[][] = [];
(globalThis as { __docCheck?: unknown }).__docCheck = (
  index: number,
  expected: string,
  ...args: unknown[]
) => {
  const list = checks[index] ?? [];
  checks[index] = list;
  list.push({ expected, actual: format(...args) });
};

function blocks(file: string): { line: number; code: string }[] {
  const text = readFileSync(join(root, file), "utf8");
  const found: { line: number; code: string }[] = [];
  const pattern = /^```ts run\n([\s\S]*?)^```$/gm;
  for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
    found.push({ line: text.slice(0, m.index).split("\n").length, code: m[1] as string });
  }
  return found;
}

let counter = 0;
function prepare(code: string, index: number): { source: string; expected: number } {
  let expected = 0;
  const source = code
    .replaceAll('from "processkit/testing"', `from ${JSON.stringify(join(root, "src/testing/index.ts"))}`)
    .replaceAll('from "processkit"', `from ${JSON.stringify(join(root, "src/index.ts"))}`)
    .split("\n")
    .map((line) => {
      const m = /^(\s*)console\.log\((.*)\);\s*\/\/ → (.*)$/.exec(line);
      if (!m) return line;
      expected++;
      const want = (m[3] as string).replaceAll('"', "");
      return `${m[1]}(globalThis as any).__docCheck(${index}, ${JSON.stringify(want)}, ${m[2]});`;
    })
    .join("\n");
  return { source: `${source}\nexport {};\n`, expected };
}

for (const file of ["docs/supervision.md", "docs/testing.md", "docs/clients.md", "docs/verbose.md"]) {
  describe(file, () => {
    for (const block of blocks(file)) {
      it(`the example at line ${block.line} runs as documented`, async () => {
        const index = counter++;
        const { source, expected } = prepare(block.code, index);
        const path = join(work, `example-${index}.ts`);
        writeFileSync(path, source);
        const log = console.log;
        console.log = () => {};
        try {
          await import(pathToFileURL(path).href);
        } finally {
          console.log = log;
        }
        const seen = checks[index] ?? [];
        expect(seen).toHaveLength(expected);
        for (const check of seen) expect(check.actual).toBe(check.expected);
      });
    }
  });
}
