/**
 * How hard the torture suite runs: `TORTURE_LEVEL=full` (what `npm run torture` sets) for the
 * trial counts the reliability issue asks for, anything else for the reduced run `.ci/run`
 * makes (a few minutes). `TORTURE_SEED` replays a run: every random choice comes from it.
 */
export const FULL = process.env.TORTURE_LEVEL === "full";

/** `full` trials in a full run, `reduced` otherwise. */
export function trials(full: number, reduced: number): number {
  return FULL ? full : reduced;
}

const given = process.env.TORTURE_SEED;
export const SEED =
  given !== undefined && given !== "" ? Number(given) >>> 0 : (Date.now() ^ (process.pid << 16)) >>> 0;

/** A small deterministic generator (mulberry32): the same seed gives the same run. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
