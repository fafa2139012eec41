/**
 * A live supervision started with `Supervisor.start()`: look at it (`status()`), follow it
 * (`events()`), end it (`stop({ grace })`, `await using`), or wait for it (`done`).
 */

import type { Duration } from "../command/duration.js";
import { parseDuration } from "../command/duration.js";
import { checkOptions } from "../command/validate.js";
import type { SessionOutcome, Supervision, SupervisionStatus } from "./engine.js";
import type { EventLog } from "./event-log.js";
import type { LaggedEvent, SupervisorEvent } from "./events.js";

export interface StopOptions {
  /** SIGTERM to the running incarnation's tree, then SIGKILL after this long (ends early when the tree is gone). Default "2s"; 0 kills at once. */
  grace?: Duration;
}

export const DEFAULT_STOP_GRACE_MS = 2_000;

export class SupervisionSession implements AsyncDisposable {
  /**
   * Settles when the supervision ends: the outcome, or the error that ended it (a cancel, a
   * start failure that could not be restarted …). Awaiting it is optional — an unobserved
   * failure never becomes an unhandled rejection; it is also reported as an `errored` event.
   */
  readonly done: Promise<SessionOutcome>;
  readonly program: string;

  /** @internal Created by `Supervisor.start()`. */
  constructor(
    private readonly supervision: Supervision,
    private readonly log: EventLog<SupervisorEvent>,
    program: string,
  ) {
    this.program = program;
    this.done = supervision.execute().finally(() => log.close());
    this.done.catch(() => {});
  }

  /** A snapshot: state, restarts, the running incarnation's pid and start time … */
  status(): SupervisionStatus {
    return this.supervision.status();
  }

  /**
   * Ends the supervision: the running incarnation gets SIGTERM, then SIGKILL after `grace`;
   * a backoff or storm pause ends at once. Resolves with the outcome (`stopped: "stopped"`)
   * once nothing of the incarnation is left. Idempotent; after the end it returns `done`.
   */
  stop(options: StopOptions = {}): Promise<SessionOutcome> {
    checkOptions(options, "stop", ["grace"], this.program);
    const graceMs =
      options.grace === undefined
        ? DEFAULT_STOP_GRACE_MS
        : parseDuration(options.grace, "grace", this.program);
    this.supervision.requestStop(graceMs);
    return this.done;
  }

  /**
   * The session's events in order: every event since the start that is still retained (the
   * newest 128), then live ones; the iterator ends after the final `stopped` or `errored`
   * event. Each call returns an independent iterator; a consumer that falls more than 128
   * events behind gets a `lagged` event counting what it missed.
   */
  events(): AsyncIterableIterator<SupervisorEvent | LaggedEvent> {
    return this.log.iterate();
  }

  /** `await using session = supervisor.start()`: stops at once (grace 0) and waits for the end. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop({ grace: 0 }).catch(() => {});
  }
}
