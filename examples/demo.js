// The main job in 30 lines: a `sh -c` tree that would outlive a plain child_process timeout
// is timed out and torn down — every process of it, including the ones that keep stdout open.
// Run with: npm start
import { subscribe } from "node:diagnostics_channel";
import { readFileSync } from "node:fs";
import { Command } from "processkit";

const alive = (pid) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    return !/^[ZX]$/.test(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0]);
  } catch {
    return false;
  }
};
const t0 = performance.now();
const log = (msg) => console.log(`[${(performance.now() - t0).toFixed(0).padStart(5)} ms] ${msg}`);

subscribe("processkit:spawn", (e) => log(`spawned ${e.program} (pid ${e.pid}, contained by ${e.mechanism})`));
subscribe("processkit:timeout", (e) => log(`deadline of ${e.timeoutMs} ms reached: stopping the whole tree`));
subscribe("processkit:teardown", (e) => log(`teardown: ${e.phase} (${e.cause})`));

const pids = [];
const script = "for i in 1 2 3; do sleep 300 & echo $!; done; echo 'payload running'; wait";
const result = await new Command("sh", ["-c", script])
  .timeout("1s")
  .onStdoutLine((line) => {
    if (/^\d+$/.test(line)) pids.push(Number(line));
    log(`stdout: ${line}${/^\d+$/.test(line) ? " (a grandchild that holds stdout open)" : ""}`);
  })
  .output();

log(`resolved: timedOut=${result.timedOut}, outcome=${JSON.stringify(result.outcome)}`);
for (const pid of pids) log(`grandchild ${pid}: ${alive(pid) ? "STILL ALIVE (bug!)" : "gone"}`);
const survivors = pids.filter(alive).length;
log(survivors === 0 ? "no survivors." : `${survivors} survivors!`);
process.exitCode = survivors === 0 ? 0 : 1;
