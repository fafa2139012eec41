/**
 * What survives when the dev-workflow tool itself is stopped: concurrently, nodemon and
 * start-server-and-test (pinned devDependencies) against `processkit all | supervise | with`
 * on every mechanism this host has. `node bench/peers-cli.js` (after `npm run build`) prints
 * the Markdown table that docs/cli.md carries; `--only ROW` runs one row, `--json` prints
 * the raw cells.
 *
 * Each cell: start the tool with two process trees (every tree: a shell, a background sleep
 * and a double-forked `setsid` grandchild re-parented to init), wait until every pid is
 * recorded, snapshot the tool's descendants too (the shells it put in between), send the tool
 * SIGTERM or SIGKILL, wait, and count by pid what is still alive. Everything is SIGKILLed by
 * pid afterwards. Not part of `npm test` (about two minutes).
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const NODE = process.execPath;
const CLI = join(ROOT, "dist/cli/main.js");
const bin = (pkg, file) => join(ROOT, "node_modules", pkg, file);
const version = (pkg) =>
  JSON.parse(readFileSync(join(ROOT, "node_modules", pkg, "package.json"), "utf8")).version;

/** How long the tool gets after the signal before we count (processkit's default grace is 2s). */
const SETTLE_MS = 4_000;

// ── the workload ──────────────────────────────────────────────────────────────

const TREE = `pidfile=$1
echo $$ >> "$pidfile"
sleep 300 & echo $! >> "$pidfile"
(setsid sh -c 'echo $$ >> "$1"; exec sleep 300' sh "$pidfile" &)
wait
`;
/** The tree, then an HTTP server in place of the shell (for the "with" tools). */
const SERVER = `pidfile=$1
echo $$ >> "$pidfile"
sleep 300 & echo $! >> "$pidfile"
(setsid sh -c 'echo $$ >> "$1"; exec sleep 300' sh "$pidfile" &)
exec "${NODE}" -e 'require("http").createServer((q, s) => s.end("ok")).listen(Number(process.argv[1]), "127.0.0.1")' "$2"
`;

// ── /proc, by pid ─────────────────────────────────────────────────────────────

function stat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "latin1");
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { state: fields[0], ppid: Number(fields[1]) };
  } catch {
    return undefined;
  }
}
const alive = (pid) => {
  const s = stat(pid);
  return s !== undefined && s.state !== "Z" && s.state !== "X";
};
function descendants(root) {
  const parent = new Map();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const s = stat(Number(name));
    if (s !== undefined) parent.set(Number(name), s.ppid);
  }
  const out = [];
  for (const pid of parent.keys()) {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) {
      if (p === root) {
        out.push(pid);
        break;
      }
    }
  }
  return out;
}
const pidsIn = (file) => {
  try {
    return readFileSync(file, "utf8").split("\n").filter(Boolean).map(Number);
  } catch {
    return [];
  }
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(predicate, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (predicate()) return true;
    await sleep(50);
  }
  return predicate();
}
async function freePort() {
  const server = createServer();
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address();
  await new Promise((r) => server.close(r));
  return port;
}

// ── the rows ──────────────────────────────────────────────────────────────────

const pk = (mechanism) => ({ PROCESSKIT_MECHANISM: mechanism });

/** Each row: how to start the tool on two trees (pid files a and b) in `dir`. */
function rows(mechanisms) {
  const list = [
    {
      name: `concurrently ${version("concurrently")}`,
      start: ({ tree, a, b }) => [
        bin("concurrently", "dist/bin/concurrently.js"),
        `sh ${tree} ${a}`,
        `sh ${tree} ${b}`,
      ],
    },
    {
      name: `nodemon ${version("nodemon")}`,
      trees: 1,
      start: ({ tree, a, dir }) => [
        bin("nodemon", "bin/nodemon.js"),
        "--watch",
        dir,
        "--exec",
        `sh ${tree} ${a}`,
      ],
    },
    {
      name: `start-server-and-test ${version("start-server-and-test")}`,
      start: ({ tree, server, a, b, port }) => [
        bin("start-server-and-test", "src/bin/start.js"),
        `sh ${server} ${a} ${port}`,
        `http://127.0.0.1:${port}`,
        `sh ${tree} ${b}`,
      ],
    },
  ];
  for (const mechanism of mechanisms) {
    list.push(
      {
        name: `processkit all (${mechanism})`,
        env: pk(mechanism),
        start: ({ tree, a, b }) => [CLI, "all", `sh ${tree} ${a}`, `sh ${tree} ${b}`],
      },
      {
        name: `processkit supervise --watch (${mechanism})`,
        env: pk(mechanism),
        trees: 1,
        start: ({ tree, a, dir }) => [CLI, "supervise", "--watch", dir, "--", "sh", tree, a],
      },
      {
        name: `processkit with (${mechanism})`,
        env: pk(mechanism),
        start: ({ tree, server, a, b, port }) => [
          CLI,
          "with",
          "--ready-http",
          `http://127.0.0.1:${port}/`,
          "--",
          "sh",
          server,
          a,
          String(port),
          ":::",
          "sh",
          tree,
          b,
        ],
      },
    );
  }
  return list;
}

/** One cell: start, wait for every tree, signal the tool, count survivors, clean up. */
async function cell(row, signal) {
  const dir = mkdtempSync(join(tmpdir(), "peers-cli-"));
  const watched = join(dir, "watched");
  const ctx = {
    dir: watched,
    tree: join(dir, "tree.sh"),
    server: join(dir, "server.sh"),
    a: join(dir, "a.pids"),
    b: join(dir, "b.pids"),
    port: await freePort(),
  };
  writeFileSync(ctx.tree, TREE);
  writeFileSync(ctx.server, SERVER);
  // nodemon and supervise --watch watch a directory of their own (not the pid files).
  mkdirSync(watched);
  const trees = row.trees ?? 2;
  const files = trees === 2 ? [ctx.a, ctx.b] : [ctx.a];
  const tool = spawn(NODE, row.start(ctx), {
    cwd: dir,
    env: { ...process.env, ...row.env, NO_COLOR: "1" },
    stdio: ["ignore", "ignore", "ignore"],
  });
  const known = new Set();
  try {
    const up = await until(() => files.every((f) => pidsIn(f).length >= 3), 20_000);
    if (!up) return { error: "the trees did not start" };
    await sleep(300); // let the tool finish its own bookkeeping (a sentinel registration, say)
    for (const pid of [...files.flatMap(pidsIn), ...descendants(tool.pid)]) known.add(pid);
    known.delete(tool.pid);
    const before = [...known].filter(alive).length;
    process.kill(tool.pid, signal);
    await until(() => [...known].every((p) => !alive(p)) && !alive(tool.pid), SETTLE_MS);
    const survivors = [...known].filter(alive);
    const setsidPids = files.map((f) => pidsIn(f)[2]);
    return {
      before,
      survivors: survivors.length,
      setsidSurvivors: survivors.filter((p) => setsidPids.includes(p)).length,
      toolAlive: alive(tool.pid),
    };
  } finally {
    for (const pid of [...known, tool.pid]) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

function words(c) {
  if (c.error !== undefined) return `not measured: ${c.error}`;
  const tool = c.toolAlive ? "; the tool itself still runs" : "";
  if (c.survivors === 0) return `all ${c.before} gone${tool}`;
  const setsid =
    c.setsidSurvivors > 0
      ? ` (${c.setsidSurvivors} setsid grandchild${c.setsidSurvivors === 1 ? "" : "ren"})`
      : "";
  return `**${c.survivors} of ${c.before} survive**${setsid}${tool}`;
}

async function mechanismsHere() {
  const { hostContainment } = await import(join(ROOT, "dist/index.js"));
  const host = await hostContainment();
  return host.mechanism === "cgroup-v2" ? ["cgroup-v2", "process-group"] : ["process-group"];
}

const args = process.argv.slice(2);
const only = args.includes("--only") ? args[args.indexOf("--only") + 1] : undefined;
const asJson = args.includes("--json");
const selected = rows(await mechanismsHere()).filter((row) => only === undefined || row.name.includes(only));
const results = [];
for (const row of selected) {
  const term = await cell(row, "SIGTERM");
  const kill = await cell(row, "SIGKILL");
  results.push({ tool: row.name, SIGTERM: term, SIGKILL: kill });
  process.stderr.write(`measured ${row.name}\n`);
}
if (asJson) {
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
} else {
  const lines = ["| tool | SIGTERM to the tool | SIGKILL to the tool |", "|---|---|---|"];
  for (const r of results) lines.push(`| ${r.tool} | ${words(r.SIGTERM)} | ${words(r.SIGKILL)} |`);
  process.stdout.write(`${lines.join("\n")}\n`);
}
