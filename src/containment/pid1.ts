/**
 * Node as PID 1 of its PID namespace (`docker run node app.js` without `--init`, most
 * Kubernetes pods): orphans are re-parented to us, and nothing reaps the ones Node did not
 * spawn itself, so killed grandchildren stay zombies until the namespace ends. Reaping them
 * needs the native spawn core (libuv only waits for its own children: see
 * process/native/spawn-path.ts, pid1Status()).
 */

/** True when this process is PID 1 of its PID namespace. */
export function isPid1(): boolean {
  return process.pid === 1;
}

export const PID1_ADVICE =
  'run it under an init that reaps orphans: `docker run --init …`, or tini as the entrypoint (ENTRYPOINT ["tini", "--", "node", "app.js"]); in Kubernetes, `shareProcessNamespace: true` makes the pause container PID 1';
