/** Reading a file a flag names (`--procfile`, `--dotenv`): a failure is a usage error naming both. */
import { readFileSync } from "node:fs";
import { UsageError } from "./args.js";

export function readFlagFile(file: string, flag: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw new UsageError(
      `--${flag}: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? "error"}`,
    );
  }
}
