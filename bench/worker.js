/**
 * One measurement in a fresh process: `node bench/worker.js '<task json>'`. Prints one line
 * `BENCH_RESULT {...}` with the elapsed time, what the variant returned, the RSS before the
 * run and the peak RSS (process.resourceUsage().maxRSS) at the end. A crash prints nothing:
 * the parent reports the exit status instead.
 */
import {
  captureVariants,
  firstLine,
  loadPeers,
  loadProcesskit,
  PEERS,
  processkitRunner,
  rawDrain,
} from "./lib/variants.js";

const MARK = "BENCH_RESULT ";
const task = JSON.parse(process.argv[2]);

async function variantFor(task) {
  const pkRunners = {};
  if (task.mechanism !== undefined) {
    const got = await processkitRunner(task.mechanism);
    if (got.runner === undefined) throw new Error(got.reason);
    pkRunners[task.mechanism] = got;
  }
  switch (task.kind) {
    case "capture": {
      const peers = PEERS.includes(task.variant) ? await loadPeers([task.variant]) : {};
      const variants = captureVariants(peers, pkRunners, task.file, task.args, "bytes");
      return variants[task.variant];
    }
    case "tail": {
      if (task.mechanism === undefined) {
        return async () => ({ bytes: (await rawDrain(task.file, task.args)).bytes, kept: 0 });
      }
      const { runner, pk } = pkRunners[task.mechanism];
      const command = new pk.Command(task.file, task.args).outputLimit({
        maxBytes: task.limitBytes,
        onOverflow: "drop-oldest",
      });
      return async () => {
        const result = await runner.outputBytes(command);
        return { kept: result.stdout.length, truncated: result.truncated };
      };
    }
    case "stream": {
      // P4-stream's JS readers in a process that loaded nothing else (see p4-pipeline.js),
      // after one untimed 16 MiB pass: the first run of a process pays for JIT and, for
      // processkit, the owner's one-time setup, which a long-lived application pays once.
      let read;
      if (task.variant === "raw") {
        const { spawn } = await import("node:child_process");
        read = async (bytes) => {
          const line = `head -c ${bytes} /dev/zero | cat | cat`;
          const child = spawn("sh", ["-c", line], { stdio: ["ignore", "pipe", "inherit"] });
          let n = 0;
          for await (const chunk of child.stdout) n += chunk.length;
          return n;
        };
      } else {
        const pk = await loadProcesskit();
        read = async (bytes) => {
          const proc = await new pk.Command("head", ["-c", String(bytes), "/dev/zero"])
            .pipe(new pk.Command("cat"))
            .pipe(new pk.Command("cat"))
            .start();
          let n = 0;
          for await (const chunk of proc.readable()) n += chunk.length;
          return n;
        };
      }
      await read(16 * 1024 * 1024);
      return () => read(task.bytes);
    }
    default:
      throw new Error(`unknown task kind ${task.kind}`);
  }
}

async function main() {
  const run = await variantFor(task);
  if (run === undefined) throw new Error(`unknown variant ${task.variant}`);
  if (global.gc) global.gc();
  const startRss = process.memoryUsage().rss;
  const t0 = performance.now();
  const value = await run();
  const elapsedMs = performance.now() - t0;
  const maxRss = process.resourceUsage().maxRSS * 1024;
  process.stdout.write(`${MARK}${JSON.stringify({ elapsedMs, value, startRss, maxRss })}\n`);
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stdout.write(`${MARK}${JSON.stringify({ error: firstLine(error) })}\n`);
    process.exit(1);
  },
);
