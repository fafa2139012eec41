/**
 * A `ScriptedRunner` whose runs publish nothing on the lifecycle channels — for runners that
 * stand in for a process without pretending one was spawned (cassette replays, dry runs).
 */
import { ScriptedRunner } from "./scripted-runner.js";

export class SilentScript extends ScriptedRunner {
  protected override readonly silent = true;
}
