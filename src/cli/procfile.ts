/**
 * Procfiles (the foreman/honcho format): one `name: command` per line, `#` comments and blank
 * lines ignored. The command is split like a shell (shell-words.ts) and run without one.
 */
import { UsageError } from "./args.js";
import { readFlagFile } from "./input-file.js";
import { ShellWordsError, splitWords } from "./shell-words.js";

export interface ProcfileEntry {
  readonly name: string;
  readonly words: readonly string[];
}

const ENTRY = /^([A-Za-z0-9_][A-Za-z0-9_.-]*)\s*:\s*(.*)$/;

export function readProcfile(file: string): ProcfileEntry[] {
  return parseProcfile(readFlagFile(file, "procfile"), file);
}

export function parseProcfile(text: string, file: string): ProcfileEntry[] {
  const entries: ProcfileEntry[] = [];
  const seen = new Set<string>();
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const where = `--procfile ${file}:${i + 1}`;
    const line = (lines[i] as string).trim();
    if (line === "" || line.startsWith("#")) continue;
    const match = ENTRY.exec(line);
    if (match === null) throw new UsageError(`${where}: expected NAME: COMMAND`);
    const name = match[1] as string;
    if (seen.has(name)) throw new UsageError(`${where}: duplicate name ${JSON.stringify(name)}`);
    seen.add(name);
    let words: string[];
    try {
      words = splitWords(match[2] as string);
    } catch (error) {
      const reason = error instanceof ShellWordsError ? error.reason : String(error);
      throw new UsageError(`${where}: ${reason}`);
    }
    if (words.length === 0) throw new UsageError(`${where}: ${name} has no command`);
    entries.push({ name, words });
  }
  if (entries.length === 0) throw new UsageError(`--procfile ${file}: no entries`);
  return entries;
}
