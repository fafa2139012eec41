/**
 * The interactive stdin writer of a `RunningProcess` (`keepStdinOpen()`). It lives beside the
 * feeder (stdin-feeder.ts): everything that writes a child's stdin is in io/, and so is the one
 * rule of which write errors are benign (the child closed its end).
 */
import type { Writable } from "node:stream";
import { StdinError } from "../errors.js";
import { isBenignStdinError } from "./stdin-feeder.js";

export interface ProcessStdin {
  /** Writes text (UTF-8) or bytes; resolves once the pipe accepted them (backpressure). */
  write(data: string | Uint8Array): Promise<void>;
  /** Writes `line + "\n"`. */
  writeLine(line: string): Promise<void>;
  /** Closes stdin: the child sees EOF. Idempotent. */
  end(): Promise<void>;
  /** False once stdin was ended or the child closed it. */
  readonly writable: boolean;
}

export class PipeStdin implements ProcessStdin {
  constructor(
    private readonly pipe: Writable | null,
    private readonly program: string,
  ) {
    // EPIPE when the child exits first is normal; without a listener it would crash the host.
    pipe?.on("error", () => {});
  }

  get writable(): boolean {
    return this.pipe !== null && !this.pipe.destroyed && !this.pipe.writableEnded;
  }

  write(data: string | Uint8Array): Promise<void> {
    const pipe = this.pipe;
    if (pipe === null) {
      return Promise.reject(
        new StdinError(this.program, "stdin is not open for writing (use keepStdinOpen())"),
      );
    }
    if (!this.writable) return Promise.reject(closedError(this.program));
    return new Promise((resolve, reject) => {
      pipe.write(data, (error) => {
        if (error == null) resolve();
        else
          reject(
            isBenignStdinError(error)
              ? closedError(this.program)
              : new StdinError(this.program, error.message, error),
          );
      });
    });
  }

  writeLine(line: string): Promise<void> {
    return this.write(`${line}\n`);
  }

  end(): Promise<void> {
    const pipe = this.pipe;
    if (pipe === null || !this.writable) return Promise.resolve();
    return new Promise((resolve) => pipe.end(() => resolve()));
  }
}

function closedError(program: string): StdinError {
  return new StdinError(program, "stdin is closed (the child exited or closed it)");
}
