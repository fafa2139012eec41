/**
 * Real kernel pipes for pipeline stages. Node can spawn children on pipes it creates, but
 * those are socketpairs: a producer whose consumer stopped reading gets ECONNRESET and exits 1
 * instead of dying of SIGPIPE, and throughput is lower. Node has no pipe() call, so we make
 * FIFOs (coreutils `mkfifo` from a fixed system directory, never PATH) in the owner's private
 * 0700 scratch directory (which the sentinel removes if we die mid-way), open both ends, and
 * unlink them at once:
 *
 *   1. open the read end non-blocking (succeeds with no writer yet),
 *   2. open the write end (succeeds at once: a reader exists),
 *   3. open the read end again, blocking (succeeds at once: a writer exists), close step 1's.
 *
 * The fds we keep are ordinary blocking pipe ends (O_NONBLOCK lives on the open file
 * description, so step 1's flag does not leak into a child). Each is handed to a child as a
 * stdio fd and closed in the parent right after the spawn. Where the native core is built,
 * its pipe2(O_CLOEXEC) makes them directly.
 */
import { execFile } from "node:child_process";
import { accessSync, closeSync, constants, mkdtempSync, openSync, rmdirSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { owner } from "../containment/owner/registry.js";
import { UnsupportedError } from "../errors.js";
import { loadAddon } from "../process/native/addon.js";

export interface KernelPipe {
  readonly read: number;
  readonly write: number;
}

const MKFIFO_CANDIDATES = ["/usr/bin/mkfifo", "/bin/mkfifo"];

function findMkfifo(): string | undefined {
  for (const candidate of MKFIFO_CANDIDATES) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next fixed location
    }
  }
  return undefined;
}

let sequence = 0;

export async function createPipes(count: number): Promise<KernelPipe[]> {
  if (count === 0) return [];
  // The native core has pipe2(O_CLOEXEC): no FIFO, no mkfifo process.
  const load = loadAddon();
  if (load.ok) {
    const pipes: KernelPipe[] = [];
    try {
      for (let i = 0; i < count; i++) {
        const [read, write] = load.addon.pipe();
        pipes.push({ read, write });
      }
    } catch (error) {
      closePipes(pipes);
      throw new UnsupportedError("pipe", `cannot create kernel pipes: ${(error as Error).message}`);
    }
    return pipes;
  }
  const mkfifo = findMkfifo();
  if (mkfifo === undefined)
    throw new UnsupportedError("pipe", "pipelines need mkfifo in /usr/bin or /bin to create kernel pipes");
  const scratch = owner.scratch();
  const dir = scratch ?? mkdtempSync(join(tmpdir(), "processkit-pipes-"));
  const batch = ++sequence;
  const paths = Array.from({ length: count }, (_, i) => join(dir, `fifo-${batch}-${i}`));
  const pipes: KernelPipe[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      execFile(mkfifo, ["-m", "600", ...paths], { env: {} }, (error) => (error ? reject(error) : resolve()));
    });
    for (const path of paths) {
      const probe = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
      const write = openSync(path, constants.O_WRONLY);
      const read = openSync(path, constants.O_RDONLY);
      closeSync(probe);
      pipes.push({ read, write });
    }
    return pipes;
  } catch (error) {
    closePipes(pipes);
    throw new UnsupportedError("pipe", `cannot create kernel pipes: ${(error as Error).message}`);
  } finally {
    for (const path of paths) {
      try {
        unlinkSync(path);
      } catch {
        // never created
      }
    }
    if (scratch === null) rmdirSync(dir);
  }
}

export function closePipes(pipes: readonly KernelPipe[]): void {
  // The native core's pipes are closed by it: fs.closeSync warns about foreign fds in a worker.
  const load = loadAddon();
  for (const { read, write } of pipes) {
    for (const fd of [read, write]) {
      if (load.ok) {
        load.addon.close(fd);
        continue;
      }
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
    }
  }
}
