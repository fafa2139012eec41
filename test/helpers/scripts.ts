/**
 * Node one-liners used as children. Node is the best helper: it can fork trees, print pids,
 * trap signals and hold pipes, and it is always there (process.execPath).
 */
import { Command } from "../../src/index.js";
import { NODE } from "./procs.js";

export function node(script: string, args: readonly string[] = []): Command {
  return new Command(NODE, ["-e", script, ...args]);
}

/**
 * A tree: the leader spawns `count` grandchildren (each a sleeping node process that keeps
 * the inherited stdout open), prints their pids, one per line, then behaves as `after` says.
 */
export function tree(
  count: number,
  after: "exit" | "sleep" = "exit",
  options: { setsid?: boolean } = {},
): Command {
  const script = `
    const { spawn } = require("node:child_process");
    for (let i = 0; i < ${count}; i++) {
      const c = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: ["ignore", "inherit", "inherit"], detached: ${options.setsid === true} });
      console.log(c.pid);
      c.unref();
    }
    ${after === "sleep" ? "setInterval(() => {}, 1000);" : "setTimeout(() => process.exit(0), 20);"}
  `;
  return node(script);
}
