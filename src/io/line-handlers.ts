/**
 * Line handlers (`onStdoutLine`, `onStderrLine`) as every run calls them: each line to each
 * handler in order; a handler that throws is disabled for the rest of the run and the run
 * goes on (a callback's bug must never take the child's output down with it).
 */
import type { LineHandler } from "../command/spec.js";

export class LineHandlers {
  private readonly handlers: LineHandler[];

  constructor(handlers: readonly LineHandler[]) {
    this.handlers = [...handlers];
  }

  /** False once no handler is left (none given, or all disabled): splitting can stop. */
  get active(): boolean {
    return this.handlers.length > 0;
  }

  deliver(lines: readonly string[]): void {
    for (const line of lines) {
      for (let i = 0; i < this.handlers.length; i++) {
        try {
          (this.handlers[i] as LineHandler)(line);
        } catch {
          this.handlers.splice(i--, 1);
        }
      }
      if (this.handlers.length === 0) return;
    }
  }
}
