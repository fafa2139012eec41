/** How a run ended, in words: "exited with code 3", "was killed by SIGTERM", "timed out". */
import type { Outcome } from "../result.js";

export function describeOutcome(outcome: Outcome): string {
  switch (outcome.kind) {
    case "exited":
      return `exited with code ${outcome.code}`;
    case "signalled":
      return `was killed by ${outcome.signal}`;
    case "timed-out":
      return "timed out";
    case "inactivity-timed-out":
      return "timed out (no output)";
  }
}
