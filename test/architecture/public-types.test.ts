/**
 * The published types expose no internals: every declaration file reachable from the two
 * entry points (`processkit`, `processkit/testing`) is free of the internal names, and the
 * package ships no source maps that would point at sources it does not ship.
 * Reads dist/ as `npm test` builds it (pretest).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const DIST = resolve(import.meta.dirname, "../../dist");
const ENTRY_POINTS = ["index.d.ts", "testing/index.d.ts"];
const INTERNAL_NAMES = ["Container", "CommandSpec", "ProcessDriver", "fromSpec", "SPEC", "PipelineRun"];

/** The .d.ts files a consumer's compiler can reach from the entry points, by relative imports. */
function reachable(): Map<string, string> {
  const seen = new Map<string, string>();
  const queue = ENTRY_POINTS.map((entry) => join(DIST, entry));
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    if (seen.has(file)) continue;
    const text = readFileSync(file, "utf8");
    seen.set(file, text);
    for (const match of text.matchAll(/from\s+"(\.[^"]+)"|import\s+"(\.[^"]+)"|import\("(\.[^"]+)"\)/g)) {
      const target = resolve(
        dirname(file),
        (match[1] ?? match[2] ?? match[3] ?? "").replace(/\.js$/, ".d.ts"),
      );
      if (existsSync(target)) queue.push(target);
    }
  }
  return seen;
}

function mentions(text: string): string[] {
  return INTERNAL_NAMES.filter((name) => new RegExp(`\\b${name}\\b`).test(text));
}

describe("published types", () => {
  it("dist/ is built", () => {
    for (const entry of ENTRY_POINTS) expect(existsSync(join(DIST, entry)), entry).toBe(true);
  });

  it("the check sees internal names where they are (positive control)", () => {
    expect(mentions(readFileSync(join(DIST, "command/spec.d.ts"), "utf8"))).toContain("CommandSpec");
    expect(mentions(readFileSync(join(DIST, "containment/container.d.ts"), "utf8"))).toContain("Container");
  });

  it("no declaration reachable from the entry points mentions an internal name", () => {
    const files = reachable();
    expect(files.size).toBeGreaterThan(10);
    const leaks = [...files]
      .map(([file, text]) => ({ file: relative(DIST, file), names: mentions(text) }))
      .filter((leak) => leak.names.length > 0);
    expect(leaks).toEqual([]);
  });

  it("ships no source maps", () => {
    const maps = (readdirSync(DIST, { recursive: true }) as string[]).filter((f) => f.endsWith(".map"));
    expect(maps).toEqual([]);
  });
});
