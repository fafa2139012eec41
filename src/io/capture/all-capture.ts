/**
 * The interleaved `all` capture (`captureAll()`): both streams' chunks in the order this
 * process read them, under the command's output limit like each stream's own capture.
 * Two pipes have no common clock: chunks written within the same instant may arrive in either
 * order (for exact order use `stderrToStdout()`, one pipe).
 */
import type { OutputLimitSpec } from "../../command/spec.js";
import type { OutputPump, PumpTap } from "../output-pump.js";
import type { Capture } from "./capture.js";
import { createCapture } from "./index.js";

export class AllCapture {
  readonly name = "all" as const;
  private readonly capture: Capture;
  private overflowReported = false;
  private finalBytes: Uint8Array | undefined;

  constructor(
    limit: OutputLimitSpec | undefined,
    private readonly onOverflow: () => void,
  ) {
    this.capture = createCapture(limit);
  }

  /** A tap for one of the two pumps. */
  tap(): PumpTap {
    return {
      attach: (_pump: OutputPump) => {},
      push: (chunk) => {
        this.capture.push(chunk);
        if (this.capture.overflowed && !this.overflowReported) {
          this.overflowReported = true;
          this.onOverflow();
        }
      },
    };
  }

  get truncated(): boolean {
    return this.capture.truncated;
  }

  get totalBytes(): number {
    return this.capture.totalBytes;
  }

  /** The kept bytes (call after both pumps ended). */
  bytes(): Uint8Array {
    this.finalBytes ??= this.capture.finish();
    return this.finalBytes;
  }
}
