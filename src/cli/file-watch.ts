/**
 * Watching files and directory trees for `supervise --watch`. One `fs.watch` per directory
 * (recursive `fs.watch` is not dependable on Node 20 for Linux), new directories picked up as
 * they appear, `--ignore` globs and the usual noise (`.git`, `node_modules`) skipped, and a
 * burst of changes folded into one notice after the debounce.
 */
import { type FSWatcher, readdirSync, statSync, watch } from "node:fs";
import { basename, dirname, join, relative, sep } from "node:path";
import { UsageError } from "./args.js";
import { matchesAny } from "./glob.js";

/** Directories nobody wants a restart for. */
export const DEFAULT_IGNORED = [/^\.git$/, /^node_modules$/];

export class TreeWatcher {
  private readonly watchers = new Map<string, FSWatcher>();
  private timer: NodeJS.Timeout | undefined;
  private pending: string | undefined;
  private closed = false;

  /** Throws a `UsageError` naming the first path that does not exist. */
  constructor(
    roots: readonly string[],
    private readonly ignore: readonly RegExp[],
    private readonly debounceMs: number,
    private readonly onChange: (path: string) => void,
  ) {
    for (const root of roots) {
      let isDir: boolean;
      try {
        isDir = statSync(root).isDirectory();
      } catch (error) {
        throw new UsageError(
          `--watch: cannot watch ${root}: ${(error as NodeJS.ErrnoException).code ?? "error"}`,
        );
      }
      if (isDir) this.watchTree(root, root);
      // A file is watched through its directory: an editor that saves by renaming a new file
      // over it would leave a watcher on the file itself watching the old, unlinked one.
      else this.watchOne(root, dirname(root), basename(root));
    }
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    for (const watcher of this.watchers.values()) watcher.close();
    this.watchers.clear();
  }

  private ignored(root: string, path: string): boolean {
    const rel = relative(root, path).split(sep).join("/");
    if (rel === "") return false;
    return matchesAny(DEFAULT_IGNORED, rel) || matchesAny(this.ignore, rel);
  }

  private watchTree(root: string, dir: string): void {
    if (this.watchers.has(dir) || this.ignored(root, dir)) return;
    this.watchOne(root, dir);
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return; // gone or unreadable meanwhile: its parent's watcher still reports it
    }
    for (const name of names) {
      const path = join(dir, name);
      if (isDirectory(path)) this.watchTree(root, path);
    }
  }

  /** Watches directory `path`; with `only`, just the entry of that name. */
  private watchOne(root: string, path: string, only?: string): void {
    // A directory's key is its path; a single file's adds its name (two files may share a directory).
    const key = only === undefined ? path : `${path}\0${only}`;
    let watcher: FSWatcher;
    try {
      watcher = watch(path);
    } catch {
      return;
    }
    watcher.on("error", () => {
      watcher.close();
      this.watchers.delete(key);
    });
    watcher.on("change", (_event, filename) => {
      const name = filename?.toString();
      if (only !== undefined && name !== only) return;
      const changed = name === undefined ? path : join(path, name);
      if (this.ignored(root, changed)) return;
      if (only === undefined && changed !== path && isDirectory(changed)) this.watchTree(root, changed);
      this.changed(changed);
    });
    this.watchers.set(key, watcher);
  }

  private changed(path: string): void {
    if (this.closed) return;
    this.pending ??= path;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const first = this.pending as string;
      this.pending = undefined;
      this.onChange(first);
    }, this.debounceMs);
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
