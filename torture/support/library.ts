/** The built library (what users get), typed by its sources: the torture parts drive dist/. */
import { join } from "node:path";
import { DIST } from "./owners.js";

export const lib = (await import(join(DIST, "index.js"))) as typeof import("../../src/index.js");

/** The mechanisms this host can run, proven by a real run (never claimed from a probe alone). */
export async function usableMechanisms(): Promise<Array<"cgroup-v2" | "process-group">> {
  const out: Array<"cgroup-v2" | "process-group"> = [];
  for (const mechanism of ["cgroup-v2", "process-group"] as const) {
    try {
      await new lib.JobRunner({ mechanism }).run(new lib.Command("true"));
      out.push(mechanism);
    } catch {
      // not on this host
    }
  }
  return out;
}
