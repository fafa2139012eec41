/**
 * One run of a pipeline: stages spawned on kernel pipes (see kernel-pipes.ts) inside one
 * shared container, the chain's own deadline and cancel, proactive teardown on the first
 * checked failure, and the settlement pipefail is computed from. Bytes flow child → child
 * through the kernel; none passes through JavaScript.
 *
 * Each stage is an ordinary `RunningProcess` in its own nested container: per-stage
 * deadlines, cancel, stderr capture and line handlers come from there unchanged.
 */
import type { CommandSpec } from "../command/spec.js";
import type { Container } from "../containment/container.js";
import { killTree } from "../containment/stop.js";
import { closePipes, createPipes, type KernelPipe } from "../io/kernel-pipes.js";
import { type Prepared, prepare, spawnInto } from "../process/launch.js";
import type { RunningProcess } from "../process/running-process.js";
import { startRun } from "../process/start.js";
import { after, type Cancellable } from "../process/timer.js";
import type { ProcessResult } from "../result.js";

export interface ChainOptions {
  readonly timeoutMs: number | undefined;
  readonly cancelSignal: AbortSignal | undefined;
}

export type StageSettlement =
  | { readonly ok: true; readonly result: ProcessResult<unknown> }
  | { readonly ok: false; readonly error: unknown };

export interface ChainSettlement {
  readonly stages: readonly StageSettlement[];
  /** Stages marked `uncheckedInPipe()`. */
  readonly unchecked: readonly boolean[];
  /** For each stage, the position in which its leader exited (0 = first). */
  readonly exitOrder: readonly number[];
  /** Stages still running when the chain was torn down after a failure (never blamed). */
  readonly victims: readonly boolean[];
  readonly timedOut: boolean;
  readonly cancelled: { readonly reason: unknown } | undefined;
  readonly durationMs: number;
}

export class PipelineRun {
  readonly settled: Promise<ChainSettlement>;
  private readonly startedAt = performance.now();
  private readonly done: boolean[];
  private readonly exitOrder: number[];
  private exitsSeen = 0;
  private victims: boolean[];
  private tornDown = false;
  private timedOut = false;
  private cancelled: { reason: unknown } | undefined;
  private timer: Cancellable | undefined;
  private readonly onAbort = () => {
    this.cancelled ??= { reason: (this.chain.cancelSignal as AbortSignal).reason };
    this.teardown();
  };

  private constructor(
    readonly specs: readonly CommandSpec[],
    readonly stages: readonly RunningProcess[],
    private readonly container: Container,
    private readonly chain: ChainOptions,
  ) {
    this.done = specs.map(() => false);
    this.exitOrder = specs.map(() => -1);
    this.victims = specs.map(() => false);
    if (chain.timeoutMs !== undefined) {
      this.timer = after(chain.timeoutMs, () => {
        this.timedOut = true;
        this.teardown();
      });
    }
    chain.cancelSignal?.addEventListener("abort", this.onAbort, { once: true });
    this.settled = this.settle();
    if (chain.cancelSignal?.aborted) this.onAbort();
  }

  /**
   * Spawns the chain. Every stage is checked and resolved before anything is spawned, so a
   * missing program or cwd is a typed error with nothing left running.
   */
  static async start(
    specs: readonly CommandSpec[],
    container: Container,
    chain: ChainOptions,
    bulk: boolean,
  ): Promise<PipelineRun> {
    const prepared: Prepared[] = specs.map((spec) => prepare(spec));
    const pipes = await createPipes(specs.length - 1);
    const stages: RunningProcess[] = [];
    try {
      for (const [i, stage] of prepared.entries()) {
        const overrides = {
          ...(i > 0 ? { stdin: (pipes[i - 1] as KernelPipe).read } : {}),
          ...(i < pipes.length ? { stdout: (pipes[i] as KernelPipe).write } : {}),
        };
        // Each stage is a private run in its own nested container: when its leader exits, what
        // it left behind dies at once, so a background child holding the pipe cannot keep the
        // next stage (and the chain) waiting for an EOF that never comes.
        stages.push(
          await startRun(stage.spec, () => spawnInto(stage, container.createChild(), { overrides }), {
            killTreeOnExit: true,
            closeStdin: bulk,
          }),
        );
      }
    } catch (error) {
      await killTree(container);
      container.release();
      throw error;
    } finally {
      // The children hold their own copies; ours must go, or a consumer would never see EOF.
      closePipes(pipes);
    }
    return new PipelineRun(specs, stages, container, chain);
  }

  /** Kills every stage at once (user kill); resolves when the chain has settled. */
  async kill(): Promise<void> {
    this.teardown();
    await this.settled;
  }

  /** Tears the whole chain down; stages still running become victims. */
  private teardown(): void {
    if (this.tornDown) return;
    this.tornDown = true;
    this.victims = this.done.map((d) => !d);
    this.container.kill();
  }

  private async settle(): Promise<ChainSettlement> {
    const last = this.stages.length - 1;
    await Promise.all(
      this.stages.map((stage, i) =>
        stage.leaderExit.then((exit) => {
          this.done[i] = true;
          this.exitOrder[i] = this.exitsSeen++;
          const spec = this.specs[i] as CommandSpec;
          const clean = exit.code !== null && spec.okCodes.includes(exit.code);
          // The first checked failure tears the chain down at once: a quiet upstream is not left running.
          if (!clean && !spec.uncheckedInPipe) this.teardown();
        }),
      ),
    );
    const durationMs = performance.now() - this.startedAt;
    // Every leader is gone: whatever they left behind in the shared container dies now.
    await killTree(this.container);
    const stages = await Promise.all(
      this.stages.map((stage, i) =>
        (i === last ? stage.outputBytes() : stage.output()).then(
          (result): StageSettlement => ({ ok: true, result }),
          (error: unknown): StageSettlement => ({ ok: false, error }),
        ),
      ),
    );
    this.timer?.cancel();
    this.chain.cancelSignal?.removeEventListener("abort", this.onAbort);
    this.container.release();
    return {
      stages,
      unchecked: this.specs.map((spec) => spec.uncheckedInPipe),
      exitOrder: this.exitOrder,
      victims: this.victims,
      timedOut: this.timedOut,
      cancelled: this.cancelled,
      durationMs,
    };
  }
}
