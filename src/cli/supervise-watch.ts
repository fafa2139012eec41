/**
 * What `supervise` adds for development: `--watch PATH…` (restart the whole tree when a file
 * changes, nodemon's job) and `--health-http URL` (restart when the service stops answering),
 * the latter on the library's own health checks (`Supervisor.healthCheck`).
 */
import type { Supervisor } from "../index.js";
import { durationFlag, type FlagSpecs, integerFlag, type ParsedArgs, UsageError } from "./args.js";
import { TreeWatcher } from "./file-watch.js";
import { globPattern } from "./glob.js";
import { note } from "./output.js";

const DEFAULT_DEBOUNCE_MS = 200;
const DEFAULT_HEALTH_INTERVAL_MS = 5_000;

export const WATCH_FLAGS: FlagSpecs = {
  watch: { type: "string", multiple: true },
  ignore: { type: "string", multiple: true },
  debounce: { type: "string", check: durationFlag },
  "health-http": { type: "string" },
  "health-interval": { type: "string", check: durationFlag },
  "health-timeout": { type: "string", check: durationFlag },
  "health-failures": { type: "string", check: (value, flag) => integerFlag(value, flag, 1) },
};

export const WATCH_FLAGS_HELP = `  --watch PATH         restart the whole tree when a file under PATH changes (repeatable;
                       .git and node_modules are never watched); the old tree is gone
                       before the new one starts
  --ignore GLOB        ignore changes to matching paths (repeatable; *, **, ?)
  --debounce D         wait for D of quiet after a change before restarting (default 200ms)
  --health-http URL    probe URL with a GET; a 2xx answer is healthy; after
                       --health-failures misses in a row the tree is killed and restarted
  --health-interval D  time between probes, and before the first (default 5s)
  --health-timeout D   how long one probe may take (default: the interval)
  --health-failures N  consecutive misses that kill the tree (default 3)`;

export interface WatchSpec {
  readonly paths: readonly string[];
  readonly ignore: readonly RegExp[];
  readonly debounceMs: number;
}

export function watchOptions(parsed: ParsedArgs): WatchSpec | undefined {
  const paths = parsed.strings("watch");
  if (paths.length === 0) {
    for (const flag of ["ignore", "debounce"]) {
      if (parsed.has(flag)) throw new UsageError(`--${flag}: only with --watch`);
    }
    return undefined;
  }
  for (const path of paths) if (path === "") throw new UsageError("--watch: expected a path");
  const debounce = parsed.string("debounce");
  return {
    paths,
    ignore: parsed.strings("ignore").map((glob) => {
      if (glob === "") throw new UsageError("--ignore: expected a glob");
      return globPattern(glob);
    }),
    debounceMs: debounce === undefined ? DEFAULT_DEBOUNCE_MS : durationFlag(debounce, "debounce"),
  };
}

/** Changes, one notice per debounced burst; `end()` (a stop) makes `next()` answer "ended". */
export class ChangeFeed {
  private readonly watcher: TreeWatcher | undefined;
  private waiting: ((what: "change" | "ended") => void) | undefined;
  private changed = false;
  private ended = false;

  constructor(spec: WatchSpec | undefined, program: string) {
    this.watcher =
      spec === undefined
        ? undefined
        : new TreeWatcher(spec.paths, spec.ignore, spec.debounceMs, (path) => {
            note("supervise", `${path} changed: restarting ${program}`);
            this.changed = true;
            this.wake("change");
          });
  }

  /** Not watching, or ended by a stop: no change will come. */
  get finished(): boolean {
    return this.watcher === undefined || this.ended;
  }

  /** The next change (or "ended"); never settles when nothing is watched. */
  next(): Promise<"change" | "ended"> {
    if (this.ended) return Promise.resolve("ended");
    if (this.changed) {
      this.changed = false;
      return Promise.resolve("change");
    }
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  end(): void {
    this.ended = true;
    this.wake("ended");
  }

  close(): void {
    this.watcher?.close();
  }

  private wake(what: "change" | "ended"): void {
    const waiting = this.waiting;
    if (waiting === undefined) return;
    this.waiting = undefined;
    if (what === "change") this.changed = false;
    waiting(what);
  }
}

/** `--health-http`: the supervisor's health check, probing the URL. */
export function withHealthCheck(supervisor: Supervisor, parsed: ParsedArgs): Supervisor {
  const target = parsed.string("health-http");
  if (target === undefined) {
    for (const flag of ["health-interval", "health-timeout", "health-failures"]) {
      if (parsed.has(flag)) throw new UsageError(`--${flag}: only with --health-http`);
    }
    return supervisor;
  }
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new UsageError(`--health-http: invalid URL ${JSON.stringify(target)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`--health-http: only http:// and https:// URLs are supported, got ${url.protocol}`);
  }
  const intervalText = parsed.string("health-interval");
  const interval =
    intervalText === undefined ? DEFAULT_HEALTH_INTERVAL_MS : durationFlag(intervalText, "health-interval");
  if (interval < 1) throw new UsageError("--health-interval: must be at least 1ms");
  const timeoutText = parsed.string("health-timeout");
  const timeout = timeoutText === undefined ? interval : durationFlag(timeoutText, "health-timeout");
  if (timeout < 1) throw new UsageError("--health-timeout: must be at least 1ms");
  const failuresText = parsed.string("health-failures");
  const failures = failuresText === undefined ? 3 : integerFlag(failuresText, "health-failures", 1);
  return supervisor.healthCheck(
    async ({ signal }) => {
      const response = await fetch(url, { signal, redirect: "manual" });
      await response.body?.cancel();
      return response.status >= 200 && response.status < 300;
    },
    { interval, timeout, failures },
  );
}
