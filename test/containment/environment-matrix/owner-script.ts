/**
 * The owner that runs inside each environment of the matrix: a Node process using the built
 * library, started by `unshare` (and maybe `setpriv`). It prints one JSON line per step:
 * `host` (hostContainment() before any run), `tree-up` when a tree is complete (the test then
 * checks it by pid from outside), `settled` after each run. Tree members are `sleep <n>` with
 * numbers unique to the test, so the test finds them by host pid even across a PID namespace
 * or with /proc hidden from the owner.
 *
 * Scenarios: "runs" — output() of a tree whose leader exits once the test creates a flag
 * file, then a 1 s timeout of a TERM-ignoring tree, then an orderly exit; "sigkill" — a
 * running tree, and the owner waits to be SIGKILLed; "probe" — only the host report and one run.
 */
export const OWNER_SCRIPT = `
const [dist, scenario, base, flag] = process.argv.slice(2);
const { Command, JobRunner, hostContainment } = await import(new URL("index.js", dist));
const { CgroupBackend } = await import(new URL("containment/cgroup/backend.js", dist));
const say = (o) => process.stdout.write(JSON.stringify(o) + "\\n");
const B = Number(base);
const host = hostContainment();
const settled = CgroupBackend.settled();
say({ step: "host", host, ownerDir: settled instanceof CgroupBackend ? settled.ownerDir : null });

// A background child, a setsid child, a double fork that stays in the group, and a daemon-style
// double fork into a new session; optionally all ignoring SIGTERM.
const members = (ignoreTerm) =>
  (ignoreTerm ? 'trap "" TERM; ' : "") +
  "sleep " + (B + 1) + " & setsid sleep " + (B + 2) + " & (sleep " + (B + 3) + " &); (setsid sleep " + (B + 4) + " &); " +
  "sleep 0.2; echo ready";
const tree = (script, scenarioName, extra = []) =>
  new Command("sh", ["-c", script, ...extra]).onStdoutLine((line) => {
    if (line === "ready") say({ step: "tree-up", scenario: scenarioName });
  });
const runner = new JobRunner();

if (scenario === "probe") {
  const result = await runner.output(new Command("sh", ["-c", "echo ok"]));
  say({ step: "settled", scenario, mechanism: runner.mechanism, stdout: result.stdout });
} else if (scenario === "runs") {
  const started = performance.now();
  const out = await runner.output(tree(members(false) + '; while [ ! -e "$0" ]; do sleep 0.05; done', "output", [flag]));
  say({ step: "settled", scenario: "output", mechanism: runner.mechanism, exitCode: out.exitCode, ms: performance.now() - started });
  const t0 = performance.now();
  const timed = await runner.output(tree(members(true) + "; exec sleep " + (B + 5), "timeout").timeout("1s").timeoutGrace("1s"));
  say({ step: "settled", scenario: "timeout", mechanism: runner.mechanism, timedOut: timed.timedOut, signal: timed.signal, ms: performance.now() - t0 });
} else if (scenario === "sigkill") {
  const proc = await runner.start(tree(members(false) + "; exec sleep " + (B + 5), "sigkill"));
  say({ step: "started", mechanism: proc.mechanism });
  setInterval(() => {}, 60_000);
}
`;
