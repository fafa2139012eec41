/**
 * `processkit doctor`: the host's containment, as `hostContainment()` reports it — after one
 * real probe launch, so the answer is what runs will actually get, not a guess.
 */
import { cgroupLocation } from "../../containment/host.js";
import { type HostContainment, hostContainment, JobRunner } from "../../index.js";
import { type FlagSpecs, type ParsedArgs, UsageError } from "../args.js";
import type { Exit } from "../exit-codes.js";
import { describeFailure } from "../failure.js";
import { writeJson, writeOut } from "../output.js";
import { defineSubcommand } from "../subcommand.js";

const FLAGS: FlagSpecs = { json: { type: "boolean" } };

export const DOCTOR_HELP = `Usage: processkit doctor [--json]

Shows how this host contains the processes processkit starts: the mechanism (cgroup v2, or
process groups as the fallback), the cgroup2 mount and whether we may write to it, what
happens to children if processkit itself is killed, and which resource limits
(--max-memory, --max-processes, --cpu-quota) can be enforced. Runs one tiny probe process.

Options:
  --json       print the report as one JSON document on stdout
  -h, --help   show this help

Set PROCESSKIT_MECHANISM=process-group (or cgroup-v2) to force a mechanism, and
PROCESSKIT_SPAWN=node (or native) to force the spawn path.

Examples:
  processkit doctor
  processkit doctor --json | jq .mechanism
`;

const MECHANISM_TEXT: Readonly<Record<string, string>> = {
  "cgroup-v2": "every run gets its own cgroup; teardown kills the whole tree, setsid() escapees included",
  "process-group":
    "every run leads its own process group; a descendant that leaves it (setsid) is killed too if it kept the run marker",
};

const DEATH_TEXT: Readonly<Record<HostContainment["parentDeath"], string>> = {
  "whole-tree": "whole-tree: if processkit dies, even by SIGKILL, everything it started is killed",
  "process-group":
    "process-group: if processkit dies, even by SIGKILL, each child's process group is killed, and escapees that kept the run marker",
  // The 0.1.0 name (never reported any more); kept while the type still accepts it.
  "direct-child":
    "process-group: if processkit dies, even by SIGKILL, each child's process group is killed, and escapees that kept the run marker",
  none: "none: children are only torn down when processkit exits in an orderly way",
};

const LIMIT_FLAGS: ReadonlyArray<[keyof HostContainment["limits"], string]> = [
  ["memoryMax", "--max-memory"],
  ["maxProcesses", "--max-processes"],
  ["cpuQuota", "--cpu-quota"],
];

export const doctorCommand = defineSubcommand({
  name: "doctor",
  help: DOCTOR_HELP,
  flags: FLAGS,
  rest: "operands",
  run: doctor,
});

async function doctor(parsed: ParsedArgs): Promise<Exit> {
  if (parsed.rest.length > 0) {
    throw new UsageError(`unexpected argument ${JSON.stringify(parsed.rest[0])}`);
  }
  // One real launch, so the report says what runs will get (a forced mechanism that fails is reported, not thrown).
  let probeError: string | undefined;
  try {
    await new JobRunner().ready();
  } catch (error) {
    probeError = describeFailure(error);
  }
  const host = hostContainment();
  const located = cgroupLocation();
  const forced = process.env.PROCESSKIT_MECHANISM || null;
  const cgroup2 = located.ok
    ? {
        mountPoint: located.mount.mountPoint,
        readOnly: located.mount.readOnly,
        ownCgroup: located.path,
        writable: true,
      }
    : { reason: located.reason, writable: false };
  const reasons = probeError === undefined ? [...host.reasons] : [probeError, ...host.reasons];

  if (parsed.flag("json")) {
    writeJson({
      mechanism: host.mechanism,
      cgroupPath: host.cgroupPath ?? null,
      parentDeath: host.parentDeath,
      limits: host.limits,
      spawn: host.spawn,
      spawnReason: host.spawnReason,
      pid1: host.pid1,
      reasons,
      advice: host.advice,
      runMarker: host.runMarker,
      cgroup2,
      forced,
      platform: process.platform,
      node: process.version,
    });
    return { code: 0 };
  }

  const rows: Array<[string, string]> = [
    ["mechanism", `${host.mechanism} (${MECHANISM_TEXT[host.mechanism] ?? "?"})`],
    [
      "cgroup2 mount",
      located.ok
        ? `${located.mount.mountPoint}${located.mount.readOnly ? " (read-only)" : ""}`
        : located.reason,
    ],
    ["our cgroup", located.ok ? `${located.path} (writable)` : "—"],
    ["owner death", DEATH_TEXT[host.parentDeath]],
    ["spawn", `${host.spawn} (${host.spawnReason})`],
    ["limits", LIMIT_FLAGS.map(([kind, flag]) => `${flag} ${host.limits[kind] ? "yes" : "no"}`).join(", ")],
  ];
  if (host.mechanism === "process-group")
    rows.push(["run marker", host.runMarker ? "on (escapees that keep it are killed)" : "off"]);
  if (forced !== null) rows.push(["forced by", `PROCESSKIT_MECHANISM=${forced}`]);
  if (host.pid1) rows.push(["pid 1", "yes: orphans of this PID namespace are re-parented to processkit"]);
  rows.push(["node", `${process.version} on ${process.platform}`]);
  const width = Math.max(...rows.map(([k]) => k.length));
  let text = "processkit doctor: how this host contains processes\n\n";
  for (const [key, value] of rows) text += `  ${key.padEnd(width)}  ${value}\n`;
  if (reasons.length > 0) {
    text += "\nNotes:\n";
    for (const reason of reasons) text += `  - ${reason}\n`;
  }
  if (host.advice.length > 0) {
    text += "\nTo contain more:\n";
    for (const step of host.advice) text += `  - ${step}\n`;
  }
  writeOut(text);
  return { code: 0 };
}
