/**
 * The live progress line of `processkit batch` on a terminal: done/failed/running, elapsed,
 * ETA — redrawn in place on stderr. `progressText` is the pure part.
 */
import { writeErr } from "./output.js";

export interface ProgressState {
  readonly total: number;
  readonly done: number;
  readonly failed: number;
  readonly running: number;
  readonly elapsedMs: number;
}

/** "12/50 done, 1 failed, 4 running | 0:12 elapsed, ETA 0:38" */
export function progressText(state: ProgressState): string {
  const { total, done, failed, running, elapsedMs } = state;
  const parts = [`${done}/${total} done`];
  if (failed > 0) parts.push(`${failed} failed`);
  parts.push(`${running} running`);
  let text = `batch: ${parts.join(", ")} | ${clock(elapsedMs)} elapsed`;
  const eta = etaMs(state);
  if (eta !== undefined) text += `, ETA ${clock(eta)}`;
  return text;
}

/** Remaining time at the throughput so far; unknown until something finished. */
export function etaMs(state: ProgressState): number | undefined {
  if (state.done === 0 || state.done >= state.total) return undefined;
  return ((state.total - state.done) * state.elapsedMs) / state.done;
}

/** m:ss, or h:mm:ss past an hour. */
export function clock(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1_000));
  const h = Math.floor(total / 3_600);
  const m = Math.floor((total % 3_600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

const CLEAR = "\r\x1b[K";

export class ProgressLine {
  private shown = false;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly state: () => ProgressState,
    private readonly columns: () => number,
  ) {
    this.timer = setInterval(() => this.draw(), 250);
    this.timer.unref();
    this.draw();
  }

  draw(): void {
    let text = progressText(this.state());
    const width = this.columns();
    if (width > 1 && text.length >= width) text = text.slice(0, width - 1);
    writeErr(`${CLEAR}${text}`);
    this.shown = true;
  }

  /** Removes the line (before other output, and at the end). */
  clear(): void {
    if (!this.shown) return;
    writeErr(CLEAR);
    this.shown = false;
  }

  stop(): void {
    clearInterval(this.timer);
    this.clear();
  }
}
