/**
 * The layer rules, checked on the source: no import circle anywhere in src/ (the type-only
 * pair errors.ts ↔ result.ts excepted), `command/` is a leaf that imports no layer above it,
 * and only containment/ touches /proc or the cgroup filesystem.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cycles, importGraph, SRC } from "./import-graph.js";

const ALLOWED_CYCLE = ["errors.ts", "result.ts", "errors.ts"].join(" -> ");

describe("layers", () => {
  const graph = importGraph();

  it("the graph reader sees real imports (positive control)", () => {
    expect(graph.get("index.ts")).toContain("compose.ts");
    expect(graph.get("runner/base-runner.ts")).toContain("runner/verb-list.ts");
    // And it finds a cycle when there is one.
    const looped = new Map([
      ["a.ts", ["b.ts"]],
      ["b.ts", ["a.ts"]],
    ]);
    expect(cycles(looped)).toEqual([["a.ts", "b.ts", "a.ts"]]);
  });

  it("no import circle among src/ files", () => {
    const found = cycles(graph)
      .map((cycle) => cycle.join(" -> "))
      .filter((c) => c !== ALLOWED_CYCLE);
    expect(found).toEqual([]);
  });

  it("command/ imports nothing above it (only command/ and errors.ts)", () => {
    const upward = [...graph]
      .filter(([file]) => file.startsWith("command/"))
      .flatMap(([file, targets]) =>
        targets.filter((t) => !t.startsWith("command/") && t !== "errors.ts").map((t) => `${file} -> ${t}`),
      );
    expect(upward).toEqual([]);
  });

  it("cli/ reaches containment/ only through its report doors (host.ts, proc.ts)", () => {
    const reaching = [...graph]
      .filter(([file]) => file.startsWith("cli/"))
      .flatMap(([file, targets]) =>
        targets
          .filter(
            (t) => t.startsWith("containment/") && t !== "containment/host.ts" && t !== "containment/proc.ts",
          )
          .map((t) => `${file} -> ${t}`),
      );
    expect(reaching).toEqual([]);
  });

  it("only containment/ reads /proc or the cgroup filesystem", () => {
    const outside = [...graph.keys()].filter((file) => {
      if (file.startsWith("containment/")) return false;
      const text = readFileSync(join(SRC, file), "utf8");
      return /["'`]\/proc\/|\/sys\/fs\/cgroup/.test(text);
    });
    expect(outside).toEqual([]);
  });
});
