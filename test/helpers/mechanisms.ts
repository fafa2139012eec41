/**
 * The containment mechanisms this host can run, each as a `JobRunner`, so "nothing survives"
 * tests prove both paths on every machine (cgroup v2 where usable, process groups always).
 */
import { JobRunner, type Mechanism } from "../../src/index.js";

export async function availableRunners(): Promise<[Mechanism, JobRunner][]> {
  const out: [Mechanism, JobRunner][] = [["process-group", new JobRunner({ mechanism: "process-group" })]];
  const cgroup = new JobRunner({ mechanism: "cgroup-v2" });
  try {
    await cgroup.ready();
    out.unshift(["cgroup-v2", cgroup]);
  } catch {
    // not usable on this host: the process-group path is still proven
  }
  return out;
}

/** Resolved once per test file (top-level await in the importing module). */
export const RUNNERS = await availableRunners();
