/**
 * A graceful stop of everything in a `ProcessGroup`: send a signal to every member, wait
 * until the group is empty or the grace period is over, then SIGKILL what is left. The whole
 * tree gets the grace — a leader that exits early does not cut it short for its children.
 */
import type { ProcessGroup } from "../index.js";

const POLL_MS = 25;

export class GroupStopper {
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly group: ProcessGroup,
    private readonly graceMs: number,
  ) {}

  /** True once a stop began. */
  get started(): boolean {
    return this.stopping !== undefined;
  }

  /** Signals every member, then SIGKILLs after the grace period (at once if it is 0). Idempotent. */
  graceful(signal: NodeJS.Signals): void {
    this.stopping ??= this.stop(signal);
  }

  /** Kills every member at once. */
  immediate(): void {
    const killing = this.group.kill().catch(() => {});
    this.stopping ??= killing;
  }

  /** Resolves when the stop (if any) finished. */
  get done(): Promise<void> {
    return this.stopping ?? Promise.resolve();
  }

  private async stop(signal: NodeJS.Signals): Promise<void> {
    try {
      if (this.graceMs > 0) {
        await this.group.signal(signal);
        if (await this.waitEmpty(this.graceMs)) return;
      }
      await this.group.kill();
    } catch {
      // the group was closed meanwhile: nothing left to stop
    }
  }

  private async waitEmpty(withinMs: number): Promise<boolean> {
    const deadline = performance.now() + withinMs;
    for (;;) {
      if ((await this.group.members()).length === 0) return true;
      if (performance.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
}
