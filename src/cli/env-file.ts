/**
 * `.env` files (`--dotenv`): `NAME=VALUE` lines, `export NAME=VALUE`, `#` comments and blank
 * lines; a value may be 'single-quoted' (taken as is), "double-quoted" (\n, \t, \", \\ escapes)
 * or bare (trimmed, a ` #` starts a comment). No variable expansion and no command
 * substitution: a value is data. Errors name the file, the line and the variable, never a value.
 */
import { UsageError } from "./args.js";
import { readFlagFile } from "./input-file.js";

const NAME = /^[A-Za-z_][A-Za-z0-9_.]*$/;

export function readEnvFile(file: string): Record<string, string> {
  return parseEnvFile(readFlagFile(file, "dotenv"), file);
}

export function parseEnvFile(text: string, file: string): Record<string, string> {
  const vars: Record<string, string> = {};
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const where = `--dotenv ${file}:${i + 1}`;
    const line = (lines[i] as string).trim();
    if (line === "" || line.startsWith("#")) continue;
    const body = line.startsWith("export ") ? line.slice(7).trimStart() : line;
    const eq = body.indexOf("=");
    if (eq === -1) throw new UsageError(`${where}: expected NAME=VALUE`);
    const name = body.slice(0, eq).trim();
    if (!NAME.test(name)) throw new UsageError(`${where}: invalid variable name ${JSON.stringify(name)}`);
    const value = unquote(body.slice(eq + 1).trim());
    if (value === undefined) throw new UsageError(`${where}: the value of ${name} has an unterminated quote`);
    if (value.includes("\0")) throw new UsageError(`${where}: the value of ${name} contains a NUL byte`);
    vars[name] = value;
  }
  return vars;
}

/** The value, unquoted; undefined when a quote is not closed. */
function unquote(raw: string): string | undefined {
  const quote = raw[0];
  if (quote === "'" || quote === '"') {
    const end = raw.indexOf(quote, 1);
    if (quote === "'") return end === -1 ? undefined : raw.slice(1, end);
    let out = "";
    for (let i = 1; i < raw.length; i++) {
      const c = raw[i] as string;
      if (c === '"') return out;
      if (c === "\\" && i + 1 < raw.length) {
        const next = raw[++i] as string;
        out += next === "n" ? "\n" : next === "t" ? "\t" : next === "r" ? "\r" : next;
      } else out += c;
    }
    return undefined;
  }
  const comment = raw.search(/\s#/);
  return (comment === -1 ? raw : raw.slice(0, comment)).trimEnd();
}
