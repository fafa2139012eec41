/**
 * The cassette on disk. Writes are atomic (a temp file in the same directory, mode 0600,
 * fsynced, then renamed over the cassette), so a reader — or a crash — never sees half a file.
 *
 * Two recorders on one cassette would each rewrite it from their own calls and the last one
 * would silently win; so a recorder holds `<cassette>.lock` (created exclusively, holding its
 * pid) from its first recorded call until `close()` or the end of the process. A second
 * recorder is refused with an `InvalidInputError` naming the holder; a lock whose process is
 * gone is stale and taken over.
 */
import { randomBytes } from "node:crypto";
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { chmod, mkdir, open, readFile, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { InvalidInputError } from "../../errors.js";

/** The cassette's text, or undefined when there is no file. Other read errors are typed. */
export async function readCassette(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if (codeOf(error) === "ENOENT") return undefined;
    throw new InvalidInputError("cassette", `cassette ${path}: cannot be read (${codeOf(error) ?? error})`);
  }
}

export async function writeAtomically(path: string, text: string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    const handle = await open(temp, "wx", 0o600);
    try {
      await handle.writeFile(text, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    await chmod(temp, 0o600); // the umask may only have removed bits; say what we mean
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw unwritable(path, error);
  }
}

/** Locks held by this process: path → lock file. Released on `close()` or when the process exits. */
const held = new Map<string, string>();
let exitHook = false;

/** Takes the recording lock of `path` (creating its directory). Throws a typed error when it cannot. */
export async function lockCassette(path: string): Promise<void> {
  if (held.has(path)) throw busy(path, process.pid);
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  } catch (error) {
    throw unwritable(path, error);
  }
  const lock = `${path}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lock, "wx", 0o600);
      try {
        writeSync(fd, `${process.pid}\n`);
      } finally {
        closeSync(fd);
      }
      held.set(path, lock);
      if (!exitHook) {
        exitHook = true;
        process.once("exit", releaseAllSync);
      }
      return;
    } catch (error) {
      if (codeOf(error) !== "EEXIST") throw unwritable(path, error);
      const holder = lockHolder(lock);
      if (holder !== undefined && holder !== process.pid && isAlive(holder)) throw busy(path, holder);
      // A stale lock: its recorder died (or it is ours from a process that no longer holds it).
      try {
        unlinkSync(lock);
      } catch {
        // another recorder removed it first; the next attempt decides
      }
    }
  }
  throw busy(path, lockHolder(lock));
}

export async function unlockCassette(path: string): Promise<void> {
  const lock = held.get(path);
  if (lock === undefined) return;
  held.delete(path);
  await unlink(lock).catch(() => {});
}

function releaseAllSync(): void {
  for (const lock of held.values()) {
    try {
      unlinkSync(lock);
    } catch {
      // already gone
    }
  }
  held.clear();
}

function lockHolder(lock: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(lock, "utf8"), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return codeOf(error) === "EPERM";
  }
}

function busy(path: string, pid: number | undefined): InvalidInputError {
  const who =
    pid === process.pid ? "another recorder in this process" : `another recorder (pid ${pid ?? "?"})`;
  return new InvalidInputError(
    "cassette",
    `cassette ${path}: ${who} is recording it (lock ${path}.lock); one recorder per cassette`,
  );
}

function unwritable(path: string, error: unknown): InvalidInputError {
  return new InvalidInputError(
    "cassette",
    `cassette ${path}: cannot write in ${dirname(path)} (${codeOf(error) ?? String(error)})`,
  );
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}
