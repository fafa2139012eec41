/**
 * Owners for the torture suite: a library owner (a Node script using the built library) and
 * the CLI (`processkit run`), both started with a preload that turns SIGUSR2 into the ending
 * under test (an uncaught exception or process.exit), so the harness picks the moment. Each
 * runs a labelled tree: a normal member, a double fork and a setsid member, every process
 * carrying the trial's id in its argv (`sleep 1000.<id>`; the setsid one `sleep 1001.<id>`),
 * so survivors are found by argv without knowing their pids.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The built library; `TORTURE_DIST` points the suite at another build (e.g. an older one, to see it fail). */
export const DIST = process.env.TORTURE_DIST
  ? `${process.env.TORTURE_DIST.replace(/\/$/, "")}/`
  : fileURLToPath(new URL("../../dist/", import.meta.url));
export const CLI = join(DIST, "cli", "main.js");

/** $0 is `tok-<id>`; every process of the tree has <id> in its argv. */
export const TREE =
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, not a template
  "id=${0#tok-}; sleep 1000.$id & (sleep 1000.$id &); setsid sleep 1001.$id & exec sleep 1000.$id";

const PRELOAD = `
const ending = process.env.TORTURE_ENDING;
if (ending === "throw") process.on("SIGUSR2", () => { throw new Error("torture: the owner throws"); });
if (ending === "exit") process.on("SIGUSR2", () => process.exit(3));
`;

const LIBRARY_OWNER = `
const [dist, tree, token] = process.argv.slice(2);
const { Command, JobRunner } = await import(dist + "index.js");
const runner = new JobRunner(); // PROCESSKIT_MECHANISM chooses
const start = (t) => runner.start(new Command("sh", ["-c", tree, t])).catch(() => {});
// SIGUSR1: one more run (the "every sentinel killed, then a new run" case), token given on stdin-less argv.
process.on("SIGUSR1", () => void start(token + "0"));
await start(token);
setInterval(() => {}, 60_000);
`;

let dir: string | undefined;
function scripts(): { preload: string; library: string } {
  if (dir === undefined) {
    dir = mkdtempSync(join(tmpdir(), "processkit-torture-"));
    writeFileSync(join(dir, "ending.cjs"), PRELOAD);
    writeFileSync(join(dir, "owner.mjs"), LIBRARY_OWNER);
  }
  return { preload: join(dir, "ending.cjs"), library: join(dir, "owner.mjs") };
}

export function removeScripts(): void {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
}

export type OwnerKind = "library" | "cli";

/** argv for `node` that starts an owner of `kind` running the tree labelled `token`. */
export function ownerArgs(kind: OwnerKind, token: string): string[] {
  const { preload, library } = scripts();
  return kind === "library"
    ? ["--require", preload, library, `file://${DIST}`, TREE, token]
    : ["--require", preload, CLI, "run", "--", "sh", "-c", TREE, token];
}
