/**
 * `preferLocal()`: the `node_modules/.bin` directories from a directory upwards to the root,
 * nearest first — where `npm run` finds a project's own tools. Only directories are listed;
 * the resolver (resolve-program.ts) checks each candidate file as it does for PATH entries.
 */
import { dirname, join } from "node:path";

export function localBinDirs(from: string): string[] {
  const dirs: string[] = [];
  for (let dir = from; ; dir = dirname(dir)) {
    dirs.push(join(dir, "node_modules", ".bin"));
    if (dirname(dir) === dir) return dirs;
  }
}
