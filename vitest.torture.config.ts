import { defineConfig } from "vitest/config";

/**
 * The torture suite (torture/*.torture.ts): not part of `npm test`. One file at a time — the
 * owner-death matrix measures kill moments in milliseconds and must not share the machine
 * with the other parts. `npm run torture` is the full run; `.ci/run` runs the reduced one.
 */
export default defineConfig({
  test: {
    include: ["torture/**/*.torture.ts"],
    pool: "forks",
    // The soak measures the heap after a forced collection.
    execArgv: ["--expose-gc"],
    fileParallelism: false,
    testTimeout: 3_600_000,
    hookTimeout: 60_000,
    teardownTimeout: 30_000,
  },
});
