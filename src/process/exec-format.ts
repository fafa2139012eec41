/**
 * execve's verdict, ahead of a pure-path spawn. The native core calls execve, so a file the
 * kernel cannot execute (no `#!` line, a foreign or broken binary) is `SpawnError` ENOEXEC,
 * and a `#!` naming a missing interpreter is ENOENT. Node's spawn instead retries an ENOEXEC
 * file with /bin/sh (execvp's old fallback), and the cgroup launcher's `exec` runs it too or
 * exits 126/127, so the same command would behave three ways. So before a pure-path spawn we
 * read the file's first bytes: `#!` with an interpreter that exists and may be run, and ELF,
 * are what the kernel runs without help; anything else is refused the way execve would refuse
 * it — unless binfmt_misc has handlers registered: then only the kernel knows, and it decides.
 */
import { accessSync, closeSync, constants, openSync, readSync } from "node:fs";
import { binfmtMiscHandlers } from "../containment/proc.js";

/** The kernel reads at most this much of a `#!` line (BINPRM_BUF_SIZE). */
const header = Buffer.alloc(256);

function execError(file: string, code: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`spawn ${file} ${code}`);
  error.code = code;
  error.syscall = `spawn ${file}`;
  error.path = file;
  return error;
}

/** The interpreter of a `#!` line must exist and be executable, as execve checks. */
function checkInterpreter(file: string, line: string): void {
  const interpreter = line.slice(2).trim().split(/[ \t]/)[0] ?? "";
  if (interpreter === "") throw execError(file, "ENOEXEC");
  if (!interpreter.startsWith("/")) return; // relative to the child's cwd: only execve can tell
  try {
    accessSync(interpreter, constants.X_OK);
  } catch (error) {
    throw execError(file, (error as NodeJS.ErrnoException).code === "ENOENT" ? "ENOENT" : "EACCES");
  }
}

/** ELF e_machine values this kernel runs natively, by Node's process.arch (x64 also runs i386). */
const MACHINES: Readonly<Record<string, readonly number[]>> = {
  x64: [62, 3],
  ia32: [3],
  arm64: [183, 40],
  arm: [40],
  riscv64: [243],
  ppc64: [21],
  s390x: [22],
  loong64: [258],
};

/** A complete ELF header (52 bytes for ELF32, more for ELF64) for a machine this kernel runs. */
function runnableElf(bytes: Buffer, read: number): boolean {
  if (read < 52 || bytes.readUInt32BE(0) !== 0x7f454c46) return false;
  const littleEndian = bytes[5] === 1;
  const machine = littleEndian ? bytes.readUInt16LE(18) : bytes.readUInt16BE(18);
  const known = MACHINES[process.arch];
  return known === undefined || known.includes(machine);
}

/** Throws an error shaped like the native core's when execve would refuse `file`. */
export function checkExecFormat(file: string): void {
  let read = 0;
  try {
    const fd = openSync(file, "r");
    try {
      read = readSync(fd, header, 0, header.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    return; // unreadable but executable (mode --x): execve itself will tell
  }
  if (read >= 2 && header[0] === 0x23 && header[1] === 0x21) {
    checkInterpreter(file, header.toString("latin1", 0, read).split("\n")[0] ?? "");
    return;
  }
  if (runnableElf(header, read) || binfmtMiscHandlers()) return;
  throw execError(file, "ENOEXEC");
}
