/** Picks the capture shape for an output limit. */
import type { OutputLimitSpec } from "../../command/spec.js";
import type { Capture } from "./capture.js";
import { HeadCapture } from "./head-capture.js";
import { TailCapture } from "./tail-capture.js";

export type { Capture } from "./capture.js";
export { MAX_CAPTURE_BYTES } from "./head-capture.js";

export function createCapture(limit: OutputLimitSpec | undefined): Capture {
  if (limit === undefined) return new HeadCapture(undefined, undefined, "error");
  switch (limit.onOverflow) {
    case "drop-oldest":
      return new TailCapture(limit.maxBytes, limit.maxLines);
    case "drop-newest":
      return new HeadCapture(limit.maxBytes, limit.maxLines, "seal");
    case "error":
      return new HeadCapture(limit.maxBytes, limit.maxLines, "error");
  }
}
